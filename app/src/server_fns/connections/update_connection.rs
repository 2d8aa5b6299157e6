use leptos::prelude::*;

use crate::error::PortalError;

/// Replaces a connection's name, slug and credential (every secret re-entered), after the
/// vendor's check.
#[server(endpoint = "connections/update", input = server_fn::codec::Json)]
pub async fn update_connection(
    id: String,
    slug: String,
    name: String,
    fields: Vec<(String, String)>,
) -> Result<(), PortalError> {
    let (state, user, context, now) = crate::server_fns::organization::caller()?;
    let id = crate::state::parse_id(&id)?;
    let input = domain::connections::ConnectionInput {
        vendor: String::new(),
        slug,
        name,
        fields: fields.into_iter().collect(),
    };
    domain::connections::update(&state.connections, &user, id, input, &context, now)
        .await
        .map_err(|e| super::create_connection::ssr::connection_error(&state, e))?;
    state.tool_cache.invalidate_all();
    Ok(())
}
