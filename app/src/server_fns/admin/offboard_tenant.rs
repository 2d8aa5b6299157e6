use leptos::prelude::*;

use crate::error::PortalError;

/// Offboards a tenant: its users are signed out at once and can no longer sign in.
#[server(endpoint = "admin/offboard")]
pub async fn offboard_tenant(tenant_id: String) -> Result<(), PortalError> {
    use crate::state::{app_state, current_operator, request_context};
    use domain::tenants;
    let operator = current_operator().await?;
    let state = app_state()?;
    let tenant = tenants::TenantId::parse(&tenant_id).ok_or_else(|| {
        crate::state::with_status(PortalError::Invalid("That is not a tenant id.".into()))
    })?;
    let actor = domain::audit::Actor::user(&operator);
    tenants::offboard(
        &state.db,
        &tenant,
        actor,
        &request_context(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .map_err(|e| match e {
        tenants::TenantError::NotFound => crate::state::with_status(PortalError::Invalid(
            "This tenant is not onboarded (it may have been offboarded already).".into(),
        )),
        other => {
            tracing::error!(error = %other, "offboarding failed");
            PortalError::Internal
        }
    })
}
