use leptos::prelude::*;

use crate::error::PortalError;

/// **Reconnect** a connection made by signing in: returns the vendor's consent URL; the same
/// connection (id, slug, tools) gets new tokens when the vendor sends the browser back.
#[server(endpoint = "connections/reconnect")]
pub async fn reconnect_connection(id: String) -> Result<String, PortalError> {
    let (state, user, _, now) = crate::server_fns::organization::caller()?;
    let id = crate::state::parse_id(&id)?;
    domain::connections::vendor_oauth::start_reconnect(&state.connections, &user, id, now)
        .await
        .map_err(|e| super::create_connection::ssr::connection_error(&state, e))
}
