use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// What the settings page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsOverview {
    /// Name to greet the user with.
    pub display_name: String,
    /// Email to show.
    pub email: Option<String>,
    /// When the user first signed in, e.g. `26 Nov 2026`.
    pub member_since: String,
    /// The URL to add to an MCP client.
    pub mcp_url: String,
}

/// The signed-in user's settings overview.
#[server(endpoint = "settings/overview")]
pub async fn get_settings_overview() -> Result<SettingsOverview, PortalError> {
    let state = crate::state::app_state()?;
    let user = crate::state::current_user()?;
    let format = time::macros::format_description!("[day padding:none] [month repr:short] [year]");
    Ok(SettingsOverview {
        display_name: user.display_name,
        email: user.email,
        member_since: user.created_at.format(format).unwrap_or_default(),
        mcp_url: state.settings.public_url.join(crate::routes::MCP),
    })
}
