//! The unvalidated configuration layers and how they are merged.

use std::path::{Path, PathBuf};

use figment::{
    providers::{Env, Format, Serialized, Toml},
    Figment,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{ConfigError, DEFAULT_CONFIG_FILE, ENV_PREFIX};

/// Every configuration key with its built-in default, before validation.
///
/// Field names are the `gateway.toml` keys; the environment variable is `GATEWAY_` + the name in
/// upper case (`public_url` → `GATEWAY_PUBLIC_URL`). `database_url` also reads `DATABASE_URL`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawSettings {
    /// See `docs/configuration.md` for each key.
    pub public_url: String,
    pub bind: String,
    #[serde(serialize_with = "skip_secret")]
    pub database_url: Option<SecretString>,
    pub database_max_connections: u32,
    pub master_key_file: Option<PathBuf>,
    #[serde(serialize_with = "skip_secret")]
    pub master_key: Option<SecretString>,
    pub master_key_previous_file: Option<PathBuf>,
    #[serde(serialize_with = "skip_secret")]
    pub master_key_previous: Option<SecretString>,
    pub log_format: String,
    pub log_filter: String,
    pub dev_login: bool,
    pub dev_login_allow_remote: bool,
    pub session_idle_timeout_minutes: u64,
    pub session_absolute_lifetime_hours: u64,
    pub shutdown_grace_seconds: u64,
    pub entra_client_id: Option<String>,
    #[serde(serialize_with = "skip_secret")]
    pub entra_client_secret: Option<SecretString>,
    pub entra_authority: String,
    pub entra_logout: bool,
    pub auth0_issuer: Option<String>,
    pub auth0_client_id: Option<String>,
    #[serde(serialize_with = "skip_secret")]
    pub auth0_client_secret: Option<SecretString>,
    pub auth0_logout: bool,
    /// A TOML list, or one string of comma-separated entries (environment variable).
    pub operators: StringList,
    pub default_plan: String,
    /// Save connections whose vendor cannot be reached at connect time (offline installs).
    pub allow_unchecked_connections: bool,
    /// A directory of extra vendor definitions (`*.toml`), added to the built-in catalog.
    pub vendors_dir: Option<PathBuf>,
    /// Consecutive "vendor down" failures that open a connection's circuit breaker.
    pub vendor_breaker_failures: u32,
    /// Seconds an open breaker answers at once before one trial call.
    pub vendor_breaker_cooldown_seconds: u32,
    /// Attempts per idempotent vendor request, the first included (1: no retries).
    pub vendor_retry_max_attempts: u32,
    /// Retries allowed process-wide, as a percentage of vendor calls.
    pub vendor_retry_budget_percent: u32,
    pub audit_retention_days: u32,
    pub oauth_access_token_minutes: u32,
    pub oauth_refresh_idle_days: u32,
    pub oauth_refresh_absolute_days: u32,
    pub oauth_refresh_grace_seconds: u32,
    /// Pre-registered MCP clients: `[[oauth_clients]]` tables in `gateway.toml`.
    pub oauth_clients: Vec<crate::oauth::PreRegisteredClient>,
    /// Testing only: fetch Client ID Metadata Documents from `http://127.0.0.1:<port>`.
    pub oauth_cimd_allow_insecure_loopback: bool,
    /// LAN installs and tests: the outbound guard may call private and loopback addresses.
    pub outbound_allow_private: bool,
    /// Origin → replacement origin for outbound requests (trusted operator configuration).
    pub outbound_origin_overrides: OriginOverrides,
    /// The gateway's public egress address, which vendors must allow (shown in the portal).
    pub egress_ip: Option<String>,
    /// `self-service` or `operator-approved`: whether a consented tenant waits for an operator.
    pub onboarding: String,
    /// Entra directory role template ids that count as an administrator at onboarding.
    pub entra_admin_role_ids: StringList,
    /// Reverse proxies (CIDR blocks) whose forwarding headers and `X-Request-Id` are believed.
    pub trusted_proxies: StringList,
    /// `x-forwarded-for` or `forwarded`: the header those proxies set.
    pub trusted_proxy_header: String,
    pub rate_limit_token_per_minute: u32,
    pub rate_limit_authorize_per_minute: u32,
    pub rate_limit_sign_in_per_minute: u32,
    pub rate_limit_consent_per_minute: u32,
    pub rate_limit_admin_consent_per_minute: u32,
    /// Time limit of a portal or OAuth request (not `/v1/mcp`).
    pub request_timeout_seconds: u64,
    /// The gateway's OAuth app per vendor slug: `[vendor_oauth.microsoft-365]` tables.
    pub vendor_oauth: std::collections::BTreeMap<String, super::RawVendorOAuth>,
    /// Where `/metrics` is served (its own listener; off when unset).
    pub metrics_listen: Option<String>,
}

/// `outbound_origin_overrides`: a TOML table in `gateway.toml`, or one JSON object string in the
/// environment (`GATEWAY_OUTBOUND_ORIGIN_OVERRIDES='{"https://api.itglue.com": "http://127.0.0.1:4567"}'`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum OriginOverrides {
    /// `[outbound_origin_overrides]` with `"https://from" = "https://to"` entries.
    Table(std::collections::BTreeMap<String, String>),
    /// A JSON object of the same entries.
    Json(String),
}

impl OriginOverrides {
    /// The entries, `from` → `to`; an error when the JSON is not an object of strings.
    pub fn entries(&self) -> Result<std::collections::BTreeMap<String, String>, String> {
        match self {
            OriginOverrides::Table(table) => Ok(table.clone()),
            OriginOverrides::Json(json) if json.trim().is_empty() => Ok(Default::default()),
            OriginOverrides::Json(json) => serde_json::from_str(json).map_err(|e| {
                format!("is not a JSON object of origin strings, like {{\"https://api.itglue.com\": \"http://127.0.0.1:4567\"}} ({e})")
            }),
        }
    }
}

/// A list given either as a TOML array or as one comma-separated string (environment variables).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum StringList {
    /// `["a", "b"]`
    List(Vec<String>),
    /// `"a, b"`
    Joined(String),
}

impl StringList {
    /// The non-empty, trimmed entries.
    pub fn entries(&self) -> Vec<String> {
        let items: Vec<&str> = match self {
            StringList::List(items) => items.iter().map(String::as_str).collect(),
            StringList::Joined(joined) => joined.split(',').collect(),
        };
        items
            .into_iter()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Microsoft's public cloud authority.
pub const DEFAULT_ENTRA_AUTHORITY: &str = "https://login.microsoftonline.com";

/// Default SQLite database (relative to the working directory; `mode=rwc` creates the file).
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/gateway.db?mode=rwc";

impl Default for RawSettings {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:3000".into(),
            bind: "127.0.0.1:3000".into(),
            database_url: None,
            database_max_connections: 10,
            master_key_file: None,
            master_key: None,
            master_key_previous_file: None,
            master_key_previous: None,
            log_format: "text".into(),
            log_filter: "info".into(),
            dev_login: false,
            dev_login_allow_remote: false,
            session_idle_timeout_minutes: 12 * 60,
            session_absolute_lifetime_hours: 7 * 24,
            shutdown_grace_seconds: 4,
            entra_client_id: None,
            entra_client_secret: None,
            entra_authority: DEFAULT_ENTRA_AUTHORITY.into(),
            entra_logout: false,
            auth0_issuer: None,
            auth0_client_id: None,
            auth0_client_secret: None,
            auth0_logout: false,
            operators: StringList::List(Vec::new()),
            default_plan: "free".into(),
            allow_unchecked_connections: false,
            vendors_dir: None,
            vendor_breaker_failures: 5,
            vendor_breaker_cooldown_seconds: 30,
            vendor_retry_max_attempts: 3,
            vendor_retry_budget_percent: 10,
            audit_retention_days: 90,
            oauth_access_token_minutes: 60,
            oauth_refresh_idle_days: 30,
            oauth_refresh_absolute_days: 90,
            oauth_refresh_grace_seconds: 10,
            oauth_clients: Vec::new(),
            oauth_cimd_allow_insecure_loopback: false,
            outbound_allow_private: false,
            outbound_origin_overrides: OriginOverrides::Table(Default::default()),
            egress_ip: None,
            onboarding: "self-service".into(),
            entra_admin_role_ids: StringList::List(
                crate::tenants::DEFAULT_ADMIN_ROLE_IDS
                    .map(str::to_owned)
                    .to_vec(),
            ),
            trusted_proxies: StringList::List(Vec::new()),
            trusted_proxy_header: "x-forwarded-for".into(),
            rate_limit_token_per_minute: crate::edge::RateLimits::default().token,
            rate_limit_authorize_per_minute: crate::edge::RateLimits::default().authorize,
            rate_limit_sign_in_per_minute: crate::edge::RateLimits::default().sign_in,
            rate_limit_consent_per_minute: crate::edge::RateLimits::default().consent,
            rate_limit_admin_consent_per_minute: crate::edge::RateLimits::default().admin_consent,
            request_timeout_seconds: crate::edge::DEFAULT_REQUEST_TIMEOUT_SECONDS,
            vendor_oauth: Default::default(),
            metrics_listen: None,
        }
    }
}

// Secrets are never written back out (the defaults layer is serialised by figment; they are None there).
fn skip_secret<S: serde::Serializer>(_: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_none()
}

impl RawSettings {
    /// Merges defaults, the config file (explicit path, else `GATEWAY_CONFIG`, else `./gateway.toml`
    /// when present) and the environment.
    pub fn from_env_and_file(config_path: Option<&Path>) -> Result<Self, ConfigError> {
        let explicit = config_path
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("GATEWAY_CONFIG").map(PathBuf::from));
        let mut figment = Figment::from(Serialized::defaults(RawSettings::default()));
        match explicit {
            Some(path) if !path.is_file() => {
                return Err(ConfigError::invalid(
                    "GATEWAY_CONFIG",
                    format!("configuration file {} does not exist", path.display()),
                ));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            // `Toml::file` skips a missing file: gateway.toml is optional.
            None => figment = figment.merge(Toml::file(DEFAULT_CONFIG_FILE)),
        }
        figment = figment
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed(ENV_PREFIX).ignore(&["CONFIG"]).split("__"));
        figment
            .extract()
            .map_err(|e| ConfigError::Load(describe(e)))
    }
}

/// figment's errors already name the key and the layer; add the env-var spelling of the key.
fn describe(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let env = format!("{ENV_PREFIX}{}", key.to_ascii_uppercase());
            if key.is_empty() {
                e.to_string()
            } else {
                format!("{e} (key `{key}`, environment variable {env})")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}
