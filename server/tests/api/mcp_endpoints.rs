//! Per-connection MCP endpoints `/v1/{slug}/mcp`: their own protected-resource metadata and
//! `resource`, tokens bound to one endpoint, only that connection's tools, sessions bound to the
//! endpoint they were opened on.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    helpers::{client, spawn_app, Browser, TestApp},
    mcp::{initialize, rpc, sign_in_and_authorize},
    mcp_vendors::{connect_demo, tool_names},
    oauth::{authorize_and_consent_for, exchange_for, public_client},
};

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#;

/// An access token for the endpoint at `path`, from a new client authorized in `browser`.
async fn token_for(app: &TestApp, browser: &Browser, path: &str) -> String {
    let client_id = public_client(app).await;
    let code =
        authorize_and_consent_for(app, &browser.client, &client_id, "mcp:read mcp:write", path)
            .await;
    let (status, tokens) = exchange_for(app, &client_id, &code, path).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    tokens["access_token"].as_str().unwrap().to_owned()
}

async fn post(
    app: &TestApp,
    path: &str,
    token: &str,
    session: Option<&str>,
    body: &str,
) -> reqwest::Response {
    let mut request = client()
        .post(app.url(path))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25");
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    request.body(body.to_owned()).send().await.unwrap()
}

async fn rpc_on(app: &TestApp, path: &str, token: &str, session: &str, body: Value) -> Value {
    let response = post(app, path, token, Some(session), &body.to_string()).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn challenge(response: &reqwest::Response) -> String {
    response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_endpoint_has_its_own_resource_metadata_and_challenge() {
    let app = spawn_app().await;
    let metadata: Value = client()
        .get(app.url("/.well-known/oauth-protected-resource/v1/demo-eu/mcp"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["resource"], app.url("/v1/demo-eu/mcp"));
    assert_eq!(metadata["authorization_servers"][0], app.base);
    for not_an_endpoint in ["gateway", "Demo", "a--b"] {
        let response = client()
            .get(app.url(&format!(
                "/.well-known/oauth-protected-resource/v1/{not_an_endpoint}/mcp"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "{not_an_endpoint}"
        );
    }

    let unauthenticated = client()
        .post(app.url("/v1/demo-eu/mcp"))
        .body(INIT)
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    assert!(
        challenge(&unauthenticated).contains(&format!(
            "resource_metadata=\"{}\"",
            app.url("/.well-known/oauth-protected-resource/v1/demo-eu/mcp")
        )),
        "{}",
        challenge(&unauthenticated)
    );
    let (token, _, _) = sign_in_and_authorize(&app, "Ada").await;
    let reserved = post(&app, "/v1/gateway/mcp", &token, None, INIT).await;
    assert_eq!(reserved.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_serves_only_the_endpoint_it_was_issued_for_with_only_that_connections_tools() {
    // Arrange: two Demo connections, a gateway-wide token and one for `/v1/demo/mcp`.
    let app = spawn_app().await;
    let (wide_token, ada, _) = sign_in_and_authorize(&app, "Ada").await;
    connect_demo(&app, &ada.client, "demo").await;
    connect_demo(&app, &ada.client, "demo-two").await;
    let demo_token = token_for(&app, &ada, "/v1/demo/mcp").await;

    // A token is refused at the other endpoints, with that endpoint's challenge.
    let wrong = post(&app, "/v1/demo/mcp", &wide_token, None, INIT).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(
        challenge(&wrong).contains("token not issued for this resource"),
        "{}",
        challenge(&wrong)
    );
    for path in ["/v1/mcp", "/v1/demo-two/mcp"] {
        let wrong = post(&app, path, &demo_token, None, INIT).await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{path}");
    }

    // Act: the endpoint's own token lists and calls only that connection's tools.
    let initialized = post(&app, "/v1/demo/mcp", &demo_token, None, INIT).await;
    assert_eq!(initialized.status(), StatusCode::OK);
    let session = initialized.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let listed = rpc_on(
        &app,
        "/v1/demo/mcp",
        &demo_token,
        &session,
        rpc(2, "tools/list", json!({})),
    )
    .await;
    let names = tool_names(&listed);

    // Assert
    assert!(
        names.contains(&"demo__list_companies".to_owned()),
        "{names:?}"
    );
    assert!(names.iter().all(|n| n.starts_with("demo__")), "{names:?}");
    let called = rpc_on(
        &app,
        "/v1/demo/mcp",
        &demo_token,
        &session,
        rpc(
            3,
            "tools/call",
            json!({"name": "demo__list_companies", "arguments": {}}),
        ),
    )
    .await;
    assert_ne!(called["result"]["isError"], true, "{called}");
    for hidden in ["demo-two__list_companies", "gateway__list_connections"] {
        let refused = rpc_on(
            &app,
            "/v1/demo/mcp",
            &demo_token,
            &session,
            rpc(4, "tools/call", json!({"name": hidden, "arguments": {}})),
        )
        .await;
        assert_eq!(refused["error"]["code"], -32602, "{hidden}: {refused}");
    }

    // The gateway-wide endpoint still serves every tool, and the endpoint's session is unknown
    // there (and the reverse).
    let (wide_session, _) = initialize(&app, &wide_token, "2025-11-25").await;
    let everything = rpc_on(
        &app,
        "/v1/mcp",
        &wide_token,
        &wide_session,
        rpc(2, "tools/list", json!({})),
    )
    .await;
    let all = tool_names(&everything);
    assert!(
        all.contains(&"demo-two__list_companies".to_owned()),
        "{all:?}"
    );
    assert!(
        all.contains(&"gateway__list_connections".to_owned()),
        "{all:?}"
    );
    let crossed = post(
        &app,
        "/v1/mcp",
        &wide_token,
        Some(&session),
        &rpc(5, "tools/list", json!({})).to_string(),
    )
    .await;
    assert_eq!(crossed.status(), StatusCode::NOT_FOUND);
}
