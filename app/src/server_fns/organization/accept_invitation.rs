use leptos::prelude::*;

use crate::error::PortalError;

/// The signed-in visitor accepts the link and joins the organisation at once. Without
/// JavaScript the browser is sent to the organisation page.
#[server(endpoint = "organization/invitation_accept")]
pub async fn accept_invitation(token: String) -> Result<(), PortalError> {
    use crate::state::org_error;
    let (state, user, context, now) = super::caller()?;
    domain::organizations::accept_invitation(&state.db, &user, &token, &context, now)
        .await
        .map_err(org_error)?;
    // The organisation's connections are now the new member's too.
    state.tool_cache.invalidate_user(user.id);
    leptos_axum::redirect(crate::routes::ORGANISATION);
    Ok(())
}
