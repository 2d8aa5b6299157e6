//! The no-op REST upstream (`bench --upstream`): `GET /ping` and `GET /items/{id}` answering
//! fixed JSON, only with the bench API key, on its own process so its CPU is not the gateway's.
//! `bench --upstream hang` is the faulty vendor: `/ping` answers (so a connection can be made),
//! `/items/{id}` never does. Announces `READY <port>` on stdout.

use axum::{
    extract::Path,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::json;

use crate::gateway::REST_KEY;

fn authorised(headers: &HeaderMap) -> bool {
    headers.get("x-api-key").and_then(|v| v.to_str().ok()) == Some(REST_KEY)
}

async fn ping(headers: HeaderMap) -> Response {
    if !authorised(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    Json(json!({"ok": true})).into_response()
}

async fn item(Path(id): Path<u64>, headers: HeaderMap) -> Response {
    if !authorised(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    Json(
        json!({"data": {"id": id, "name": format!("item-{id}"), "status": "ok",
        "notes": "Fixed sample data from the bench upstream."}}),
    )
    .into_response()
}

async fn hang() -> Response {
    std::future::pending::<()>().await;
    StatusCode::OK.into_response()
}

pub fn serve(hanging: bool) {
    // One worker thread: a fixed-cost upstream that leaves the other core to the gateway and the
    // load generator, as the Python reference upstream (one process) does.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("READY {}", listener.local_addr().unwrap().port());
        let router = Router::new().route("/ping", get(ping));
        let router = if hanging {
            router.route("/items/{id}", get(hang))
        } else {
            router.route("/items/{id}", get(item))
        };
        axum::serve(listener, router).await.unwrap();
    });
}
