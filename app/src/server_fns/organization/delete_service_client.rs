use leptos::prelude::*;

use crate::error::PortalError;

/// Deletes one of the organisation's service clients; its tokens stop at once.
#[server(endpoint = "organization/service_client_delete")]
pub async fn delete_service_client(client_id: String) -> Result<(), PortalError> {
    let (state, user, context, now) = super::caller()?;
    domain::oauth::service_clients::delete(&state.db, &user, &client_id, &context, now)
        .await
        .map_err(crate::state::org_error)
}
