use leptos::prelude::*;

use crate::error::PortalError;

/// The caller leaves their organisation (not its owner).
#[server(endpoint = "organization/leave")]
pub async fn leave_organization() -> Result<(), PortalError> {
    use crate::state::org_error;
    let (state, user, context, now) = super::caller()?;
    domain::organizations::leave(&state.db, &user, &context, now)
        .await
        .map_err(org_error)
        // Memberships, roles and teams decide whose tools are whose.
        .inspect(|()| state.tool_cache.invalidate_all())
}
