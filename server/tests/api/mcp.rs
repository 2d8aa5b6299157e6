//! `/v1/mcp` over HTTP (MCP Streamable HTTP): initialize and version negotiation, sealed
//! sessions (required, bound to the token's user, surviving a restart, ended by DELETE), Origin
//! checks, ping, tools/list pages, tools/call and its errors, step-up, cancellation and the GET
//! stream. Tokens come from the real OAuth flow; tools from the test fixture provider.

use std::{sync::Arc, time::Duration};

use domain::testing::test_db;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    helpers::{client, spawn_app_with_tools, Browser, TestApp},
    mcp_fixture::FixtureTools,
    oauth::{authorize_and_consent_as, exchange, public_client},
};

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"VERSION","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#;

async fn spawn(tools: Arc<FixtureTools>) -> TestApp {
    spawn_app_with_tools(Arc::new(test_db().await), tools, |_| {}).await
}

/// A user signed in through the portal who authorized a new public client for both scopes:
/// (access token, the browser, user id).
pub(crate) async fn sign_in_and_authorize(
    app: &TestApp,
    name: &str,
) -> (String, Browser, uuid::Uuid) {
    let (browser, user) = app
        .browser(name, &format!("{}@example.com", name.to_lowercase()))
        .await;
    let token = authorize(app, &browser, "mcp:read mcp:write").await;
    (token, browser, user.id)
}

/// An access token for `scope` from a new public client authorized in `browser`.
pub(crate) async fn authorize(app: &TestApp, browser: &Browser, scope: &str) -> String {
    let client_id = public_client(app).await;
    let code = authorize_and_consent_as(app, &browser.client, &client_id, scope).await;
    let (status, tokens) = exchange(app, &client_id, &code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["scope"], scope);
    tokens["access_token"].as_str().unwrap().to_owned()
}

pub(crate) struct Call<'a> {
    pub(crate) app: &'a TestApp,
    pub(crate) token: &'a str,
    pub(crate) session: Option<&'a str>,
}

impl<'a> Call<'a> {
    /// Requests of `token` in `session`.
    pub(crate) fn in_session(app: &'a TestApp, token: &'a str, session: &'a str) -> Self {
        Self {
            app,
            token,
            session: Some(session),
        }
    }

    pub(crate) fn request(&self, method: reqwest::Method) -> reqwest::RequestBuilder {
        let mut request = client()
            .request(method, self.app.url("/v1/mcp"))
            .bearer_auth(self.token)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25");
        if let Some(session) = self.session {
            request = request.header("mcp-session-id", session);
        }
        request
    }

    /// The session's GET stream (asserted open).
    pub(crate) async fn open_stream(&self) -> reqwest::Response {
        let stream = self
            .request(reqwest::Method::GET)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        stream
    }

    pub(crate) async fn post(
        &self,
        body: Value,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let response = self
            .request(reqwest::Method::POST)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (
            status,
            response.json().await.unwrap_or(Value::Null),
            headers,
        )
    }
}

/// Initializes with `version`; returns the session id and the result.
pub(crate) async fn initialize(app: &TestApp, token: &str, version: &str) -> (String, Value) {
    let response = client()
        .post(app.url("/v1/mcp"))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(INIT.replace("VERSION", version))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    (session, response.json().await.unwrap())
}

pub(crate) fn rpc(id: i64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_negotiates_each_version_and_the_session_then_answers_ping() {
    // Arrange
    let app = spawn(FixtureTools::new(0)).await;
    let (token, _, _) = sign_in_and_authorize(&app, "Ada").await;
    // Act / Assert: each supported version is echoed, anything else gets our preferred one.
    for (asked, answered) in [
        ("2025-11-25", "2025-11-25"),
        ("2025-06-18", "2025-06-18"),
        ("2025-03-26", "2025-03-26"),
        ("2024-11-05", "2025-11-25"),
    ] {
        let (session, body) = initialize(&app, &token, asked).await;
        assert_eq!(body["result"]["protocolVersion"], answered, "{body}");
        assert_eq!(body["result"]["capabilities"]["tools"]["listChanged"], true);
        assert!(session.starts_with("mcps1."));
    }
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);
    let (status, body, _) = call
        .post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    assert_eq!((status, body), (StatusCode::ACCEPTED, Value::Null));
    let (status, body, _) = call.post(rpc(2, "ping", json!({}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"jsonrpc": "2.0", "id": 2, "result": {}}));
    // Unknown methods, batches and unsupported versions.
    let (_, body, _) = call.post(rpc(3, "resources/list", json!({}))).await;
    assert_eq!(body["error"]["code"], -32601);
    let (status, body, _) = call.post(json!([rpc(4, "ping", json!({}))])).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!(-32600))
    );
    let unsupported = client()
        .post(app.url("/v1/mcp"))
        .bearer_auth(&token)
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2099-01-01")
        .json(&rpc(5, "ping", json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(unsupported.status(), StatusCode::BAD_REQUEST);
    // Without MCP-Protocol-Version the request is taken as 2025-03-26 and served.
    let no_header = client()
        .post(app.url("/v1/mcp"))
        .bearer_auth(&token)
        .header("mcp-session-id", &session)
        .json(&rpc(6, "ping", json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(no_header.status(), StatusCode::OK);
    // A client that accepts neither JSON nor SSE.
    let not_acceptable = client()
        .post(app.url("/v1/mcp"))
        .bearer_auth(&token)
        .header("accept", "text/html")
        .header("mcp-session-id", &session)
        .json(&rpc(7, "ping", json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(not_acceptable.status(), StatusCode::NOT_ACCEPTABLE);
    // Other methods and oversized bodies are refused in JSON too.
    let put = call.request(reqwest::Method::PUT).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(put.headers()["allow"], "GET, POST, DELETE");
    assert!(put.json::<Value>().await.unwrap()["error"]["message"].is_string());
    let huge = call
        .request(reqwest::Method::POST)
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"jsonrpc":"2.0","id":8,"method":"ping","params":{{"pad":"{}"}}}}"#,
            "x".repeat(1_100_000)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(huge.json::<Value>().await.unwrap()["error"]["message"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_required_after_initialize_and_only_its_own_user_may_use_it() {
    let app = spawn(FixtureTools::new(0)).await;
    let (ada, _, _) = sign_in_and_authorize(&app, "Ada").await;
    let (bea, _, _) = sign_in_and_authorize(&app, "Bea").await;
    let (session, _) = initialize(&app, &ada, "2025-11-25").await;

    let missing = Call {
        app: &app,
        token: &ada,
        session: None,
    };
    let (status, body, _) = missing.post(rpc(2, "tools/list", json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], -32600);

    let forged = format!("{}x", &session[..session.len() - 1]);
    for bad in [forged.as_str(), "mcps1.AAAA", "made-up"] {
        let call = Call::in_session(&app, &ada, bad);
        let (status, body, _) = call.post(rpc(3, "tools/list", json!({}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert!(body["error"]["message"].is_string(), "JSON body: {body}");
    }
    // Bea's valid token with Ada's session: not found (sessions are not authentication).
    let stolen = Call::in_session(&app, &bea, &session);
    let (status, _, _) = stolen.post(rpc(4, "tools/list", json!({}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Ada's session without any token: 401.
    let anonymous = client()
        .post(app.url("/v1/mcp"))
        .header("mcp-session-id", &session)
        .json(&rpc(5, "ping", json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // A token in the query string is not a token.
    let query = client()
        .post(app.url(&format!("/v1/mcp?access_token={ada}")))
        .header("mcp-session-id", &session)
        .json(&rpc(6, "ping", json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(query.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_origin_is_refused_and_the_gateways_own_origin_or_none_is_served() {
    let app = spawn(FixtureTools::new(0)).await;
    let (token, _, _) = sign_in_and_authorize(&app, "Ada").await;
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);
    for (origin, expected) in [
        ("https://evil.example", StatusCode::FORBIDDEN),
        ("null", StatusCode::FORBIDDEN),
        (app.base.as_str(), StatusCode::OK),
    ] {
        let response = call
            .request(reqwest::Method::POST)
            .header("origin", origin)
            .json(&rpc(2, "ping", json!({})))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{origin}");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("json"));
    }
    // Refused before the token is even looked at.
    let rebinding = client()
        .post(app.url("/v1/mcp"))
        .header("origin", "http://evil.example")
        .body(INIT.replace("VERSION", "2025-11-25"))
        .send()
        .await
        .unwrap();
    assert_eq!(rebinding.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_are_listed_in_pages_and_called_and_unknown_tools_are_invalid_params() {
    let app = spawn(FixtureTools::new(150)).await;
    let (token, _, _) = sign_in_and_authorize(&app, "Ada").await;
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);

    let (_, first, _) = call.post(rpc(2, "tools/list", json!({}))).await;
    let tools = first["result"]["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 100);
    assert_eq!(tools[0]["name"], "demo__read_ticket");
    assert_eq!(tools[1]["annotations"]["destructiveHint"], true);
    let cursor = first["result"]["nextCursor"].as_str().unwrap();
    let (_, second, _) = call
        .post(rpc(3, "tools/list", json!({"cursor": cursor})))
        .await;
    assert_eq!(second["result"]["tools"].as_array().unwrap().len(), 54);
    assert!(second["result"].get("nextCursor").is_none());
    let (_, bad, _) = call
        .post(rpc(4, "tools/list", json!({"cursor": "nope"})))
        .await;
    assert_eq!(bad["error"]["code"], -32602);

    let (status, result, _) = call
        .post(rpc(
            5,
            "tools/call",
            json!({"name": "demo__read_ticket", "arguments": {"id": 42}}),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        result["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .split(" for ")
            .next(),
        Some("ticket 42")
    );
    assert!(result["result"].get("resultType").is_none(), "{result}");
    let (_, unknown, _) = call
        .post(rpc(6, "tools/call", json!({"name": "demo__nothing"})))
        .await;
    assert_eq!(unknown["error"]["code"], -32602);
    assert_eq!(unknown["id"], 6);
    let (status, broken, _) = call
        .post(rpc(7, "tools/call", json!({"name": "demo__broken"})))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        broken["error"],
        json!({"code": -32603, "message": "Internal error"})
    );
    let (status, _, _) = call
        .post(json!({"jsonrpc": "2.0", "method": "tools/call"}))
        .await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "a notification gets no answer"
    );
    let (_, no_name, _) = call.post(rpc(8, "tools/call", json!({}))).await;
    assert_eq!(no_name["error"]["code"], -32602);
    let (status, body, _) = call
        .post(json!({"jsonrpc": "2.0", "id": 8, "result": {}}))
        .await;
    assert_eq!((status, body), (StatusCode::ACCEPTED, Value::Null));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destructive_tool_with_a_read_only_token_gets_a_step_up_challenge() {
    let app = spawn(FixtureTools::new(0)).await;
    let (full, browser, _) = sign_in_and_authorize(&app, "Ada").await;
    let read_only = authorize(&app, &browser, "mcp:read").await;
    let (session, _) = initialize(&app, &read_only, "2025-11-25").await;
    let call = Call::in_session(&app, &read_only, &session);
    let delete = rpc(2, "tools/call", json!({"name": "demo__delete_ticket"}));

    let (status, body, headers) = call.post(delete.clone()).await;

    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "insufficient_scope");
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\"")
            && challenge.contains("scope=\"mcp:read mcp:write\""),
        "{challenge}"
    );
    // A token with mcp:write may.
    let (session, _) = initialize(&app, &full, "2025-11-25").await;
    let call = Call::in_session(&app, &full, &session);
    let (status, body, _) = call.post(delete).await;
    assert_eq!(
        (status, body["result"]["content"][0]["text"].as_str()),
        (StatusCode::OK, Some("deleted"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_get_stream_announces_tool_list_changes_for_the_sessions_user_only() {
    let tools = FixtureTools::new(0);
    let app = spawn(tools.clone()).await;
    let (token, _, ada) = sign_in_and_authorize(&app, "Ada").await;
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);
    let mut stream = call.open_stream().await;
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));

    tools.announce_change(uuid::Uuid::now_v7()); // someone else's
    tools.announce_change(ada);

    let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
        .await
        .expect("an event arrives")
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&chunk).into_owned();
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(data).unwrap(),
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
    );
    assert_eq!(
        text.matches("data:").count(),
        1,
        "only Ada's change: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_call_that_asks_for_progress_is_streamed_with_progress_then_its_result() {
    let app = spawn(FixtureTools::new(0)).await;
    let (token, _, _) = sign_in_and_authorize(&app, "Ada").await;
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);
    let slow = |id: i64, ms: u64, meta: Value| {
        rpc(
            id,
            "tools/call",
            json!({"name": "demo__slow", "arguments": {"ms": ms}, "_meta": meta}),
        )
    };

    // Long, with a progress token: SSE with progress notifications, then the response.
    let response = call
        .request(reqwest::Method::POST)
        .json(&slow(7, 3_500, json!({"progressToken": "tok-7"})))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let text = response.text().await.unwrap();
    let events: Vec<Value> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|data| serde_json::from_str(data.trim()).unwrap())
        .collect();
    let (last, progress) = events.split_last().unwrap();
    assert!(progress.len() >= 2, "{text}");
    let mut previous = -1.0;
    for note in progress {
        assert_eq!(note["method"], "notifications/progress", "{text}");
        assert_eq!(note["params"]["progressToken"], "tok-7");
        let value = note["params"]["progress"].as_f64().unwrap();
        assert!(value > previous, "progress grows: {text}");
        previous = value;
    }
    assert_eq!(last["id"], 7);
    assert_eq!(last["result"]["content"][0]["text"], "slept 3500 ms");

    // Short, or without a token: plain JSON.
    for (ms, meta) in [(10, json!({"progressToken": "tok-8"})), (1_500, json!({}))] {
        let response = call
            .request(reqwest::Method::POST)
            .json(&slow(8, ms, meta))
            .send()
            .await
            .unwrap();
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["result"]["content"][0]["text"],
            format!("slept {ms} ms")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_call_stops_and_a_deleted_session_is_gone() {
    let tools = FixtureTools::new(0);
    let app = spawn(tools.clone()).await;
    let (token, _, _) = sign_in_and_authorize(&app, "Ada").await;
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);

    let waiting = {
        let request = call.request(reqwest::Method::POST).json(&rpc(
            9,
            "tools/call",
            json!({"name": "demo__wait"}),
        ));
        tokio::spawn(async move { request.send().await.unwrap().json::<Value>().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _, _) = call
        .post(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 9}}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let answer = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer["error"]["code"], -32800, "{answer}");
    assert_eq!(answer["id"], 9);

    let ended = call.request(reqwest::Method::DELETE).send().await.unwrap();
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    let (status, _, _) = call.post(rpc(10, "ping", json!({}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_survives_a_restart_on_the_same_database_and_master_key() {
    let app = spawn(FixtureTools::new(0)).await;
    let (token, _, _) = sign_in_and_authorize(&app, "Ada").await;
    let (session, _) = initialize(&app, &token, "2025-06-18").await;
    let (db, public_url) = (app.db.clone(), app.base.clone());
    app.stop().await;

    // Same database, same master key, same public URL (the token's audience); a new process.
    let restarted =
        spawn_app_with_tools(db, FixtureTools::new(0), |raw| raw.public_url = public_url).await;
    let call = Call::in_session(&restarted, &token, &session);
    let (status, body, _) = call.post(rpc(2, "tools/list", json!({}))).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"]["tools"][0]["name"], "demo__read_ticket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_open_streams_instead_of_waiting_out_the_grace_period() {
    // Arrange: a long grace period, so only the stream ending lets the server stop quickly.
    let db = Arc::new(test_db().await);
    let app = spawn_app_with_tools(db, FixtureTools::new(0), |raw| {
        raw.shutdown_grace_seconds = 60;
    })
    .await;
    let (token, _, _) = sign_in_and_authorize(&app, "Ada").await;
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let mut stream = Call::in_session(&app, &token, &session)
        .request(reqwest::Method::GET)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);

    // Act
    let stopped = tokio::time::timeout(Duration::from_secs(10), app.stop()).await;

    // Assert
    assert!(stopped.is_ok(), "the server stopped without waiting 60 s");
    let rest = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
        .await
        .unwrap();
    assert!(
        matches!(rest, Ok(None) | Err(_)),
        "the stream ended: {rest:?}"
    );
}
