//! Microsoft 365 connected by consent through the real routes: the portal's server function
//! gives the consent URL, the Microsoft 365 fake's page is accepted, the gateway's callback saves
//! the connection; the state is single use and bound to the user (MCP-2); a refused refresh makes
//! the connection "needs reconnecting" for `/v1/mcp` and the page, and Reconnect restores it.

use std::collections::BTreeMap;

use domain::config::{OriginOverrides, RawVendorOAuth};
use reqwest::StatusCode;
use serde_json::{json, Value};
use vendor_fakes::{microsoft365, FakeVendor, Options};

use crate::{
    connections::{call_json, call_json_form},
    helpers::{spawn_app_with, TestApp},
    mcp::{initialize, rpc, sign_in_and_authorize, Call},
};

async fn gateway(fake: &FakeVendor) -> TestApp {
    let overrides = fake.origin_overrides();
    spawn_app_with(|raw| {
        raw.outbound_origin_overrides = OriginOverrides::Table(overrides);
        raw.vendor_oauth = BTreeMap::from([(
            "microsoft-365".to_owned(),
            RawVendorOAuth {
                client_id: Some(microsoft365::CLIENT_ID.into()),
                client_secret: Some(microsoft365::CLIENT_SECRET.to_owned().into()),
            },
        )]);
    })
    .await
}

/// The vendor's consent page, accepted: where the vendor sends the browser back.
async fn accept(authorize_url: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser.get(authorize_url).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Accept"));
    let answer = browser
        .post(authorize_url)
        .form(&[("decision", "accept")])
        .send()
        .await
        .unwrap();
    answer.headers()["location"].to_str().unwrap().to_owned()
}

async fn start(app: &TestApp, client: &reqwest::Client) -> String {
    let (status, url) = call_json(
        client,
        &app.base,
        "connections/consent",
        json!({"placement": "personal", "vendor": "microsoft-365", "slug": "", "name": "Contoso",
            "fields": [["tenant", microsoft365::TENANT_DOMAIN]]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{url}");
    url.as_str().unwrap().to_owned()
}

async fn card(app: &TestApp, client: &reqwest::Client) -> Value {
    let (status, view) = call_json_form(client, &app.base, "connections/get", &[]).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    view["personal"][0].clone()
}

fn text(body: &Value) -> String {
    body["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsoft_365_is_connected_by_consent_refused_refreshes_need_reconnecting_and_reconnect_restores_it(
) {
    // Arrange
    let fake = microsoft365::spawn(Options::default()).await.unwrap();
    let app = gateway(&fake).await;
    let (token, ada, _) = sign_in_and_authorize(&app, "Ada").await;
    // Short-lived tokens: every call refreshes.
    microsoft365::set_token_lifetime(&fake, 60);

    // Act: Connect with Microsoft → the fake's consent page → the gateway's callback.
    let url = start(&app, &ada.client).await;
    assert!(
        url.starts_with(&fake.origin),
        "the browser reaches the stand-in: {url}"
    );
    let back = accept(&url).await;
    assert!(
        back.starts_with(&format!("{}/connections/oauth/callback?", app.base)),
        "{back}"
    );
    let done = ada.client.get(&back).send().await.unwrap();

    // Assert: back on the card; working; tools answer through /v1/mcp.
    assert!(done.status().is_redirection());
    let location = done.headers()["location"].to_str().unwrap().to_owned();
    let connection = card(&app, &ada.client).await;
    assert_eq!(
        location,
        format!(
            "/connections#connection-{}",
            connection["id"].as_str().unwrap()
        )
    );
    assert_eq!(
        (
            connection["status"].as_str(),
            connection["consent"].as_bool()
        ),
        (Some("ok"), Some(true))
    );
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);
    let list = rpc(
        3,
        "tools/call",
        json!({"name": "microsoft-365__list_users", "arguments": {"limit": 3}}),
    );
    let (status, called, _) = call.post(list.clone()).await;
    assert_eq!(status, StatusCode::OK, "{called}");
    assert!(text(&called).contains("Adele Vance"), "{called}");
    assert!(microsoft365::refreshes(&fake) >= 1);

    // The state was single use: the same answer again is refused with a page that says so.
    let replay = ada.client.get(&back).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(replay.text().await.unwrap().contains("already used"));

    // The vendor refuses the refresh: the call says "needs reconnecting" and links the card.
    microsoft365::refuse_refresh(&fake, true);
    let (_, refused, _) = call.post(list.clone()).await;
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    assert!(text(&refused).contains("needs reconnecting"), "{refused}");
    assert!(text(&refused).contains(&format!(
        "/connections#connection-{}",
        connection["id"].as_str().unwrap()
    )));
    assert_eq!(card(&app, &ada.client).await["status"], "needs_reconnect");

    // Reconnect: the same connection works again (long-lived tokens now, refusal still on).
    microsoft365::set_token_lifetime(&fake, 3599);
    let (status, url) = call_json_form(
        &ada.client,
        &app.base,
        "connections/reconnect",
        &[("id", connection["id"].as_str().unwrap())],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{url}");
    let back = accept(url.as_str().unwrap()).await;
    assert!(ada
        .client
        .get(&back)
        .send()
        .await
        .unwrap()
        .status()
        .is_redirection());
    let again = card(&app, &ada.client).await;
    assert_eq!(
        (
            again["id"].clone(),
            again["slug"].clone(),
            again["status"].clone()
        ),
        (
            connection["id"].clone(),
            json!("microsoft-365"),
            json!("ok")
        )
    );
    let (_, called, _) = call.post(list).await;
    assert!(text(&called).contains("Adele Vance"), "{called}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_or_a_forged_state_is_refused_at_the_callback() {
    let fake = microsoft365::spawn(Options::default()).await.unwrap();
    let app = gateway(&fake).await;
    let (_, ada, _) = sign_in_and_authorize(&app, "Ada").await;
    let (_, bob, _) = sign_in_and_authorize(&app, "Bob").await;
    let back = accept(&start(&app, &ada.client).await).await;
    // Bob's session cannot finish Ada's flow.
    let theirs = bob.client.get(&back).send().await.unwrap();
    assert_eq!(theirs.status(), StatusCode::FORBIDDEN);
    assert!(theirs
        .text()
        .await
        .unwrap()
        .contains("started by someone else"));
    // A forged state is refused; nothing reached the token endpoint.
    let forged = ada
        .client
        .get(app.url("/connections/oauth/callback?code=x&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert!(!fake.requests().iter().any(|r| r.path.ends_with("/token")));
    // Ada's own flow still finishes.
    assert!(ada
        .client
        .get(&back)
        .send()
        .await
        .unwrap()
        .status()
        .is_redirection());
    assert_eq!(card(&app, &ada.client).await["status"], "ok");
}

#[tokio::test]
async fn without_the_operators_app_microsoft_365_is_not_configured() {
    let fake = microsoft365::spawn(Options::default()).await.unwrap();
    let app = spawn_app_with(|_| {}).await;
    let (_, ada, _) = sign_in_and_authorize(&app, "Ada").await;
    let (status, view) = call_json_form(&ada.client, &app.base, "connections/get", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let m365 = view["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["slug"] == "microsoft-365")
        .unwrap()
        .clone();
    assert_eq!(
        (
            m365["consent_provider"].as_str(),
            m365["consent_configured"].as_bool()
        ),
        (Some("Microsoft"), Some(false))
    );
    let (status, refused) = call_json(&ada.client, &app.base, "connections/consent",
        json!({"placement": "personal", "vendor": "microsoft-365", "slug": "", "name": "", "fields": [["tenant", microsoft365::TENANT_DOMAIN]]})).await;
    assert_ne!(status, StatusCode::OK);
    assert!(
        refused
            .to_string()
            .contains("not configured by the operator"),
        "{refused}"
    );
    assert!(fake.requests().is_empty());
}
