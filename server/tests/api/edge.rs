//! The front door (security.md WEB-6, AUD-2; issue 13 items 4, 6, 9): per-address rate limits with
//! 429 + Retry-After, trusted proxies deciding the client address for the limits and the audit
//! log, request ids believed only from a trusted proxy, and the inbound time limit (not on
//! `/v1/mcp`).

use std::{sync::Arc, time::Duration};

use domain::{config::StringList, testing::test_db};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{json, Value};

use crate::{
    helpers::{client, spawn_app_with, spawn_app_with_tools, TestApp},
    mcp::{initialize, rpc, sign_in_and_authorize, Call},
    mcp_fixture::FixtureTools,
};

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn post_token(app: &TestApp, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = client()
        .post(app.url("/token"))
        .form(&[("grant_type", "authorization_code"), ("code", "nope")]);
    if let Some(value) = forwarded_for {
        request = request.header("x-forwarded-for", value);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_requests_beyond_the_limit_get_429_with_retry_after_and_an_oauth_error() {
    let app = spawn_app_with(|raw| raw.rate_limit_token_per_minute = 3).await;
    for i in 0..3 {
        assert_ne!(
            post_token(&app, None).await.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "request {i}"
        );
    }
    let refused = post_token(&app, None).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((1..=60).contains(&retry_after(&refused)));
    assert_eq!(refused.headers()["cache-control"], "no-store");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cheap_to_abuse_endpoint_is_limited_per_address() {
    let app = spawn_app_with(|raw| {
        raw.rate_limit_authorize_per_minute = 2;
        raw.rate_limit_sign_in_per_minute = 2;
        raw.rate_limit_consent_per_minute = 2;
        raw.rate_limit_admin_consent_per_minute = 2;
    })
    .await;
    let get = |path: &'static str| {
        let app = &app;
        async move { app.get(path).await }
    };
    let consent = || async {
        app.client
            .post(app.url("/oauth/consent"))
            .header("sec-fetch-site", "same-origin")
            .form(&[("request", "x"), ("csrf", "y"), ("decision", "allow")])
            .send()
            .await
            .unwrap()
    };
    // Sign-in starts and callbacks share one budget, as do the admin-consent routes.
    let groups: [&[&'static str]; 3] = [
        &["/authorize?client_id=x", "/authorize/continue?request=x"],
        &["/auth/microsoft/login", "/auth/auth0/callback?state=x"],
        &[
            "/auth/admin-consent",
            "/auth/admin-consent/callback?state=x",
        ],
    ];
    for paths in groups {
        for path in paths {
            assert_ne!(
                get(path).await.status(),
                StatusCode::TOO_MANY_REQUESTS,
                "{path}"
            );
        }
        let refused = get(paths[0]).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "{paths:?}");
        assert!(retry_after(&refused) >= 1);
    }
    for _ in 0..2 {
        assert_ne!(consent().await.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(consent().await.status(), StatusCode::TOO_MANY_REQUESTS);
    // Pages that cost nothing are not limited.
    for _ in 0..3 {
        assert_ne!(
            get("/auth/login").await.status(),
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(get("/health").await.status(), StatusCode::OK);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_peer_cannot_get_a_fresh_bucket_by_forging_x_forwarded_for() {
    let app = spawn_app_with(|raw| raw.rate_limit_token_per_minute = 2).await;
    post_token(&app, Some("203.0.113.1")).await;
    post_token(&app, Some("203.0.113.2")).await;
    let refused = post_token(&app, Some("203.0.113.3")).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() {
    let app = spawn_app_with(|raw| {
        raw.rate_limit_token_per_minute = 2;
        raw.trusted_proxies = StringList::List(vec!["127.0.0.1/32".into()]);
    })
    .await;
    // The client forged the left-most entry; the proxy appended the address it saw.
    for _ in 0..2 {
        post_token(&app, Some("198.51.100.9, 203.0.113.1")).await;
    }
    let refused = post_token(&app, Some("198.51.100.10, 203.0.113.1")).await;
    assert_eq!(
        refused.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the forged entry does not count"
    );
    let other = post_token(&app, Some("203.0.113.2")).await;
    assert_ne!(other.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// Registers a client with the given extra headers and returns the audit row it wrote.
async fn register_and_read_audit(
    app: &TestApp,
    headers: &[(&str, &str)],
) -> (
    reqwest::header::HeaderMap,
    domain::entity::audit_events::Model,
) {
    let mut request = client()
        .post(app.url("/register"))
        .json(&json!({"redirect_uris": ["http://127.0.0.1/callback"]}));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let row = domain::entity::audit_events::Entity::find()
        .order_by_desc(domain::entity::audit_events::Column::OccurredAt)
        .one(&app.db.db)
        .await
        .unwrap()
        .expect("registration is audited");
    (response.headers().clone(), row)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_trusted_proxy_the_audit_log_has_the_peer_and_the_gateways_own_request_id() {
    let app = spawn_app_with(|_| {}).await;
    let (headers, row) = register_and_read_audit(
        &app,
        &[
            ("x-forwarded-for", "203.0.113.7"),
            ("x-request-id", "forged-by-the-client"),
        ],
    )
    .await;
    assert_eq!(row.ip.as_deref(), Some("127.0.0.1"));
    let own = headers["x-request-id"].to_str().unwrap();
    assert_ne!(own, "forged-by-the-client");
    assert!(uuid::Uuid::parse_str(own).is_ok(), "{own}");
    assert_eq!(row.request_id.as_deref(), Some(own));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_trusted_proxy_the_audit_log_has_the_client_and_the_proxys_request_id() {
    let app = spawn_app_with(|raw| {
        raw.trusted_proxies = StringList::Joined("127.0.0.0/8".into());
    })
    .await;
    let (headers, row) = register_and_read_audit(
        &app,
        &[
            ("x-forwarded-for", "203.0.113.7"),
            ("x-request-id", "lb-7f3a9c"),
        ],
    )
    .await;
    assert_eq!(row.ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(row.request_id.as_deref(), Some("lb-7f3a9c"));
    assert_eq!(headers["x-request-id"], "lb-7f3a9c");
    // A proxy's id that could forge log lines is replaced by the gateway's own.
    let (headers, row) =
        register_and_read_audit(&app, &[("x-request-id", "a b level=error msg=forged")]).await;
    let own = headers["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(own).is_ok(), "{own}");
    assert_eq!(row.request_id.as_deref(), Some(own));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forwarded_header_is_read_only_when_configured() {
    let app = spawn_app_with(|raw| {
        raw.trusted_proxies = StringList::List(vec!["127.0.0.1".into()]);
        raw.trusted_proxy_header = "forwarded".into();
    })
    .await;
    let (_, row) = register_and_read_audit(
        &app,
        &[
            ("x-forwarded-for", "198.51.100.1"),
            ("forwarded", "for=\"[2001:db8::7]:4711\";proto=https"),
        ],
    )
    .await;
    assert_eq!(row.ip.as_deref(), Some("2001:db8::7"));
}

/// A metadata-document server that never answers in time.
async fn slow_document_server() -> String {
    use axum::{routing::get, Router};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new().route(
        "/slow.json",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "{}"
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_or_oauth_request_past_the_time_limit_gets_503() {
    let docs = slow_document_server().await;
    let app = spawn_app_with(|raw| {
        raw.oauth_cimd_allow_insecure_loopback = true;
        raw.request_timeout_seconds = 1;
    })
    .await;
    app.dev_login("Ada", "ada@example.com", "").await;
    let client_id: String =
        url::form_urlencoded::byte_serialize(format!("{docs}/slow.json").as_bytes()).collect();
    let started = std::time::Instant::now();
    let response = app
        .get(&format!(
            "/authorize?response_type=code&client_id={client_id}&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mcp_call_may_outlast_the_time_limit() {
    let tools = FixtureTools::new(0);
    let app = spawn_app_with_tools(Arc::new(test_db().await), tools, |raw| {
        raw.request_timeout_seconds = 1;
    })
    .await;
    let (token, _, _) = sign_in_and_authorize(&app, "Ada").await;
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call {
        app: &app,
        token: &token,
        session: Some(&session),
    };
    let waiting = {
        let request = call.request(reqwest::Method::POST).json(&rpc(
            9,
            "tools/call",
            json!({"name": "demo__wait"}),
        ));
        tokio::spawn(async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        })
    };
    // Past the portal's time limit, the call is still running: only its cancellation ends it.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!waiting.is_finished(), "the MCP call was cut off");
    let (status, _, _) = call
        .post(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 9}}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, answer) = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["error"]["code"], -32800, "{answer}");
}
