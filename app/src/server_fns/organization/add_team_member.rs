use leptos::prelude::*;

use crate::error::PortalError;

/// Puts a member of the organisation into one of its teams.
#[server(endpoint = "organization/team_member_add")]
pub async fn add_team_member(team_id: String, user_id: String) -> Result<(), PortalError> {
    use crate::state::{org_error, parse_id};
    let (state, user, context, now) = super::caller()?;
    domain::organizations::add_team_member(
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
