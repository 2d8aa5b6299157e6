use leptos::prelude::*;

use crate::error::PortalError;

/// Creates an invite code and returns it: the only time it is shown.
#[server(endpoint = "admin/invite_code_create")]
pub async fn create_invite_code(label: String, max_uses: String) -> Result<String, PortalError> {
    use crate::state::{current_operator, org_error, request_context, with_status};
    let operator = current_operator().await?;
    let state = crate::state::app_state()?;
    let max_uses = match max_uses.trim() {
        "" => None,
        n => Some(n.parse::<u32>().map_err(|_| {
            with_status(PortalError::Invalid(
                "Maximum uses must be a whole number from 1 to 100000, or empty for no limit."
                    .into(),
            ))
        })?),
    };
    let (_, code) = domain::organizations::create_invite_code(
        &state.db,
        &label,
        max_uses,
        domain::audit::Actor::user(&operator),
        &request_context(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .map_err(org_error)?;
    Ok(code)
}
