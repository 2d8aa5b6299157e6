use leptos::prelude::*;

use crate::error::PortalError;

/// Sets an organisation's plan (`free` or `pro`).
#[server(endpoint = "admin/organization_plan")]
pub async fn set_organization_plan(
    organization_id: String,
    plan: String,
) -> Result<(), PortalError> {
    use crate::state::{current_operator, org_error, parse_id, request_context, with_status};
    let operator = current_operator().await?;
    let state = crate::state::app_state()?;
    let plan = domain::organizations::Plan::parse(&plan)
        .ok_or_else(|| with_status(PortalError::Invalid("Choose the plan Free or Pro.".into())))?;
    domain::organizations::set_plan(
        &state.db,
        parse_id(&organization_id)?,
        plan,
        domain::audit::Actor::user(&operator),
        &request_context(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .map_err(org_error)
}
