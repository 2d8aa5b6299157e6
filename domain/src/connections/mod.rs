//! Vendor connections: stored credentials of three tiers (personal, team, organisation), the
//! resolution of which one a user's tools use, and the tool allowlists.
//!
//! Every function acting for a user re-reads their membership and scopes every id to what that
//! user may see: another user's, team's or organisation's connection is "not found" and nothing
//! changes (WEB-7, MCP-3).

mod access;
mod breaker_view;
pub mod change_feed;
mod context;
mod error;
mod overview;
mod policy;
mod provider;
mod resolve;
mod store;
mod tier;
pub mod tools;
mod upstream_tools;
mod usage_tool;
pub mod vendor_oauth;

pub use access::{load_policy, set_allowlist, set_tool_default, tool_access, ToolAccess};
pub use context::Caller;
pub use error::ConnectionError;
pub use overview::{overview, ConnectionInfo, EffectiveInfo, Overview};
pub use policy::{PolicySubject, ToolPolicy};
pub use provider::GatewayTools;
pub use resolve::{resolve, Candidate, Reason, Resolution, Subject, TeamRef};
pub use store::{create, delete, retest, set_default, update, ConnectionInput, Deps, Placement};
pub use tier::{ConnectionSlug, Tier, MAX_SLUG_CHARS};

/// The longest tool name MCP clients accept (`^[a-zA-Z0-9_-]{1,64}$`).
pub const MAX_TOOL_NAME_CHARS: usize = 64;

#[cfg(test)]
#[path = "mcp_server_tests.rs"]
mod mcp_server_tests;
#[cfg(test)]
#[path = "policy_props_tests.rs"]
mod policy_props_tests;
#[cfg(test)]
#[path = "reliability_tests.rs"]
mod reliability_tests;
#[cfg(test)]
#[path = "connections_tests.rs"]
mod tests;
#[cfg(test)]
#[path = "vendor_oauth_tests.rs"]
mod vendor_oauth_tests;
