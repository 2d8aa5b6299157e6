use leptos::prelude::*;

use crate::error::PortalError;

/// The admin-consent link for a customer, to send to their Microsoft 365 administrator.
#[server(endpoint = "admin/consent_link")]
pub async fn create_consent_link(customer_name: String) -> Result<String, PortalError> {
    use crate::state::{app_state, current_operator};
    current_operator().await?;
    let state = app_state()?;
    if state.identity_providers.entra.is_none() {
        return Err(crate::state::with_status(PortalError::Invalid(
            "Microsoft sign-in is not configured (GATEWAY_ENTRA_CLIENT_ID), so tenants cannot be onboarded."
                .into(),
        )));
    }
    let name = domain::tenants::CustomerName::parse(&customer_name)
        .map_err(|e| crate::state::with_status(PortalError::Invalid(e.to_string())))?;
    Ok(crate::routes::admin_consent_link(
        &state.settings.public_url.origin(),
        name.as_str(),
    ))
}
