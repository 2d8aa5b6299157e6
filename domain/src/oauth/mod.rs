//! The gateway's OAuth 2.1 authorization server for MCP clients, and the resource-server check
//! of `/v1/mcp` (security.md AS-1…AS-13, MCP-1, MCP-2, MCP-6).
//!
//! Written by hand: no maintained Rust crate implements the *server* side of OAuth 2.1 with
//! PKCE, RFC 7591 registration, RFC 8707 resources and RFC 9207 `iss` (the `oauth2` and
//! `openidconnect` crates are clients). It is built on well-kept primitives only: `sha2` (token,
//! code and secret hashes, PKCE), `base64`, `rand` (the OS-seeded CSPRNG), `subtle` (constant-time
//! comparisons), `url`, and `aes-gcm` + `hkdf` (sealing a rotated refresh token's successor for
//! the grace window).
//!
//! Tokens are opaque 256-bit random strings, stored only as SHA-256 (VAULT-6), each bound to a
//! grant (user, client, scopes, resource). `/v1/mcp` checks through [`AccessTokenCache`], which
//! repeats the full database check of a token at most once a second, so a revocation (token,
//! grant, client, consent, "sign out everywhere", tenant offboarding) takes effect within one
//! second on every replica.

pub mod authorize;
pub mod clients;
pub mod consents;
pub mod grants;
pub mod metadata_documents;
pub mod pkce;
pub mod redirect;
pub mod resource;
pub mod scopes;
mod seal;
pub mod service_clients;
pub mod token_cache;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::Duration;

pub use clients::{Client, ClientKind, PreRegisteredClient, RegistrationRequest};
pub use grants::{AccessGrant, TokenResponse};
pub use scopes::Scopes;
pub use token_cache::AccessTokenCache;

/// Lifetimes and pre-registered clients (from the configuration).
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// The issuer: the public base URL, no path, no trailing slash.
    pub issuer: String,
    /// The canonical MCP resource URL (`<issuer>/v1/mcp`).
    pub resource: String,
    /// Access tokens live this long (default 1 h).
    pub access_token_lifetime: Duration,
    /// A refresh token unused this long expires (default 30 days).
    pub refresh_idle_lifetime: Duration,
    /// A grant's refresh tokens expire this long after the authorization (default 90 days).
    pub refresh_absolute_lifetime: Duration,
    /// Authorization codes live this long (60 s).
    pub code_lifetime: Duration,
    /// How long the previous refresh token still returns its successor (default 10 s; 0 = off).
    pub refresh_grace: Duration,
    /// Clients named in the configuration.
    pub pre_registered: Vec<PreRegisteredClient>,
    /// Fetch metadata documents from `http://127.0.0.1:<port>` too (local testing only).
    pub cimd_allow_insecure_loopback: bool,
}

impl OAuthSettings {
    /// Defaults for `issuer` (the public origin).
    pub fn with_issuer(issuer: &str) -> Self {
        let issuer = issuer.trim_end_matches('/').to_owned();
        Self {
            resource: format!("{issuer}{}", resource::MCP_PATH),
            issuer,
            access_token_lifetime: Duration::hours(1),
            refresh_idle_lifetime: Duration::days(30),
            refresh_absolute_lifetime: Duration::days(90),
            code_lifetime: Duration::seconds(60),
            refresh_grace: Duration::seconds(10),
            pre_registered: Vec::new(),
            cimd_allow_insecure_loopback: false,
        }
    }

    /// `/.well-known/oauth-protected-resource/v1/mcp`, named in every 401 challenge.
    pub fn resource_metadata_url(&self) -> String {
        self.resource_metadata_url_for(None)
    }

    /// The canonical resource URL of `/v1/mcp` (`None`) or of `/v1/{slug}/mcp`.
    pub fn resource_for(&self, connection: Option<&crate::connections::ConnectionSlug>) -> String {
        match connection {
            None => self.resource.clone(),
            Some(slug) => format!("{}{}", self.issuer, resource::connection_path(slug)),
        }
    }

    /// Whether `resource` is the canonical resource URL of `/v1/mcp` (`None`) or of
    /// `/v1/{slug}/mcp` — [`Self::resource_for`] without building the string (the bearer guard
    /// asks on every MCP request).
    pub fn is_resource_for(
        &self,
        resource: &str,
        connection: Option<&crate::connections::ConnectionSlug>,
    ) -> bool {
        match connection {
            None => resource == self.resource,
            Some(slug) => {
                resource
                    .strip_prefix(self.issuer.as_str())
                    .and_then(|path| path.strip_prefix("/v1/"))
                    .and_then(|path| path.strip_prefix(slug.as_str()))
                    == Some("/mcp")
            }
        }
    }

    /// The protected-resource metadata URL (RFC 9728 §3.1) of `/v1/mcp` (`None`) or of
    /// `/v1/{slug}/mcp`.
    pub fn resource_metadata_url_for(
        &self,
        connection: Option<&crate::connections::ConnectionSlug>,
    ) -> String {
        let path = match connection {
            None => resource::MCP_PATH.to_owned(),
            Some(slug) => resource::connection_path(slug),
        };
        format!("{}/.well-known/oauth-protected-resource{path}", self.issuer)
    }
}

/// An OAuth error as RFC 6749 §5.2 / RFC 7591 §3.2.2 / RFC 6750 name them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`, `invalid_redirect_uri`,
    /// `invalid_client_metadata`, `server_error`…
    pub code: &'static str,
    /// What is wrong, for the developer of the client (never secrets).
    pub description: String,
}

impl OAuthError {
    /// Builds one.
    pub fn new(code: &'static str, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    /// `invalid_grant`.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }

    /// `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    /// `invalid_client`.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new("invalid_client", description)
    }

    /// `server_error` (the cause is logged by the caller, not shown).
    pub fn server_error() -> Self {
        Self::new("server_error", "the authorization server failed; try again")
    }
}

impl From<sea_orm::DbErr> for OAuthError {
    fn from(e: sea_orm::DbErr) -> Self {
        tracing::error!(error = %e, "authorization server database error");
        Self::server_error()
    }
}

/// A new opaque credential: `prefix` + 256 random bits, base64url. The prefix (`gwat_`,
/// `gwrt_`, `gwac_`, `gwcs_`) tells a leaked string's kind to secret scanners and to people.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of a credential, hex: how codes, tokens and client secrets are stored and looked up.
pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
#[path = "oauth_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "revocation_tests.rs"]
mod revocation_tests;

#[cfg(test)]
#[path = "token_family_props_tests.rs"]
mod token_family_props_tests;

/// Hourly clean-up: unused dynamic registrations (30 days), spent codes and expired tokens (a day
/// after they expire), and sealed refresh successors once their grace window has passed.
/// Returns how many rows went.
pub async fn housekeeping(
    db: &sea_orm::DatabaseConnection,
    settings: &OAuthSettings,
    now: time::OffsetDateTime,
) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};

    use crate::entity::{oauth_codes, oauth_tokens};
    let mut removed = clients::purge_unused(db, now - Duration::days(30)).await?;
    removed += oauth_codes::Entity::delete_many()
        .filter(oauth_codes::Column::ExpiresAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?
        .rows_affected;
    removed += oauth_tokens::Entity::delete_many()
        .filter(oauth_tokens::Column::ExpiresAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?
        .rows_affected;
    oauth_tokens::Entity::update_many()
        .col_expr(
            oauth_tokens::Column::SuccessorSealed,
            Expr::value(Option::<String>::None),
        )
        .filter(oauth_tokens::Column::SuccessorSealed.is_not_null())
        .filter(oauth_tokens::Column::RotatedAt.lt(now - settings.refresh_grace))
        .exec(db)
        .await?;
    Ok(removed)
}
