//! `/health/vendors`: operators only (signed out and other users refused), JSON or a page, and
//! what it reports after real checks and tool calls against the IT Glue fake — never a
//! credential, a connection or customer data.

use domain::config::{OriginOverrides, StringList};
use reqwest::StatusCode;
use serde_json::{json, Value};
use vendor_fakes::{itglue, FailureMode, Options};

use crate::{
    connections::call_json,
    helpers::{location, spawn_app_with, Browser, TestApp},
    mcp::{initialize, rpc, sign_in_and_authorize, Call},
};

const PATH: &str = "/health/vendors";

fn operators(raw: &mut domain::config::RawSettings) {
    raw.operators = StringList::Joined("dev:olga@example.com".into());
}

async fn get_json(client: &reqwest::Client, app: &TestApp) -> (StatusCode, String) {
    let response = client
        .get(app.url(PATH))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn olga(app: &TestApp) -> Browser {
    app.browser("Olga", "olga@example.com").await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_operators_see_vendor_health() {
    // Arrange
    let app = spawn_app_with(operators).await;
    // Signed out: 401 as JSON, sign-in and back as a page.
    let (status, body) = get_json(&app.client, &app).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let page = app.get(PATH).await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/auth/login?next=/health/vendors");
    // A signed-in user who is not an operator: 403 either way, with nothing of the report.
    app.dev_login("Mallory", "mallory@example.com", "").await;
    let (status, body) = get_json(&app.client, &app).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"error": "forbidden"})
    );
    let page = app.get(PATH).await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    let html = page.text().await.unwrap();
    assert!(html.contains("Only the gateway's operators"));
    assert!(!html.contains("vendor-health"));

    // Act: an operator.
    let olga = olga(&app).await;
    let (status, body) = get_json(&olga.client, &app).await;

    // Assert: every vendor of the catalog, idle on a fresh replica.
    assert_eq!(status, StatusCode::OK, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["scope"], "this replica, in memory, since it started");
    let vendors = report["vendors"].as_array().unwrap();
    assert_eq!(
        vendors.len(),
        domain::vendors::Catalog::load(None).unwrap().iter().count()
    );
    assert!(vendors.iter().all(|v| v["status"] == "idle"), "{body}");
    let page = olga.get(PATH).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<table class="table" id="vendor-health">"#));
    assert!(html.contains(r#"id="health-itglue""#));
    assert!(
        html.contains(r#"href="/pkg/mcp-gateway.css""#),
        "the portal's style"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_and_calls_show_up_per_vendor_kind_without_secrets_or_connections() {
    // Arrange: IT Glue behind its fake; breakers open at the first failure.
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let overrides = fake.origin_overrides();
    let app = spawn_app_with(|raw| {
        operators(raw);
        raw.outbound_origin_overrides = OriginOverrides::Table(overrides);
        raw.vendor_breaker_failures = 1;
        raw.vendor_breaker_cooldown_seconds = 120;
    })
    .await;
    let (token, ada, _) = sign_in_and_authorize(&app, "Ada").await;
    let wrong_key = "ITG.wrong-canary-4f1a9e";
    let name = "Ada's quarterly board docs";
    let connect = |key: &'static str| {
        call_json(
            &ada.client,
            &app.base,
            "connections/create",
            json!({"placement": "personal", "vendor": "itglue", "slug": "boarddocs", "name": name,
                "fields": [["region", "us"], ["api_key", key]]}),
        )
    };
    // Act: a refused check, an accepted one, a good call, then the vendor fails (500 echoing the
    // key back) and the breaker opens.
    assert_eq!(connect(wrong_key).await.0, StatusCode::BAD_REQUEST);
    let (status, id) = connect(itglue::API_KEY).await;
    assert_eq!(status, StatusCode::OK, "{id}");
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);
    let list = |id| {
        rpc(
            id,
            "tools/call",
            json!({"name": "boarddocs__list_organizations", "arguments": {}}),
        )
    };
    let (_, ok, _) = call.post(list(2)).await;
    assert_ne!(ok["result"]["isError"], true, "{ok}");
    fake.set_failure(Some(FailureMode::ServerErrorEchoingCredential));
    let (_, failed, _) = call.post(list(3)).await;
    assert_eq!(failed["result"]["isError"], true, "{failed}");
    let olga = olga(&app).await;
    let (status, body) = get_json(&olga.client, &app).await;

    // Assert
    assert_eq!(status, StatusCode::OK, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    let itglue = report["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["vendor"] == "itglue")
        .unwrap();
    assert_eq!(itglue["status"], "paused", "{itglue}");
    assert_eq!(itglue["consecutive_failures"], 1);
    assert_eq!(itglue["last_error_class"], "vendor_error");
    assert_eq!(
        itglue["successes"], 2,
        "the accepted check and the good call"
    );
    assert_eq!(
        itglue["failures"], 2,
        "the refused check and the failed call"
    );
    assert!(itglue["last_success_at"].is_string() && itglue["last_failure_at"].is_string());
    assert_eq!(itglue["breakers"], json!({"open": 1, "half_open": 0}));
    let page = olga.get(PATH).await.text().await.unwrap();
    for (what, text) in [("JSON", &body), ("page", &page)] {
        for (secret, value) in [
            ("the key", itglue::API_KEY),
            ("the refused key", wrong_key),
            ("the connection's id", id.as_str().unwrap()),
            ("the connection's slug", "boarddocs"),
            ("the connection's name", "quarterly board"),
            ("the user", "Ada"),
            ("customer data", "Client 01"),
        ] {
            assert!(!text.contains(value), "{what} shows {secret}: {text}");
        }
    }
}
