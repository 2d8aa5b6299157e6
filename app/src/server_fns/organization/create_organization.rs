use leptos::prelude::*;

use crate::error::PortalError;

/// Creates an organisation owned by the caller; a valid invite code makes it Pro.
#[server(endpoint = "organization/create")]
pub async fn create_organization(name: String, invite_code: String) -> Result<(), PortalError> {
    use crate::state::org_error;
    let (state, user, context, now) = super::caller()?;
    let code = Some(invite_code.as_str()).filter(|c| !c.trim().is_empty());
    domain::organizations::create(
        &state.db,
        &user,
        &name,
        code,
        state.settings.default_plan,
        &context,
        now,
    )
    .await
    .map(|_| ())
    .map_err(org_error)
}
