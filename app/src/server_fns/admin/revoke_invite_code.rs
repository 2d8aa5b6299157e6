use leptos::prelude::*;

use crate::error::PortalError;

/// Revokes an invite code (organisations already upgraded stay Pro).
#[server(endpoint = "admin/invite_code_revoke")]
pub async fn revoke_invite_code(code_id: String) -> Result<(), PortalError> {
    use crate::state::{current_operator, org_error, parse_id, request_context};
    let operator = current_operator().await?;
    let state = crate::state::app_state()?;
    domain::organizations::revoke_invite_code(
        &state.db,
        parse_id(&code_id)?,
        domain::audit::Actor::user(&operator),
        &request_context(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .map_err(org_error)
}
