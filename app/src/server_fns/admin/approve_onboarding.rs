use leptos::prelude::*;

use crate::error::PortalError;

/// Approves an onboarding awaiting approval (`onboarding = "operator-approved"`): the tenant joins
/// the allow-list and its users can sign in.
#[server(endpoint = "admin/approve-onboarding")]
pub async fn approve_onboarding(onboarding_id: String) -> Result<(), PortalError> {
    use crate::state::{app_state, current_operator, request_context};
    use domain::tenants;
    let operator = current_operator().await?;
    let state = app_state()?;
    let id = uuid::Uuid::parse_str(&onboarding_id).map_err(|_| {
        crate::state::with_status(PortalError::Invalid("That is not an onboarding.".into()))
    })?;
    tenants::approve_onboarding(
        &state.db,
        id,
        domain::audit::Actor::user(&operator),
        &request_context(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .map(|_| ())
    .map_err(|e| match e {
        tenants::TenantError::UnknownOnboarding => crate::state::with_status(PortalError::Invalid(
            "This onboarding is not awaiting approval (it may have been approved already).".into(),
        )),
        other => {
            tracing::error!(error = %other, "approving an onboarding failed");
            PortalError::Internal
        }
    })
}
