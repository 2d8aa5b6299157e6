//! Vendor reliability through the real gateway over HTTP: an IT Glue connection made in the
//! portal, its fake hanging or failing, and an MCP client on `/v1/mcp` — cancellation aborts the
//! vendor request, and the configured circuit breaker pauses a failing vendor with an
//! actionable error.

use std::time::Duration;

use domain::config::OriginOverrides;
use reqwest::StatusCode;
use serde_json::{json, Value};
use vendor_fakes::{itglue, FailureMode, Options};

use crate::{
    connections::call_json,
    helpers::spawn_app_with,
    mcp::{initialize, rpc, sign_in_and_authorize, Call},
};

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited too long for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `tools/call` of IT Glue's `list_organizations` on the `docs` connection.
pub(crate) fn list(id: i64) -> Value {
    rpc(
        id,
        "tools/call",
        json!({"name": "docs__list_organizations", "arguments": {}}),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_vendor_call_is_cancelled_and_a_failing_vendor_is_paused() {
    // Arrange: a gateway whose breaker opens at the first failure.
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let overrides = fake.origin_overrides();
    let app = spawn_app_with(|raw| {
        raw.outbound_origin_overrides = OriginOverrides::Table(overrides);
        raw.vendor_breaker_failures = 1;
        raw.vendor_breaker_cooldown_seconds = 120;
    })
    .await;
    let (token, ada, _) = sign_in_and_authorize(&app, "Ada").await;
    let (status, body) = call_json(
        &ada.client,
        &app.base,
        "connections/create",
        json!({"placement": "personal", "vendor": "itglue", "slug": "docs", "name": "",
            "fields": [["region", "us"], ["api_key", itglue::API_KEY]]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call {
        app: &app,
        token: &token,
        session: Some(&session),
    };

    // Act 1: a call to the hanging vendor, cancelled by the client.
    fake.set_failure(Some(FailureMode::Hang));
    let waiting = {
        let request = call.request(reqwest::Method::POST).json(&list(7));
        tokio::spawn(async move { request.send().await.unwrap().json::<Value>().await.unwrap() })
    };
    until("the call reaches the vendor", || fake.in_flight() == 1).await;
    let (status, _, _) = call
        .post(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 7}}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let answer = tokio::time::timeout(Duration::from_secs(2), waiting)
        .await
        .expect("the cancelled call answers at once")
        .unwrap();
    // Assert 1: the client is told, and the vendor's request is gone.
    assert_eq!(answer["error"]["code"], -32800, "{answer}");
    until("the vendor sees the request go away", || {
        fake.in_flight() == 0
    })
    .await;

    // Act 2: the vendor fails (a 502 HTML page); the breaker opens at once (configured: 1).
    fake.set_failure(Some(FailureMode::HtmlPage));
    let (_, failed, _) = call.post(list(8)).await;
    assert_eq!(failed["result"]["isError"], true, "{failed}");
    let sent = fake.count("/organizations");
    let (_, paused, _) = call.post(list(9)).await;
    // Assert 2: answered without reaching the vendor, saying what happens and for how long.
    assert_eq!(paused["result"]["isError"], true, "{paused}");
    let text = paused["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("IT Glue is failing"), "{text}");
    assert!(text.contains("pauses calls to it for 1"), "{text}");
    assert_eq!(fake.count("/organizations"), sent);
}
