use leptos::prelude::*;

use crate::error::PortalError;

/// The caller leaves their team (not its owner).
#[server(endpoint = "team/leave")]
pub async fn leave_organization() -> Result<(), PortalError> {
    use crate::state::org_error;
    let (state, user, context, now) = super::caller()?;
    domain::organizations::leave(&state.db, &user, &context, now)
        .await
        .map_err(org_error)
}
