use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// What a re-test found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    /// Whether the vendor authenticated the credential.
    pub ok: bool,
    /// What happened, precisely.
    pub message: String,
}

/// Runs the vendor's check again with the stored credential.
#[server(endpoint = "connections/test")]
pub async fn test_connection(id: String) -> Result<TestResult, PortalError> {
    let (state, user, context, now) = crate::server_fns::organization::caller()?;
    let id = crate::state::parse_id(&id)?;
    let (_, outcome) = domain::connections::retest(&state.connections, &user, id, &context, now)
        .await
        .map_err(|e| super::create_connection::ssr::connection_error(&state, e))?;
    // The status shown by gateway__list_connections changed.
    state.tool_cache.invalidate_all();
    Ok(TestResult {
        ok: outcome.is_ok(),
        message: outcome.message(),
    })
}
