use leptos::prelude::*;

use crate::error::PortalError;

/// Chooses which team's connection serves `slug` for the caller (empty `connection_id` clears
/// the choice).
#[server(endpoint = "connections/default")]
pub async fn set_connection_default(
    slug: String,
    connection_id: String,
) -> Result<(), PortalError> {
    let (state, user, context, now) = crate::server_fns::organization::caller()?;
    let id = if connection_id.trim().is_empty() {
        None
    } else {
        Some(crate::state::parse_id(&connection_id)?)
    };
    domain::connections::set_default(&state.connections, &user, &slug, id, &context, now)
        .await
        .map_err(|e| super::create_connection::ssr::connection_error(&state, e))?;
    state.tool_cache.invalidate_user(user.id);
    Ok(())
}
