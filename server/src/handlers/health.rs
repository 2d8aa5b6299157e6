//! `GET /health` (liveness: the process answers; touches nothing) and `GET /health/ready`
//! (readiness: database reachable, migrations applied, not draining) — security.md REL-6.

use app::state::AppState;
use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use domain::health::{self, Readiness};
use serde_json::json;

/// Liveness.
pub async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Readiness; 503 with a short machine-readable reason otherwise (no versions, no details).
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match health::check(&state.db, state.is_draining()).await {
        Readiness::Ready => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Readiness::DatabaseUnreachable => unavailable("database_unreachable"),
        Readiness::MigrationsPending(_) => unavailable("migrations_pending"),
        Readiness::Draining => unavailable("draining"),
    }
}

fn unavailable(reason: &str) -> (StatusCode, Json<serde_json::Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "unavailable", "reason": reason })),
    )
}
