use leptos::prelude::*;

use crate::error::PortalError;

/// **Connect with …** for a vendor connected by signing in (Microsoft 365): checks the form,
/// where the connection goes and its slug, and returns the vendor's consent URL for the browser
/// to open. The connection is saved when the vendor sends the browser back (the callback route).
#[server(endpoint = "connections/consent", input = server_fn::codec::Json)]
pub async fn start_vendor_consent(
    placement: String,
    vendor: String,
    slug: String,
    name: String,
    fields: Vec<(String, String)>,
) -> Result<String, PortalError> {
    let (state, user, _, now) = crate::server_fns::organization::caller()?;
    let placement = super::create_connection::ssr::placement(&placement)?;
    let input = domain::connections::ConnectionInput {
        vendor,
        slug,
        name,
        fields: fields.into_iter().collect(),
    };
    domain::connections::vendor_oauth::start_connect(
        &state.connections,
        &user,
        placement,
        input,
        now,
    )
    .await
    .map_err(|e| super::create_connection::ssr::connection_error(&state, e))
}
