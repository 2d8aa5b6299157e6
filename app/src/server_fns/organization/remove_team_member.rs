use leptos::prelude::*;

use crate::error::PortalError;

/// Takes a member out of a team (they stay in the organisation).
#[server(endpoint = "organization/team_member_remove")]
pub async fn remove_team_member(team_id: String, user_id: String) -> Result<(), PortalError> {
    use crate::state::{org_error, parse_id};
    let (state, user, context, now) = super::caller()?;
    domain::organizations::remove_team_member(
        &state.db,
        &user,
        parse_id(&team_id)?,
        parse_id(&user_id)?,
        &context,
        now,
    )
    .await
    .map_err(org_error)
    // Memberships, roles and teams decide whose tools are whose.
    .inspect(|()| state.tool_cache.invalidate_all())
}
