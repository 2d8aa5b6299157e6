//! Decides once per request where it comes from ([`ClientAddress`] in the request extensions, read
//! by the rate limits and the audit log), and whether its `X-Request-Id` may be kept: only a
//! trusted reverse proxy's, and only a plain, bounded one (security.md AUD-2). Any other incoming
//! id is dropped here, so the request-id layer inside gives the request the gateway's own id.
//!
//! The outermost layer: nothing before it may read the forwarding headers or the request id.

use std::net::SocketAddr;

use app::state::AppState;
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use domain::edge::{is_acceptable_request_id, ClientAddress};

/// The request-id header (`tower_http::request_id` sets and propagates it).
pub const REQUEST_ID: &str = "x-request-id";

/// Middleware: resolves the [`ClientAddress`] from the TCP peer and the trusted proxies, and
/// removes an `X-Request-Id` that is not to be believed.
pub async fn identify_client(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let edge = &state.settings.edge;
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let address = peer.map(|peer| {
        ClientAddress::resolve(
            peer,
            request
                .headers()
                .get_all(edge.forwarded_header.name())
                .iter()
                .filter_map(|v| v.to_str().ok()),
            edge.forwarded_header,
            &edge.trusted_proxies,
        )
    });
    let keep_request_id = address.is_some_and(|a| a.via_trusted_proxy)
        && request
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_acceptable_request_id);
    if !keep_request_id {
        request.headers_mut().remove(REQUEST_ID);
    }
    if let Some(address) = address {
        request.extensions_mut().insert(address);
    }
    next.run(request).await
}
