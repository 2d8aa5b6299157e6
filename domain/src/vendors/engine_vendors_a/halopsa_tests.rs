#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! HaloPSA against its fake: the client-credentials token from the tenant host with the
//! permissions the application has, numbered pages, the array bodies of the writes and 429.

use serde_json::{json, Value};
use vendor_fakes::{halopsa, Options};

use super::super::engine_tests::{def, engine, NOW};
use super::*;

const HALO_SCOPE: &str = "read:tickets edit:tickets read:customers read:assets read:kb";

#[tokio::test]
async fn halopsa_check_gets_a_client_credentials_token_from_the_tenant_host() {
    // Arrange
    let fake = halopsa::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    // Act
    let outcome = engine
        .check(&def("halopsa"), &halo_creds(halopsa::CLIENT_SECRET), NOW)
        .await;
    // Assert
    assert_eq!(
        outcome,
        CheckOutcome::Authenticated {
            detail: Some("acting as Gateway Agent".into())
        }
    );
    let requests = fake.requests();
    let token = &requests[0];
    assert_eq!(
        (token.method.as_str(), token.path.as_str()),
        ("POST", "/auth/token")
    );
    assert!(token.header("authorization").is_none());
    let form = form_of(token);
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], halopsa::CLIENT_ID);
    assert_eq!(form["client_secret"], halopsa::CLIENT_SECRET);
    assert_eq!(form["scope"], HALO_SCOPE);
    assert_eq!(requests[1].path, "/api/agent/me");
    assert_eq!(
        requests[1].header("authorization"),
        Some("Bearer fake-halo-access-token-0001")
    );
}

#[tokio::test]
async fn halopsa_wrong_secret_is_rejected_and_scopes_and_host_matter() {
    let fake = halopsa::spawn(Options::default()).await.unwrap();
    let engine = engine_mapping(&[
        (format!("https://{}", halopsa::HOST), fake.origin.clone()),
        ("https://other.halopsa.com".into(), closed_port()),
    ]);
    let def = def("halopsa");
    assert_eq!(
        engine.check(&def, &halo_creds("not-the-secret"), NOW).await,
        CheckOutcome::Rejected {
            vendor_message: Some("invalid_client".into())
        }
    );
    assert_eq!(api_requests(&fake, "/auth/token").len(), 0);
    // A scope beyond the application's permissions is refused by the token endpoint.
    let greedy = altered(
        "halopsa",
        &format!("scope = \"{HALO_SCOPE}\""),
        "scope = \"all\"",
    );
    let outcome = engine
        .check(&greedy, &halo_creds(halopsa::CLIENT_SECRET), NOW)
        .await;
    assert!(
        matches!(&outcome, CheckOutcome::Unexpected { status: Some(400), summary } if summary.contains("invalid_scope")),
        "{outcome:?}"
    );
    // Without edit:tickets the token reads but cannot write.
    let reader = altered("halopsa", "read:tickets edit:tickets", "read:tickets");
    let creds = halo_creds(halopsa::CLIENT_SECRET);
    assert!(engine.check(&reader, &creds, NOW).await.is_ok());
    let write = engine
        .call(
            &reader,
            &creds,
            "add_ticket_note",
            json!({"ticket_id": 2001, "note": "x"}),
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(write.class(), "forbidden");
    // The tenant host is where both the token and the API are asked.
    let mut elsewhere = halo_creds(halopsa::CLIENT_SECRET);
    elsewhere
        .settings
        .insert("host".into(), "other.halopsa.com".into());
    assert_eq!(
        engine.check(&def, &elsewhere, NOW).await,
        CheckOutcome::ConnectionRefused
    );
}

#[tokio::test]
async fn halopsa_lists_page_by_page_no_in_order() {
    // Arrange: two clients a page.
    let fake = halopsa::spawn(Options {
        max_page_size: Some(2),
        ..Options::default()
    })
    .await
    .unwrap();
    let engine = engine(&[&fake], None);
    // Act
    let out = engine
        .call(
            &def("halopsa"),
            &halo_creds(halopsa::CLIENT_SECRET),
            "list_clients",
            json!({"limit": 5}),
            NOW,
        )
        .await
        .unwrap();
    // Assert
    assert_eq!(
        ids(&out, "id"),
        (11..=15).map(|i| json!(i)).collect::<Vec<_>>()
    );
    assert!(out.truncated);
    let pages = api_requests(&fake, "/auth/token");
    let asked: Vec<(Option<String>, Option<String>, Option<String>)> = pages
        .iter()
        .map(|r| {
            (
                r.query_param("pageinate"),
                r.query_param("page_no"),
                r.query_param("page_size"),
            )
        })
        .collect();
    let page = |n: &str| (Some("true".into()), Some(n.into()), Some("5".into()));
    assert_eq!(asked, [page("1"), page("2"), page("3")]);
}

#[tokio::test]
async fn halopsa_writes_post_an_array_of_one_record() {
    // Arrange
    let fake = halopsa::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("halopsa");
    let creds = halo_creds(halopsa::CLIENT_SECRET);
    // Act
    let note = engine
        .call(
            &def,
            &creds,
            "add_ticket_note",
            json!({"ticket_id": 2001, "note": "Toner replaced."}),
            NOW,
        )
        .await
        .unwrap();
    // Assert
    let sent = api_requests(&fake, "/auth/token").pop().unwrap();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/api/actions")
    );
    assert_eq!(
        serde_json::from_str::<Value>(&sent.body).unwrap(),
        json!([{"ticket_id": 2001, "note": "Toner replaced.", "outcome": "Private Note", "hiddenfromuser": true}])
    );
    assert_eq!(note.structured.unwrap()["hidden"], true);
    let ticket = engine
        .call(
            &def,
            &creds,
            "create_ticket",
            json!({"client_id": 12, "summary": "VPN down", "details": "Since 9am."}),
            NOW,
        )
        .await
        .unwrap();
    let sent = api_requests(&fake, "/auth/token").pop().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&sent.body).unwrap(),
        json!([{"client_id": 12, "summary": "VPN down", "details": "Since 9am."}])
    );
    assert_eq!(ticket.structured.unwrap()["client"], "Acme Logistics");
}

#[tokio::test]
async fn halopsa_429_is_rate_limited_with_retry_after() {
    let fake = halopsa::spawn(Options::default()).await.unwrap();
    assert_rate_limited(
        &fake,
        "halopsa",
        &halo_creds(halopsa::CLIENT_SECRET),
        "list_tickets",
        json!({}),
    )
    .await;
}
