//! The connections page: the vendor catalog, the caller's personal, team and organisation
//! connections, which one is in effect per slug, and the tool allowlists. Secrets travel only
//! from the browser to the server (connect and edit forms), never back: cards carry a masked hint.

mod create_connection;
mod delete_connection;
mod get_connections;
mod get_tool_access;
mod reconnect_connection;
mod set_connection_default;
mod set_tool_allowlist;
mod start_vendor_consent;
mod test_connection;
mod update_connection;

pub use create_connection::*;
pub use delete_connection::*;
pub use get_connections::*;
pub use get_tool_access::*;
pub use reconnect_connection::*;
pub use set_connection_default::*;
pub use set_tool_allowlist::*;
pub use start_vendor_consent::*;
pub use test_connection::*;
pub use update_connection::*;

/// The connect form of a definition as the pages show it (the catalog page reuses it).
#[cfg(feature = "ssr")]
pub(crate) use get_connections::ssr::vendor_view;

use serde::{Deserialize, Serialize};

/// A connect-form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldView {
    /// Form key.
    pub name: String,
    /// Label.
    pub label: String,
    /// `secret`, `text`, `url` or `select`.
    pub kind: String,
    /// Must be filled.
    pub required: bool,
    /// Help text.
    pub help: Option<String>,
    /// Placeholder.
    pub placeholder: Option<String>,
    /// Pre-filled value (never for secrets).
    pub default: Option<String>,
    /// For selects: (value, label).
    pub options: Vec<(String, String)>,
    /// A pattern the value must match (the browser checks it too).
    pub pattern: Option<String>,
}

/// A vendor of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorView {
    /// Catalog slug (also the default connection slug).
    pub slug: String,
    /// Name.
    pub name: String,
    /// Category (PSA, RMM, documentation…).
    pub category: String,
    /// What it offers.
    pub description: String,
    /// The vendor's API documentation.
    pub docs_url: String,
    /// The connect form.
    pub fields: Vec<FieldView>,
    /// Its tools: (name, title, destructive).
    pub tools: Vec<(String, String, bool)>,
    /// Connected by signing in at the vendor: who shows the consent page ("Microsoft").
    pub consent_provider: Option<String>,
    /// For those: whether the operator configured the gateway's app at the vendor.
    pub consent_configured: bool,
}

/// A connection card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionCard {
    /// Id.
    pub id: String,
    /// `personal`, `team`, `organization`.
    pub tier: String,
    /// "Personal", "Team", "Organisation".
    pub tier_label: String,
    /// Team name for team connections.
    pub team: Option<String>,
    /// Vendor slug.
    pub vendor: String,
    /// Vendor name.
    pub vendor_name: String,
    /// Tool prefix.
    pub slug: String,
    /// Label.
    pub name: String,
    /// Non-secret values, (label, value).
    pub settings: Vec<(String, String)>,
    /// Non-secret values by field name (to pre-fill the edit form).
    pub setting_values: Vec<(String, String)>,
    /// Masked secret hint.
    pub secret_hint: String,
    /// `ok`, `failing`, `unchecked`, `needs_reconnect`.
    pub status: String,
    /// Last check (RFC 3339).
    pub last_checked_at: Option<String>,
    /// What the last check said.
    pub last_check_message: Option<String>,
    /// Who connected it.
    pub created_by_name: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Whether the caller may edit and disconnect it.
    pub can_manage: bool,
    /// Connected by signing in at the vendor: renewed with Reconnect, never edited.
    pub consent: bool,
}

/// A team and its connections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamConnections {
    /// Team id.
    pub id: String,
    /// Team name.
    pub name: String,
    /// Its connections.
    pub connections: Vec<ConnectionCard>,
}

/// The connection in effect for a slug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectiveRow {
    /// Slug.
    pub slug: String,
    /// Connection used (id).
    pub connection_id: String,
    /// Its label.
    pub connection_name: String,
    /// Its tier label.
    pub tier_label: String,
    /// Its status.
    pub status: String,
    /// Why it is the one.
    pub why: String,
    /// Team connections to choose a default from: (id, team name); empty when there is no choice.
    pub choices: Vec<(String, String)>,
    /// The current default.
    pub chosen_default: Option<String>,
}

/// Everything the connections page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionsView {
    /// The catalog.
    pub vendors: Vec<VendorView>,
    /// Personal connections.
    pub personal: Vec<ConnectionCard>,
    /// Teams with their connections.
    pub teams: Vec<TeamConnections>,
    /// The organisation's name.
    pub organization: Option<String>,
    /// Organisation connections.
    pub organization_connections: Vec<ConnectionCard>,
    /// In effect per slug.
    pub effective: Vec<EffectiveRow>,
    /// Personal connections allowed (`None`: unlimited).
    pub personal_limit: Option<u64>,
    /// Why shared connections cannot be added, if they cannot.
    pub shared_refusal: Option<String>,
    /// Where a new connection may go: (value, label); `personal` first.
    pub placements: Vec<(String, String)>,
}
