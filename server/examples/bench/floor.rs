//! The floor (`bench --floor <REST base>`): the least an MCP → REST proxy can do on this machine,
//! to read the gateway's CPU per call against. It takes the same `tools/call` POST the gateway
//! takes, parses the JSON-RPC body, calls the REST upstream's `GET /items/{id}` with the API key
//! over a pooled client, and wraps the upstream's JSON as the call's text. No sign-in, session,
//! credential, outbound guard, limits, metrics or audit: everything the gateway adds is left
//! out, the two HTTP hops and the JSON in and out are kept. Same runtime (tokio's default
//! multi-thread) and allocator (mimalloc) as the gateway. Announces `READY <port>` on stdout.

use axum::{
    body::Bytes,
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    serve::ListenerExt as _,
    Router,
};
use serde_json::{json, Value};

use crate::gateway::REST_KEY;

#[derive(Clone)]
struct Floor {
    client: reqwest::Client,
    base: String,
}

async fn call(State(floor): State<Floor>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let Some(id) = request["params"]["arguments"]["id"].as_u64() else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let upstream = floor
        .client
        .get(format!("{}/items/{id}", floor.base))
        .header("x-api-key", REST_KEY)
        .send()
        .await;
    let text = match upstream {
        Ok(answer) if answer.status().is_success() => match answer.text().await {
            Ok(text) => text,
            Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
        },
        _ => return StatusCode::BAD_GATEWAY.into_response(),
    };
    let reply = json!({"jsonrpc": "2.0", "id": request["id"],
        "result": {"content": [{"type": "text", "text": text}], "isError": false}});
    (
        [(header::CONTENT_TYPE, "application/json")],
        reply.to_string(),
    )
        .into_response()
}

pub fn serve(base: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("READY {}", listener.local_addr().unwrap().port());
        let floor = Floor {
            client: reqwest::Client::new(),
            base: base.to_owned(),
        };
        let router = Router::new().route("/mcp", post(call)).with_state(floor);
        // As the gateway (startup.rs): answers are not held back for a delayed ACK.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, router).await.unwrap();
    });
}
