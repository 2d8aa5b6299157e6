use leptos::prelude::*;

use crate::error::PortalError;

/// Creates a team in the caller's organisation (owner and admins, Pro).
#[server(endpoint = "organization/team_create")]
pub async fn create_team(name: String) -> Result<(), PortalError> {
    use crate::state::org_error;
    let (state, user, context, now) = super::caller()?;
    domain::organizations::create_team(&state.db, &user, &name, &context, now)
        .await
        .map(|_| ())
        .map_err(org_error)
}
