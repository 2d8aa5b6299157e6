//! The gateway's configuration: one typed [`Settings`], layered
//! built-in defaults → optional `gateway.toml` → `GATEWAY_…` environment variables (+ `DATABASE_URL`).
//!
//! Two types on purpose: [`RawSettings`] is what the layers deserialise into (every field has a
//! default, strings stay strings); [`Settings`] is the validated runtime value built by
//! [`Settings::from_raw`], where each problem is reported with the key's environment-variable name
//! and what is wrong with it. Every key is documented in `docs/configuration.md`.
//! Layering uses `figment` (maintained, names the key and source in its type errors).

mod edge;
mod raw;
mod reliability;
mod validate;
mod vendor_oauth;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use secrecy::SecretString;
use url::Url;

pub use raw::{OriginOverrides, RawSettings, StringList, DEFAULT_ENTRA_AUTHORITY};
pub use validate::database_settings;
pub use vendor_oauth::RawVendorOAuth;

use crate::{crypto::MasterKey, users::UserRef};

/// Environment-variable prefix of every key (`GATEWAY_PUBLIC_URL`, `GATEWAY_BIND`, …).
pub const ENV_PREFIX: &str = "GATEWAY_";
/// The configuration file read when present (override the path with `GATEWAY_CONFIG`).
pub const DEFAULT_CONFIG_FILE: &str = "gateway.toml";

/// The validated configuration the gateway runs with.
#[derive(Debug)]
pub struct Settings {
    /// Public base URL (origin only): cookie security, redirects and, later, the OAuth issuer.
    pub public_url: PublicUrl,
    /// Socket address the HTTP server listens on.
    pub bind: SocketAddr,
    /// Database connection settings.
    pub database: DatabaseSettings,
    /// The key-encryption key for stored secrets.
    pub master_key: MasterKey,
    /// The master key being rotated away from (`master_key_previous`): data keys still wrapped
    /// under it stay readable until `mcp-gateway keys rotate` has re-wrapped them.
    pub previous_master_key: Option<MasterKey>,
    /// Log output settings.
    pub log: LogSettings,
    /// The development sign-in (no identity provider).
    pub dev_login: DevLoginSettings,
    /// Portal session lifetimes.
    pub session: SessionSettings,
    /// Longest wait for in-flight requests after SIGTERM/ctrl-C before the process exits anyway.
    pub shutdown_grace: Duration,
    /// The identity providers users sign in with.
    pub identity_providers: IdentityProviderSettings,
    /// Operators (platform administrators) named in the configuration, in addition to those
    /// granted with `mcp-gateway admin grant`.
    pub operators: Vec<UserRef>,
    /// The plan of new organisations unless an operator changed it at run time (`pro` makes a
    /// self-hosted instance limit-free).
    pub default_plan: crate::organizations::Plan,
    /// Vendor connections: whether unreachable vendors may be saved unchecked, and the operator's
    /// extra vendor definitions.
    pub connections: ConnectionSettings,
    /// Audit events older than this are deleted by the hourly housekeeping.
    pub audit_retention: time::Duration,
    /// The MCP authorization server: issuer, resource, lifetimes, pre-registered clients.
    pub oauth: crate::oauth::OAuthSettings,
    /// The outbound HTTP guard: private targets, origin overrides (security.md MCP-4).
    pub outbound: crate::outbound::OutboundSettings,
    /// The public address the gateway's requests leave from, which vendors must allow; shown in
    /// the portal's hint when a connection test times out. `None` when not configured.
    pub egress_ip: Option<std::net::IpAddr>,
    /// Tenant onboarding: self-service or operator-approved, and which Entra roles prove an
    /// administrator consented (security.md OIDC-5).
    pub onboarding: crate::tenants::OnboardingPolicy,
    /// The front door: trusted reverse proxies, rate limits, the request time limit.
    pub edge: crate::edge::EdgeSettings,
    /// The address of the separate `/metrics` listener (`metrics_listen`); `None`: no metrics.
    pub metrics_listen: Option<SocketAddr>,
}

/// Vendor connection settings.
#[derive(Debug, Clone, Default)]
pub struct ConnectionSettings {
    /// Save a connection whose vendor cannot be reached (host not found, refused, timed out,
    /// TLS) with the status "not checked", instead of refusing it. For offline installs; a vendor
    /// that answers and rejects the credential is refused either way.
    pub allow_unchecked: bool,
    /// Extra vendor definitions (`*.toml`) loaded at start beside the built-in catalog.
    pub vendors_dir: Option<std::path::PathBuf>,
    /// The circuit breaker per connection and the retries of idempotent reads.
    pub reliability: crate::vendors::Reliability,
    /// The gateway's own OAuth app per vendor slug (`vendor_oauth.<slug>`), for vendors
    /// connected by consent; a vendor without one shows "not configured by the operator".
    pub oauth_apps: std::collections::BTreeMap<String, crate::vendors::OAuthApp>,
}

/// Which identity providers are configured.
#[derive(Debug, Default)]
pub struct IdentityProviderSettings {
    /// Microsoft Entra ID (multi-tenant), when configured.
    pub entra: Option<EntraSettings>,
    /// Auth0, when configured.
    pub auth0: Option<Auth0Settings>,
}

/// Microsoft Entra ID, multi-tenant through the `organizations` endpoint.
#[derive(Debug)]
pub struct EntraSettings {
    /// `https://login.microsoftonline.com` (no trailing slash) or a sovereign cloud's authority.
    pub authority: Url,
    /// The application (client) id of the app registration.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: SecretString,
    /// Whether sign-out also signs out of Microsoft (RP-initiated logout).
    pub logout: bool,
}

/// Auth0.
#[derive(Debug)]
pub struct Auth0Settings {
    /// The issuer, always with its trailing slash: `https://tenant.eu.auth0.com/`.
    pub issuer: Url,
    /// The application's client id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: SecretString,
    /// Whether sign-out also signs out of Auth0 (RP-initiated logout).
    pub logout: bool,
}

/// The public origin of the gateway, e.g. `https://gateway.example.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(Url);

impl PublicUrl {
    /// Validates a public URL as `GATEWAY_PUBLIC_URL` is validated.
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        validate::parse_public_url(value)
    }
    /// The URL (always with an empty path `/`, no query, no fragment).
    pub fn url(&self) -> &Url {
        &self.0
    }
    /// The origin as it appears in an `Origin` header: `scheme://host[:port]`, no trailing slash.
    pub fn origin(&self) -> String {
        self.0.origin().ascii_serialization()
    }
    /// Whether the gateway is served over TLS (cookies get `Secure` and the `__Host-` prefix).
    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }
    /// An absolute URL for a path on the gateway.
    pub fn join(&self, path: &str) -> String {
        format!("{}{}", self.origin(), path)
    }
}

/// Database connection settings.
#[derive(Debug)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`; secret because it may carry a password.
    pub url: SecretString,
    /// Upper bound of the connection pool.
    pub max_connections: u32,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (for log shippers).
    Json,
}

/// Log settings.
#[derive(Debug, Clone)]
pub struct LogSettings {
    /// Output format.
    pub format: LogFormat,
    /// `tracing` filter directive, e.g. `info,server=debug`.
    pub filter: String,
}

/// Development sign-in settings.
#[derive(Debug, Clone, Copy)]
pub struct DevLoginSettings {
    /// Whether `/auth/dev/login` is served.
    pub enabled: bool,
    /// Whether it may be served on a non-loopback bind address (refused otherwise).
    pub allow_remote: bool,
}

/// Portal session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    /// A session unused for this long expires.
    pub idle_timeout: Duration,
    /// A session older than this expires however active it is.
    pub absolute_lifetime: Duration,
}

/// Where the master key comes from (exactly one must be configured).
#[derive(Debug)]
pub enum MasterKeySource {
    /// A file holding the base64 key (must not be readable by group or others).
    File(PathBuf),
    /// The base64 key itself, from `GATEWAY_MASTER_KEY`.
    Inline(SecretString),
}

/// A configuration problem, naming the key (as its environment variable) and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A layer could not be read or a value has the wrong type (figment's message names the key).
    #[error("configuration: {0}")]
    Load(String),
    /// A value has the right type but is not acceptable.
    #[error("configuration: {key}: {problem}")]
    Invalid {
        /// The environment-variable name of the key, e.g. `GATEWAY_PUBLIC_URL`.
        key: &'static str,
        /// What is wrong and how to fix it.
        problem: String,
    },
}

impl ConfigError {
    pub(crate) fn invalid(key: &'static str, problem: impl Into<String>) -> Self {
        Self::Invalid {
            key,
            problem: problem.into(),
        }
    }
}

impl Settings {
    /// Loads the layers from the process environment and `gateway.toml` (or `GATEWAY_CONFIG`), then validates.
    pub fn load() -> Result<Self, ConfigError> {
        let raw = RawSettings::from_env_and_file(None)?;
        Self::from_raw(raw)
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
