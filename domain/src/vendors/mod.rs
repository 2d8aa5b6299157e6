//! Vendors: the catalog of declarative definitions (`vendors/*.toml`, built in, plus an operator
//! directory), the connect-form validation, and the engine that turns a definition and a
//! connection's credential into vendor calls (checks and tools). See
//! `docs/vendor-definitions.md` for the format.
//!
//! Security: outbound URLs come only from definitions and validated form values, through the
//! [`crate::outbound`] guard (MCP-4); tool arguments are schema-checked and encoded by position
//! (one path segment, one query value); vendor answers are size-capped, shaped and redacted of
//! the connection's secrets, HTML is summarised, never returned (MCP-7, VAULT-7); decrypted
//! secrets live in [`ConnectionCredentials`] for the call only, OAuth tokens in memory per
//! (connection, version) (VAULT-8).

mod catalog;
mod definition;
mod demo;
mod describe;
mod engine;
mod form;
mod format;
mod format_http;
mod format_tools;
mod health;
mod markdown;
mod mcp_upstream;
mod outcome;
pub mod reliability;
mod schema;
mod template;

use std::collections::BTreeMap;

use secrecy::SecretString;
use uuid::Uuid;

pub use catalog::{Catalog, CatalogError};
pub use definition::{
    AuthScheme, AuthorizationCodeSpec, BaseUrl, CheckSpec, ClientAuth, ExchangeBody, ExchangeSpec,
    FieldKind, FieldPattern, FormField, HttpSpec, Limits, Method, Paging, QueryValue, RateLimit,
    RequestSpec, ResponseShape, Setup, TokenExpiry, TokenSpec, ToolDefinition, ToolRequest,
    VendorDefinition, VendorKind,
};
pub use describe::{auth_in_words, base_url_in_words, browse, field_kind_in_words, CategoryGroup};
/// Names of the sealed secrets an authorization-code connection keeps its tokens under.
pub use engine::authorization_code::{ACCESS_TOKEN, EXPIRES_AT, REFRESH_TOKEN};
pub use engine::{
    authorization_code::{GrantError, OAuthApp, Redemption, TokenSet},
    Engine,
};
pub use health::{health_report, HealthStatus, VendorHealth};
pub use markdown::{catalog_markdown, REGENERATE_VENDORS_MD};
#[cfg(test)]
pub(crate) use mcp_upstream::fixture as mcp_fixture;
pub use mcp_upstream::{UpstreamTool, MAX_TOOLS as MAX_UPSTREAM_TOOLS};
pub use outcome::{CallError, CheckOutcome, ToolOutput};
pub use reliability::{BreakerSettings, BreakerSnapshot, BreakerState, Reliability, RetrySettings};
pub use template::Template;

/// The separator between a connection's slug and a tool's name in MCP tool names
/// (`{connection_slug}__{tool}`).
pub const TOOL_DELIMITER: &str = "__";

/// Longest MCP tool name clients accept; `{slug}__{tool}` is checked against it at load.
pub const MAX_TOOL_NAME: usize = 64;

/// Form values that passed [`VendorDefinition::validate_form`], split by kind.
pub struct ValidatedFields {
    /// Non-secret settings (region, user name, URL), shown again on the page.
    pub settings: BTreeMap<String, String>,
    /// Secret values, to be encrypted by the vault and never shown again.
    pub secrets: BTreeMap<String, SecretString>,
}

impl std::fmt::Debug for ValidatedFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidatedFields")
            .field("settings", &self.settings)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Per-field messages (field name → message), shown beside each field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldErrors(pub BTreeMap<String, String>);

/// What the engine needs to call a vendor for one connection. Built by the connections side from
/// the stored (decrypted) credential for one call; dropped after it.
pub struct ConnectionCredentials {
    /// The connection.
    pub connection_id: Uuid,
    /// Changes whenever the credential changes: caches (tokens, discovered base URLs) are keyed by
    /// `(connection_id, version)`, so a new credential never meets an old token.
    pub version: i64,
    /// Non-secret settings.
    pub settings: BTreeMap<String, String>,
    /// Secrets.
    pub secrets: BTreeMap<String, SecretString>,
}

impl ConnectionCredentials {
    /// A field's value, setting or secret.
    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        use secrecy::ExposeSecret;
        self.settings
            .get(name)
            .map(String::as_str)
            .or_else(|| self.secrets.get(name).map(|s| s.expose_secret()))
            .filter(|v| !v.is_empty())
    }
}

impl std::fmt::Debug for ConnectionCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionCredentials")
            .field("connection_id", &self.connection_id)
            .field("version", &self.version)
            .field("settings", &self.settings)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod catalog_tests;
#[cfg(test)]
#[path = "engine_args_tests.rs"]
mod engine_args_tests;
#[cfg(test)]
#[path = "engine_cursor_tests.rs"]
mod engine_cursor_tests;
#[cfg(test)]
#[path = "engine_reliability_tests.rs"]
mod engine_reliability_tests;
#[cfg(test)]
#[path = "engine_tests.rs"]
mod engine_tests;
#[cfg(test)]
#[path = "engine_vendor_tests.rs"]
mod engine_vendor_tests;
#[cfg(test)]
#[path = "engine_vendors_a_tests.rs"]
mod engine_vendors_a_tests;
#[cfg(test)]
#[path = "engine_vendors_b_security_tests.rs"]
mod engine_vendors_b_security_tests;
#[cfg(test)]
#[path = "engine_vendors_b_tests.rs"]
mod engine_vendors_b_tests;
#[cfg(test)]
#[path = "engine_vendors_c_tests.rs"]
mod engine_vendors_c_tests;
