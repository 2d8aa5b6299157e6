use leptos::prelude::*;

use crate::error::PortalError;

/// Disconnects (deletes) a connection.
#[server(endpoint = "connections/delete")]
pub async fn delete_connection(id: String) -> Result<(), PortalError> {
    let (state, user, context, now) = crate::server_fns::organization::caller()?;
    let id = crate::state::parse_id(&id)?;
    domain::connections::delete(&state.connections, &user, id, &context, now)
        .await
        .map_err(|e| super::create_connection::ssr::connection_error(&state, e))?;
    state.tool_cache.invalidate_all();
    Ok(())
}
