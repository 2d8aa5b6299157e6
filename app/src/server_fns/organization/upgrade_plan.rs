use leptos::prelude::*;

use crate::error::PortalError;

/// Upgrades the caller's organisation to Pro with an invite code (owner only).
#[server(endpoint = "organization/upgrade")]
pub async fn upgrade_plan(invite_code: String) -> Result<(), PortalError> {
    use crate::state::org_error;
    let (state, user, context, now) = super::caller()?;
    domain::organizations::upgrade_with_code(&state.db, &user, &invite_code, &context, now)
        .await
        .map_err(org_error)
}
