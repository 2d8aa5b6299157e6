use leptos::prelude::*;

use crate::error::PortalError;

/// Creates a department (owner and admins, Pro).
#[server(endpoint = "team/department_create")]
pub async fn create_department(name: String) -> Result<(), PortalError> {
    use crate::state::org_error;
    let (state, user, context, now) = super::caller()?;
    domain::organizations::create_team(&state.db, &user, &name, &context, now)
        .await
        .map(|_| ())
        .map_err(org_error)
}
