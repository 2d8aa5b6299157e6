//! Vendor connections through the portal's server functions: connect, refusals with their
//! reasons, secrets never returned, other people's connections not found.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

const CANARY: &str = "canary-demo-key-5b1e9f0c";

/// Calls a JSON-encoded server function (`/api/<endpoint>`) as the page's JavaScript does.
pub async fn call_json(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = client
        .post(format!("{base}/api/{endpoint}"))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Calls a form-encoded server function with any client.
pub async fn call_json_form(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let response = client
        .post(format!("{base}/api/{endpoint}"))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn demo(placement: &str, slug: &str, key: &str) -> Value {
    json!({
        "placement": placement,
        "vendor": "demo",
        "slug": slug,
        "name": "",
        "fields": [["api_key", key]],
    })
}

async fn signed_in(app: &TestApp, name: &str) {
    let email = format!("{}@example.com", name.to_lowercase());
    assert!(app
        .dev_login(name, &email, "")
        .await
        .status()
        .is_redirection());
}

#[tokio::test]
async fn connecting_the_demo_vendor_shows_it_in_effect_without_its_secret() {
    let app = spawn_app().await;
    signed_in(&app, "Alice").await;
    let (status, id) = call_json(
        &app.client,
        &app.base,
        "connections/create",
        demo("personal", "demo", CANARY),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{id}");
    let (status, view) = app.call("connections/get", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let text = view.to_string();
    assert!(
        !text.contains(CANARY),
        "the secret never goes back to the browser"
    );
    assert_eq!(view["personal"][0]["id"], id);
    assert_eq!(view["personal"][0]["status"], "ok");
    assert_eq!(view["effective"][0]["slug"], "demo");
    let page = app.get("/connections").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("In effect for your AI clients"),
        "the page renders its sections"
    );
    assert!(!html.contains(CANARY));
    let (status, result) = app
        .call("connections/test", &[("id", id.as_str().unwrap())])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(result["ok"], true);
}

#[tokio::test]
async fn refusals_name_the_field_or_the_reason_and_save_nothing() {
    let app = spawn_app().await;
    signed_in(&app, "Alice").await;
    let (status, error) = call_json(
        &app.client,
        &app.base,
        "connections/create",
        demo("personal", "Bad Slug", ""),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let fields = error["Fields"]
        .as_array()
        .expect("per-field errors")
        .clone();
    let named: Vec<&str> = fields.iter().filter_map(|f| f[0].as_str()).collect();
    assert!(named.contains(&"slug"), "{error}");
    // Shared connections belong to an organisation.
    let (status, error) = call_json(
        &app.client,
        &app.base,
        "connections/create",
        demo("organization", "demo", CANARY),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert!(error.to_string().contains("organisation"), "{error}");
    let (_, view) = app.call("connections/get", &[]).await;
    assert_eq!(view["personal"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn another_users_connection_is_not_found_and_stays() {
    let app = spawn_app().await;
    signed_in(&app, "Alice").await;
    let (_, id) = call_json(
        &app.client,
        &app.base,
        "connections/create",
        demo("personal", "demo", CANARY),
    )
    .await;
    let id = id.as_str().unwrap().to_owned();
    let (bob, _) = app.browser("Bob", "bob@example.com").await;
    for endpoint in ["connections/delete", "connections/test"] {
        let (status, _) = bob.call(endpoint, &[("id", &id)]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint}");
    }
    let (status, _) = call_json(
        &bob.client,
        &app.base,
        "connections/update",
        json!({"id": id, "slug": "stolen", "name": "", "fields": [["api_key", "x"]]}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, view) = app.call("connections/get", &[]).await;
    assert_eq!(view["personal"][0]["slug"], "demo");
    // Alice disconnects it herself.
    let (status, _) = app.call("connections/delete", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, view) = app.call("connections/get", &[]).await;
    assert!(view["personal"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn connection_changes_are_audited_without_secrets() {
    let app = spawn_app().await;
    signed_in(&app, "Alice").await;
    call_json(
        &app.client,
        &app.base,
        "connections/create",
        demo("personal", "demo", CANARY),
    )
    .await;
    let events: Vec<domain::entity::audit_events::Model> =
        <domain::entity::audit_events::Entity as sea_orm::EntityTrait>::find()
            .all(&app.db.db)
            .await
            .unwrap();
    let created = events
        .iter()
        .find(|e| e.action == "connection.create")
        .expect("connection.create recorded");
    assert_eq!(created.outcome, "success");
    assert!(created
        .detail
        .as_deref()
        .unwrap_or_default()
        .contains("vendor=demo"));
    assert!(events.iter().all(|e| !format!("{e:?}").contains(CANARY)));
}
