use leptos::prelude::*;

use crate::error::PortalError;

/// Saves the allowlist of `subject` (`organization`, `team:<id>`, `role:member`, `role:admin`)
/// for `vendor`; `reset` removes it (the default applies again).
#[server(endpoint = "connections/tool_allowlist", input = server_fn::codec::Json)]
pub async fn set_tool_allowlist(
    subject: String,
    vendor: String,
    tools: Vec<String>,
    reset: bool,
) -> Result<(), PortalError> {
    let (state, user, context, now) = crate::server_fns::organization::caller()?;
    let subject = domain::connections::PolicySubject::parse(&subject).ok_or_else(|| {
        crate::state::with_status(PortalError::Invalid("Unknown allowlist subject.".into()))
    })?;
    let tools = (!reset).then_some(tools);
    domain::connections::set_allowlist(
        &state.db,
        &state.connections.catalog,
        &user,
        subject,
        &vendor,
        tools,
        &context,
        now,
    )
    .await
    .map_err(|e| super::create_connection::ssr::connection_error(&state, e))?;
    state.tool_cache.invalidate_all();
    Ok(())
}

/// Switches whether vendors without an organisation-wide list deny their tools.
#[server(endpoint = "connections/tool_default")]
pub async fn set_tool_default(deny_by_default: bool) -> Result<(), PortalError> {
    let (state, user, context, now) = crate::server_fns::organization::caller()?;
    domain::connections::set_tool_default(&state.db, &user, deny_by_default, &context, now)
        .await
        .map_err(|e| super::create_connection::ssr::connection_error(&state, e))?;
    state.tool_cache.invalidate_all();
    Ok(())
}
