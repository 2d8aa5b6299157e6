use leptos::prelude::*;

use super::ServiceCredentialView;
use crate::error::PortalError;

/// A new secret for one of the organisation's service clients; the old secret and its tokens stop.
#[server(endpoint = "organization/service_client_rotate")]
pub async fn rotate_service_client(
    client_id: String,
) -> Result<ServiceCredentialView, PortalError> {
    let (state, user, context, now) = super::caller()?;
    let credential =
        domain::oauth::service_clients::rotate(&state.db, &user, &client_id, &context, now)
            .await
            .map_err(crate::state::org_error)?;
    Ok(ServiceCredentialView {
        client_id: credential.client_id,
        client_secret: credential.client_secret,
    })
}
