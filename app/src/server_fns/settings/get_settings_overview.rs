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
    /// The user's organisation, if any.
    pub organization: Option<OrganizationSummary>,
    /// The plan an organisation created now starts on ("Free" / "Pro").
    pub new_organization_plan: String,
}

/// The organisation section of the settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationSummary {
    /// The organisation's name.
    pub name: String,
    /// "Free" or "Pro".
    pub plan: String,
    /// The user's role label.
    pub role: String,
    /// Why the user cannot leave (the owner), if so.
    pub leave_refusal: Option<String>,
    /// Whether the user may upgrade it with an invite code (owner of a Free organisation).
    pub can_upgrade: bool,
}

/// The signed-in user's settings overview.
#[server(endpoint = "settings/overview")]
pub async fn get_settings_overview() -> Result<SettingsOverview, PortalError> {
    let state = crate::state::app_state()?;
    let user = crate::state::current_user()?;
    use domain::organizations::{self as orgs, Permission, Plan, Role};
    let format = time::macros::format_description!("[day padding:none] [month repr:short] [year]");
    let membership = orgs::membership(&state.db, user.id)
        .await
        .map_err(crate::state::db_error)?;
    let new_organization_plan = orgs::default_plan(&state.db, state.settings.default_plan)
        .await
        .map_err(crate::state::db_error)?;
    Ok(SettingsOverview {
        organization: membership.map(|m| OrganizationSummary {
            name: m.organization.name.clone(),
            plan: m.organization.plan.label().to_owned(),
            role: m.role.label().to_owned(),
            leave_refusal: (m.role == Role::Owner).then(|| {
                "You own this organisation: transfer ownership on the organisation page first, or delete it there.".to_owned()
            }),
            can_upgrade: m.organization.plan == Plan::Free && m.check(Permission::ChangePlan).is_ok(),
        }),
        new_organization_plan: new_organization_plan.label().to_owned(),
        email: user.display_email(),
        display_name: user.display_name,
        member_since: user.created_at.format(format).unwrap_or_default(),
        mcp_url: state.settings.public_url.join(crate::routes::MCP),
    })
}
