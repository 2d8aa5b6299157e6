use leptos::prelude::*;

use crate::error::PortalError;

/// Revokes one of the organisation's invite links (owner and admins).
#[server(endpoint = "organization/invitation_revoke")]
pub async fn revoke_invitation(invitation_id: String) -> Result<(), PortalError> {
    use crate::state::{org_error, parse_id};
    let (state, user, context, now) = super::caller()?;
    domain::organizations::revoke_invitation(
        &state.db,
        &user,
        parse_id(&invitation_id)?,
        &context,
        now,
    )
    .await
    .map_err(org_error)
}
