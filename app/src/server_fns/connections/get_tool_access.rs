use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// One vendor's tools with, per subject, the saved list (`None`: no list, the default applies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorAccess {
    /// Vendor slug.
    pub vendor: String,
    /// Vendor name.
    pub name: String,
    /// Tools: (name, title, destructive).
    pub tools: Vec<(String, String, bool)>,
    /// Per subject key: the allowed tools, if a list is saved.
    pub lists: Vec<(String, Option<Vec<String>>)>,
}

/// The tool-access section's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolAccessView {
    /// Why the caller cannot edit, if they cannot (the section is then read-only).
    pub refusal: Option<String>,
    /// Vendors without an organisation-wide list deny their tools.
    pub deny_by_default: bool,
    /// Subjects: (key, label).
    pub subjects: Vec<(String, String)>,
    /// Vendors.
    pub vendors: Vec<VendorAccess>,
}

/// The organisation's tool allowlists.
#[server(endpoint = "connections/tool_access")]
pub async fn get_tool_access() -> Result<ToolAccessView, PortalError> {
    let (state, user, _, _) = crate::server_fns::organization::caller()?;
    let access = domain::connections::tool_access(&state.db, &state.connections.catalog, &user)
        .await
        .map_err(|e| super::create_connection::ssr::connection_error(&state, e))?;
    let vendors = access
        .vendors
        .into_iter()
        .map(|(vendor, name, tools)| VendorAccess {
            lists: access
                .subjects
                .iter()
                .map(|(subject, _)| {
                    (
                        subject.key(),
                        access
                            .policy
                            .list(*subject, &vendor)
                            .map(|l| l.iter().cloned().collect()),
                    )
                })
                .collect(),
            vendor,
            name,
            tools,
        })
        .collect();
    Ok(ToolAccessView {
        refusal: access.refusal,
        deny_by_default: access.policy.deny_by_default,
        subjects: access
            .subjects
            .iter()
            .map(|(s, label)| (s.key(), label.clone()))
            .collect(),
        vendors,
    })
}
