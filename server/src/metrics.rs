//! `/metrics`: the HTTP side of `domain::metrics`. A middleware that times every request of the
//! public router by its matched route template, and the separate listener that serves the text.
//!
//! The metrics are served on their own listener (`metrics_listen`, loopback in the examples,
//! off when unset), never on the public router: what the series reveal (vendors in use, traffic,
//! error rates) stays off the internet whatever the reverse proxy forwards, and there is no
//! operator token to provision and rotate. Why, in `docs/deployment.md`.

use std::{net::SocketAddr, sync::Arc, time::Instant};

use app::state::AppState;
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use domain::{metrics::Metrics, OffsetDateTime};
use tokio::{net::TcpListener, task::JoinHandle};

/// The route label of a request no route matched (404s, static files under the fallback).
pub const UNMATCHED: &str = "unmatched";

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::DELETE => "DELETE",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Times one request of the public router. Applied with `Router::layer`, so it runs after routing
/// and sees the matched route template (`/v1/{slug}/mcp`, never the raw path). A stream's time is
/// its time to the response head.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, |path| domain::metrics::intern(path.as_str()));
    let response = next.run(request).await;
    metrics.observe_http(method, route, response.status().as_u16(), started.elapsed());
    response
}

/// `GET /metrics` on the metrics listener.
async fn scrape(State((state, metrics)): State<(AppState, Arc<Metrics>)>) -> Response {
    let now = OffsetDateTime::now_utc();
    let deps = &state.connections;
    let text = metrics
        .scrape(
            &state.db,
            state.settings.database.max_connections,
            deps.catalog.iter().map(|vendor| vendor.slug.as_str()),
            deps.engine.breakers(now),
        )
        .await;
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(domain::metrics::CONTENT_TYPE),
        )],
        text,
    )
        .into_response()
}

/// Serves `GET /metrics` on `listener` until the returned task is aborted.
pub fn serve(listener: TcpListener, state: AppState, metrics: Arc<Metrics>) -> JoinHandle<()> {
    let router = Router::new()
        .route("/metrics", get(scrape))
        .with_state((state, metrics));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the metrics listener failed");
        }
    })
}

/// Binds `metrics_listen`.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    use anyhow::Context as _;
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("Failed to listen on {addr} (GATEWAY_METRICS_LISTEN)"))
}
