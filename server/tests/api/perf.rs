//! The hot path's guarantees over HTTP: tool calls recorded without a write on the request path
//! yet all in `tool_calls` after a graceful stop, and a revocation through one replica honoured
//! by another within a second although both cache token checks.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::json;

use crate::{
    connections::call_json,
    helpers::{client, spawn_app, spawn_app_on},
    mcp::{initialize, rpc, sign_in_and_authorize, Call},
    oauth::{authorize_and_consent_as, exchange, public_client},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_calls_made_right_before_stop_are_in_the_table_after_it() {
    // Arrange
    let app = spawn_app().await;
    let (token, ada, ada_id) = sign_in_and_authorize(&app, "Ada").await;
    let (status, body) = call_json(
        &ada.client,
        &app.base,
        "connections/create",
        json!({"placement": "personal", "vendor": "demo", "slug": "demo", "name": "", "fields": [["api_key", "demo-key-123"]]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);

    // Act: five calls, then stop at once (the writer's 1 s interval has not passed).
    for id in 0..5 {
        let (status, body, _) = call
            .post(rpc(
                10 + id,
                "tools/call",
                json!({"name": "demo__list_companies", "arguments": {"query": "secret-argument"}}),
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let db = app.db.clone();
    app.stop().await;

    // Assert
    let rows = domain::entity::tool_calls::Entity::find()
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 5, "{rows:?}");
    for row in &rows {
        assert_eq!(row.user_id, Some(ada_id));
        assert_eq!(row.tool_name, "demo__list_companies");
        assert_eq!(row.connection_slug.as_deref(), Some("demo"));
        assert_eq!(row.outcome, "ok");
        assert!(!row.client_id.is_empty());
    }
    assert!(
        !format!("{rows:?}").contains("secret-argument"),
        "no argument values are stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_through_one_replica_is_refused_by_the_other_within_a_second() {
    // Arrange: two gateways on one database; a token used on the second (its check cached).
    let first = spawn_app().await;
    // Replicas behind one public URL (the token's audience).
    let public_url = first.base.clone();
    let second = spawn_app_on(first.db.clone(), |raw| raw.public_url = public_url).await;
    let (browser, _) = first.browser("Ada", "ada@example.com").await;
    let client_id = public_client(&first).await;
    let code =
        authorize_and_consent_as(&first, &browser.client, &client_id, "mcp:read mcp:write").await;
    let (status, tokens) = exchange(&first, &client_id, &code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (_, _) = initialize(&second, &access, "2025-11-25").await;

    // Act: the client revokes its grant (RFC 7009) at the first replica.
    let revoked = client()
        .post(first.url("/revoke"))
        .form(&[
            ("token", refresh.as_str()),
            ("client_id", client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let revoked_at = Instant::now();

    // Assert: the second answers 401 no later than a second (plus scheduling slack) after.
    let status = loop {
        let status = client()
            .post(second.url("/v1/mcp"))
            .bearer_auth(&access)
            .header("accept", "application/json, text/event-stream")
            .json(&rpc(1, "ping", json!({})))
            .send()
            .await
            .unwrap()
            .status();
        if status == StatusCode::UNAUTHORIZED || revoked_at.elapsed() > Duration::from_millis(1500)
        {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(revoked_at.elapsed() <= Duration::from_millis(1500));
}
