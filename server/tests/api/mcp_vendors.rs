//! The technician's path end to end: sign in, connect a vendor in the portal, authorize an MCP
//! client, list and call the vendor's tools through `/v1/mcp` with the stored credential — and
//! what another user, a read-only token and a change in the portal do to that.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    connections::call_json,
    helpers::{spawn_app, TestApp},
    mcp::{authorize, initialize, rpc, sign_in_and_authorize, Call},
};

pub(crate) async fn connect_demo(app: &TestApp, client: &reqwest::Client, slug: &str) {
    let (status, body) = call_json(
        client,
        &app.base,
        "connections/create",
        json!({"placement": "personal", "vendor": "demo", "slug": slug, "name": "", "fields": [["api_key", "demo-key-123"]]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

pub(crate) fn tool_names(body: &Value) -> Vec<String> {
    body["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Reads `stream` until `notifications/tools/list_changed` arrives, failing after `within`.
async fn expect_list_changed(mut stream: reqwest::Response, within: Duration) {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + within;
    while !seen.contains("notifications/tools/list_changed") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("list_changed arrives in time")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_vendors_tools_are_listed_and_called_with_the_stored_credential() {
    let app = spawn_app().await;
    let (token, ada, _) = sign_in_and_authorize(&app, "Ada").await;
    connect_demo(&app, &ada.client, "demo").await;
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);
    let (status, listed, _) = call.post(rpc(2, "tools/list", json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let names = tool_names(&listed);
    assert!(
        names.contains(&"demo__list_companies".to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"gateway__list_connections".to_owned()));
    let write = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["annotations"]["destructiveHint"] == true)
        .expect("a write tool is annotated destructive");
    assert!(write["name"].as_str().unwrap().starts_with("demo__"));

    let (status, called, _) = call
        .post(rpc(
            3,
            "tools/call",
            json!({"name": "demo__list_companies", "arguments": {}}),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{called}");
    assert_ne!(called["result"]["isError"], true, "{called}");
    let text = called["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("name"), "vendor data comes back: {text}");

    let (_, listed_connections, _) = call
        .post(rpc(
            4,
            "tools/call",
            json!({"name": "gateway__list_connections", "arguments": {}}),
        ))
        .await;
    let text = listed_connections["result"]["content"][0]["text"]
        .as_str()
        .unwrap();
    assert!(text.contains("\"tier\": \"personal\""), "{text}");

    // Another user sees none of Ada's vendor tools, and cannot call them by name.
    let (bob_token, _, _) = sign_in_and_authorize(&app, "Bob").await;
    let (bob_session, _) = initialize(&app, &bob_token, "2025-11-25").await;
    let bob = Call::in_session(&app, &bob_token, &bob_session);
    let (_, bob_list, _) = bob.post(rpc(2, "tools/list", json!({}))).await;
    assert!(
        tool_names(&bob_list)
            .iter()
            .all(|n| n.starts_with("gateway__")),
        "{bob_list}"
    );
    let (_, refused, _) = bob
        .post(rpc(
            3,
            "tools/call",
            json!({"name": "demo__list_companies", "arguments": {}}),
        ))
        .await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_token_is_asked_to_step_up_for_a_write_tool() {
    let app = spawn_app().await;
    let (_, ada, _) = sign_in_and_authorize(&app, "Ada").await;
    connect_demo(&app, &ada.client, "demo").await;
    let token = authorize(&app, &ada, "mcp:read").await;
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);
    let (_, listed, _) = call.post(rpc(2, "tools/list", json!({}))).await;
    let write = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["annotations"]["destructiveHint"] == true)
        .unwrap()["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, headers) = call
        .post(rpc(
            3,
            "tools/call",
            json!({"name": write, "arguments": {}}),
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains("insufficient_scope") && challenge.contains("mcp:write"),
        "{challenge}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_a_vendor_in_the_portal_tells_open_sessions_their_tools_changed() {
    let app = spawn_app().await;
    let (token, ada, _) = sign_in_and_authorize(&app, "Ada").await;
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);
    let (_, before, _) = call.post(rpc(2, "tools/list", json!({}))).await;
    assert!(!tool_names(&before).iter().any(|n| n.starts_with("demo__")));
    let stream = call.open_stream().await;

    connect_demo(&app, &ada.client, "demo").await;

    expect_list_changed(stream, Duration::from_secs(10)).await;
    let (_, after, _) = call.post(rpc(3, "tools/list", json!({}))).await;
    assert!(
        tool_names(&after).contains(&"demo__list_companies".to_owned()),
        "{after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_added_through_one_replica_reaches_a_stream_open_on_another() {
    use sea_orm::ConnectionTrait;
    // Two gateways on one PostgreSQL database behind one public URL. (On SQLite there is one
    // process by design: nothing crosses, so there is nothing to test.)
    let first = spawn_app().await;
    if first.db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return;
    }
    let public_url = first.base.clone();
    let second = crate::helpers::spawn_app_on(std::sync::Arc::clone(&first.db), |raw| {
        raw.public_url = public_url;
    })
    .await;
    let (token, ada, _) = sign_in_and_authorize(&first, "Ada").await;
    // The session and its stream live on the second replica.
    let (session, _) = initialize(&second, &token, "2025-11-25").await;
    let on_second = Call::in_session(&second, &token, &session);
    let (_, before, _) = on_second.post(rpc(2, "tools/list", json!({}))).await;
    assert!(!tool_names(&before).iter().any(|n| n.starts_with("demo__")));
    let stream = on_second.open_stream().await;

    // The portal change happens on the first.
    connect_demo(&first, &ada.client, "demo").await;

    expect_list_changed(stream, Duration::from_secs(5)).await;
    // And its snapshot was dropped: the new tools are listed at once (not after the TTL).
    let (_, after, _) = on_second.post(rpc(3, "tools/list", json!({}))).await;
    assert!(
        tool_names(&after).contains(&"demo__list_companies".to_owned()),
        "{after}"
    );
}
