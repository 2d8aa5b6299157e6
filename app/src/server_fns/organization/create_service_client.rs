use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// A service client's credentials: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceCredentialView {
    /// `client_id` (`svc_…`).
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: String,
}

/// Creates a service client for the caller's organisation (owner and admins, Pro).
#[server(endpoint = "organization/service_client_create")]
pub async fn create_service_client(name: String) -> Result<ServiceCredentialView, PortalError> {
    let (state, user, context, now) = super::caller()?;
    let credential = domain::oauth::service_clients::create(&state.db, &user, &name, &context, now)
        .await
        .map_err(crate::state::org_error)?;
    Ok(ServiceCredentialView {
        client_id: credential.client_id,
        client_secret: credential.client_secret,
    })
}
