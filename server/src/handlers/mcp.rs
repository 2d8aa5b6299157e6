//! `/v1/mcp`: the MCP Streamable HTTP transport
//! (<https://modelcontextprotocol.io/specification/2025-11-25/basic/transports>), behind the
//! Origin check and the bearer guard. Thin: headers and body in, one `domain::mcp::McpEndpoint`
//! call, the [`Reply`] onto a status code.
//!
//! Hand-written rather than rmcp's `StreamableHttpService`: the edge cases we must control (404
//! vs 400 vs 403 step-up with `WWW-Authenticate`, sessions sealed so any replica serves them,
//! sessions bound to the token's user, JSON bodies on every refusal) sit inside rmcp's service,
//! and its session store is process memory — the "sessions break on every deploy" failure
//! (product.md §5.3). rmcp still gives us every wire type (`domain/src/mcp/README.md`).

use std::{convert::Infallible, sync::atomic::Ordering, time::Duration};

use app::state::AppState;
use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
    Extension, Json,
};
use domain::{
    mcp::{protocol, Headers, McpCaller, Reply},
    oauth::AccessGrant,
    OffsetDateTime,
};
use futures_util::StreamExt;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::mcp_auth::{insufficient_scope, McpRoute};

/// `Mcp-Session-Id`.
pub const SESSION_HEADER: &str = "mcp-session-id";
/// `MCP-Protocol-Version`.
pub const VERSION_HEADER: &str = "mcp-protocol-version";
/// Comment lines on an idle GET stream, so proxies do not time it out.
pub const KEEP_ALIVE: Duration = Duration::from_secs(20);
/// A call that asked for progress and runs longer than this is answered as an SSE stream.
pub const PROGRESS_AFTER: Duration = Duration::from_secs(1);
/// How often a running call reports progress on that stream.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(2);

fn headers_of(headers: &HeaderMap) -> Headers<'_> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    Headers {
        session_id: text(SESSION_HEADER),
        protocol_version: text(VERSION_HEADER),
    }
}

/// Whether `Accept` allows one of `types` (no `Accept` allows everything).
fn accepts(headers: &HeaderMap, types: &[&str]) -> bool {
    let values: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.split(';').next().unwrap_or_default().trim())
        .collect();
    values.is_empty()
        || values.iter().any(|v| {
            *v == "*/*"
                || types.contains(v)
                || types
                    .iter()
                    .any(|t| v.strip_suffix("/*").is_some_and(|m| t.starts_with(m)))
        })
}

fn refusal(status: StatusCode, code: i32, message: &str) -> Response {
    let body = json!({"jsonrpc": "2.0", "error": {"code": code, "message": message}});
    (status, Json(body)).into_response()
}

/// The caller as the MCP endpoint sees it: the token's grant, through `route`.
fn caller_of(grant: &AccessGrant, route: &McpRoute) -> McpCaller {
    let mut caller = McpCaller::from(grant);
    caller.connection.clone_from(&route.connection);
    caller
}

fn reply(state: &AppState, route: &McpRoute, caller: &McpCaller, reply: Reply) -> Response {
    match reply {
        Reply::Json { body, session_id } => {
            let mut response = Json(body).into_response();
            if let Some(value) = session_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                response.headers_mut().insert(SESSION_HEADER, value);
            }
            response
        }
        Reply::Accepted => StatusCode::ACCEPTED.into_response(),
        Reply::BadRequest(body) => (StatusCode::BAD_REQUEST, Json(body)).into_response(),
        Reply::SessionNotFound => {
            (StatusCode::NOT_FOUND, Json(protocol::session_not_found())).into_response()
        }
        Reply::InsufficientScope { needed } => {
            // One INFO line per request comes from the trace layer; this detail is for debugging.
            tracing::debug!(needed, "tool call needs a scope the token lacks (step-up)");
            insufficient_scope(
                &route.resource_metadata_url(&state.settings.oauth),
                &caller.scopes,
                needed,
            )
        }
    }
}

/// `POST /v1/mcp` (and `/v1/{slug}/mcp`): one JSON-RPC message; the answer is JSON, or an SSE
/// stream for a long call that asked for progress ([`post_with_progress`]).
pub async fn post_mcp(
    State(state): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Extension(route): Extension<McpRoute>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejected) => {
            return refusal(
                rejected.status(),
                -32600,
                "The request body is too large or unreadable",
            )
        }
    };
    if !accepts(&headers, &["application/json", "text/event-stream"]) {
        return refusal(
            StatusCode::NOT_ACCEPTABLE,
            -32600,
            "Accept must allow application/json",
        );
    }
    let caller = caller_of(&grant, &route);
    if let Some(token) = protocol::progress_token(&body).filter(|_| asks_for_sse(&headers)) {
        return post_with_progress(&state, caller, route, headers, body, token).await;
    }
    let now = OffsetDateTime::now_utc();
    let outcome = state
        .mcp
        .post(&caller, headers_of(&headers), &body, now)
        .await;
    reply(&state, &route, &caller, outcome)
}

/// Whether `Accept` names `text/event-stream` itself (not only through `*/*`).
fn asks_for_sse(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.split(';').next().unwrap_or_default().trim() == "text/event-stream")
}

/// One step of a call that reports progress.
enum Step {
    Progress(serde_json::Value),
    Done(Reply),
}

/// A `tools/call` whose client asked for progress (`_meta.progressToken`) and accepts SSE. A call
/// that ends within [`PROGRESS_AFTER`] is answered as JSON like any other (so a step-up can still
/// be a 403); a longer one is answered as an SSE stream: `notifications/progress` every
/// [`PROGRESS_EVERY`] while the vendor works, then the response. If the client goes away, the
/// call is dropped at the next tick (the same as a cancellation).
async fn post_with_progress(
    state: &AppState,
    caller: McpCaller,
    route: McpRoute,
    headers: HeaderMap,
    body: Bytes,
    token: protocol::ProgressToken,
) -> Response {
    let (steps, mut received) = tokio::sync::mpsc::channel::<Step>(4);
    let mcp = state.mcp.clone();
    let call_caller = caller.clone();
    tokio::spawn(async move {
        let call = mcp.post(
            &call_caller,
            headers_of(&headers),
            &body,
            OffsetDateTime::now_utc(),
        );
        tokio::pin!(call);
        let started = tokio::time::Instant::now();
        let mut ticks = tokio::time::interval_at(started + PROGRESS_AFTER, PROGRESS_EVERY);
        loop {
            tokio::select! {
                outcome = &mut call => {
                    let _ = steps.send(Step::Done(outcome)).await;
                    return;
                }
                _ = ticks.tick() => {
                    let waited = started.elapsed().as_secs();
                    let note = protocol::progress(
                        token.clone(),
                        waited as f64,
                        format!("Waiting for the vendor: {waited} s"),
                    );
                    if steps.send(Step::Progress(note)).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    let first = match received.recv().await {
        Some(Step::Done(outcome)) => return reply(state, &route, &caller, outcome),
        Some(Step::Progress(note)) => note,
        None => return refusal(StatusCode::INTERNAL_SERVER_ERROR, -32603, "Internal error"),
    };
    let rest = futures_util::stream::unfold(received, |mut received| async move {
        let data = match received.recv().await? {
            Step::Progress(note) => note,
            Step::Done(Reply::Json { body, .. } | Reply::BadRequest(body)) => body,
            // Decided before the call started, so never after the first tick.
            Step::Done(_) => protocol::internal_error(),
        };
        Some((data, received))
    });
    let events = futures_util::stream::once(async move { first })
        .chain(rest)
        .map(|data| Ok::<_, Infallible>(Event::default().data(data.to_string())));
    Sse::new(events).into_response()
}

/// `DELETE /v1/mcp`: ends the session (204).
pub async fn delete_mcp(
    State(state): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Extension(route): Extension<McpRoute>,
    headers: HeaderMap,
) -> Response {
    let caller = caller_of(&grant, &route);
    match state
        .mcp
        .end_session(&caller, headers_of(&headers), OffsetDateTime::now_utc())
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(refused) => reply(&state, &route, &caller, refused),
    }
}

/// `GET /v1/mcp`: the session's server-to-client SSE stream. It carries
/// `notifications/tools/list_changed` when the provider reports a change for the session's user,
/// a keep-alive comment every [`KEEP_ALIVE`], and ends when the gateway starts draining (REL-4:
/// the client reconnects to another replica; an open stream would hold shutdown).
pub async fn get_mcp(
    State(state): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Extension(route): Extension<McpRoute>,
    metrics: Option<Extension<std::sync::Arc<domain::metrics::Metrics>>>,
    headers: HeaderMap,
) -> Response {
    if !accepts(&headers, &["text/event-stream"]) {
        return refusal(
            StatusCode::NOT_ACCEPTABLE,
            -32600,
            "Accept must allow text/event-stream",
        );
    }
    let caller = caller_of(&grant, &route);
    let claims = match state
        .mcp
        .session(&caller, headers_of(&headers), OffsetDateTime::now_utc())
    {
        Ok(claims) => claims,
        Err(refused) => return reply(&state, &route, &caller, refused),
    };
    let changes = state.mcp.provider().subscribe_changes();
    // Counted as open until the stream is dropped (client gone, or drained).
    let open = metrics.map(|Extension(metrics)| metrics.stream_opened());
    let stream = futures_util::stream::unfold(
        (changes, state.draining.clone(), claims.user_id, open),
        |(mut changes, draining, user, open)| async move {
            let changed = protocol::tool_list_changed().to_string();
            loop {
                if draining.load(Ordering::SeqCst) {
                    return None;
                }
                tokio::select! {
                    received = changes.recv() => match received {
                        Ok(changed) if !changed.concerns(user) => continue,
                        // Ours, or missed events (lagged): tell the client to re-list.
                        Ok(_) | Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => return None,
                    },
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
                tracing::debug!("sending tools/list_changed");
                let event = Event::default().data(changed);
                return Some((Ok::<_, Infallible>(event), (changes, draining, user, open)));
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
}

/// Any other method: 405 with `Allow` and a JSON body (never an empty or HTML error).
pub async fn method_not_allowed() -> Response {
    let mut response = refusal(
        StatusCode::METHOD_NOT_ALLOWED,
        -32600,
        "Use POST, GET or DELETE",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST, DELETE"));
    response
}

/// DNS-rebinding defence (security.md MCP-5): a present `Origin` other than the gateway's public
/// origin is refused with 403 before anything else; no `Origin` (non-browser clients) passes.
pub async fn check_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .map(HeaderValue::as_bytes);
    match origin {
        Some(origin) if origin != state.settings.public_url.origin().as_bytes() => {
            tracing::debug!("refused a cross-origin MCP request");
            refusal(StatusCode::FORBIDDEN, -32600, "Origin not allowed")
        }
        _ => next.run(request).await,
    }
}
