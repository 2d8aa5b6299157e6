use leptos::prelude::*;

use crate::error::PortalError;

/// Deletes the caller's organisation (owner only) once they typed its name.
#[server(endpoint = "organization/delete")]
pub async fn delete_organization(confirm_name: String) -> Result<(), PortalError> {
    use crate::state::org_error;
    let (state, user, context, now) = super::caller()?;
    domain::organizations::delete(&state.db, &user, &confirm_name, &context, now)
        .await
        .map_err(org_error)
        // Memberships, roles and teams decide whose tools are whose.
        .inspect(|()| state.tool_cache.invalidate_all())
}
