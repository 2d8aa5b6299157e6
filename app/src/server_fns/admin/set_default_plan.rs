use leptos::prelude::*;

use crate::error::PortalError;

/// Sets the plan new organisations start on (`free` or `pro`).
#[server(endpoint = "admin/default_plan")]
pub async fn set_default_plan(plan: String) -> Result<(), PortalError> {
    use crate::state::{current_operator, db_error, request_context, with_status};
    let operator = current_operator().await?;
    let state = crate::state::app_state()?;
    let plan = domain::organizations::Plan::parse(&plan)
        .ok_or_else(|| with_status(PortalError::Invalid("Choose the plan Free or Pro.".into())))?;
    domain::organizations::set_default_plan(
        &state.db,
        plan,
        domain::audit::Actor::user(&operator),
        &request_context(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .map_err(db_error)
}
