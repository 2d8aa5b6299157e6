//! The vendor consent callback (`/connections/oauth/callback`): where Microsoft (or another
//! vendor connected by signing in) sends the browser back with `code` and `state`. One domain
//! call ([`domain::connections::vendor_oauth::finish`]); success goes back to the connection's
//! card, a refusal gets a page that says what happened (security.md MCP-2: a forged, replayed,
//! expired or another user's state is refused here).

use app::state::{AppState, CurrentUser};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
    Extension,
};
use domain::{
    connections::{
        vendor_oauth::{self, Callback, FlowError},
        ConnectionError,
    },
    OffsetDateTime,
};
use serde::Deserialize;

use crate::request_context::Ctx;

/// What the vendor sends back (other parameters, such as Microsoft's `session_state`, are
/// ignored).
#[derive(Debug, Deserialize)]
pub struct ConsentCallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn refusal(status: StatusCode, message: &str) -> Response {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>The connection was not made · MCP Gateway</title><link rel=\"stylesheet\" href=\"/pkg/mcp-gateway.css\"></head>\
         <body><main class=\"auth-page\"><div class=\"card auth-card\"><h1>The connection was not made</h1>\
         <div class=\"alert alert-error\" role=\"alert\" id=\"consent-refusal\"><p>{escaped}</p></div>\
         <p><a class=\"btn btn-primary\" href=\"{}\">Back to Connections</a></p></div></main></body></html>",
        app::routes::CONNECTIONS
    );
    (status, Html(body)).into_response()
}

/// `GET /connections/oauth/callback` (signed-in users only: the page guard sends others to
/// sign in first, and back here).
pub async fn consent_callback(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Ctx(context): Ctx,
    Query(query): Query<ConsentCallbackQuery>,
) -> Response {
    let Some(Extension(CurrentUser(user))) = user else {
        return refusal(StatusCode::UNAUTHORIZED, "Sign in to the gateway first.");
    };
    let callback = Callback {
        state: query.state,
        code: query.code,
        error: query.error,
        error_description: query.error_description,
    };
    let now = OffsetDateTime::now_utc();
    match vendor_oauth::finish(&state.connections, &user, callback, &context, now).await {
        Ok(row) => {
            if row.tier == "personal" {
                state.tool_cache.invalidate_user(user.id);
            } else {
                state.tool_cache.invalidate_all();
            }
            Redirect::to(&format!(
                "{}#connection-{}",
                app::routes::CONNECTIONS,
                row.id
            ))
            .into_response()
        }
        Err(error) => {
            let status = match &error {
                FlowError::OtherUser => StatusCode::FORBIDDEN,
                FlowError::Connection(ConnectionError::Db(e)) => {
                    tracing::error!(error = %e, "finishing a vendor consent failed");
                    return refusal(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "The gateway could not save the connection. Try again later.",
                    );
                }
                FlowError::Connection(ConnectionError::Vault(e)) => {
                    tracing::error!(error = %e, "vault failure finishing a vendor consent");
                    return refusal(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "The gateway could not read the sign-in it started. Start again from the Connections page.",
                    );
                }
                FlowError::Connection(ConnectionError::CheckFailed { .. }) => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                FlowError::Connection(ConnectionError::NotFound) => StatusCode::NOT_FOUND,
                _ => StatusCode::BAD_REQUEST,
            };
            let message = match &error {
                FlowError::Connection(ConnectionError::Fields(fields)) => {
                    fields.values().cloned().collect::<Vec<_>>().join(" ")
                }
                other => other.to_string(),
            };
            refusal(status, &message)
        }
    }
}
