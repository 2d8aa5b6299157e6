use leptos::prelude::*;

use crate::error::PortalError;

/// Deletes a team; its members stay in the organisation.
#[server(endpoint = "organization/team_delete")]
pub async fn delete_team(team_id: String) -> Result<(), PortalError> {
    use crate::state::{org_error, parse_id};
    let (state, user, context, now) = super::caller()?;
    domain::organizations::delete_team(&state.db, &user, parse_id(&team_id)?, &context, now)
        .await
        .map_err(org_error)
        // Memberships, roles and teams decide whose tools are whose.
        .inspect(|()| state.tool_cache.invalidate_all())
}
