use leptos::prelude::*;

use crate::error::PortalError;

/// Revokes an application the user approved: its tokens stop working at once and it must ask
/// again.
#[server(endpoint = "oauth/apps_revoke")]
pub async fn revoke_authorized_app(client_id: String) -> Result<(), PortalError> {
    let user = crate::state::current_user()?;
    let state = crate::state::app_state()?;
    let revoked = domain::oauth::consents::revoke(
        &state.db,
        &user,
        &client_id,
        &crate::state::request_context(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .map_err(crate::state::db_error)?;
    if revoked {
        Ok(())
    } else {
        Err(crate::state::with_status(PortalError::NotFound(
            "You have not authorized this application (or it was revoked already).".into(),
        )))
    }
}
