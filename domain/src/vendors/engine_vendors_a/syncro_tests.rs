#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Syncro against its fake: the API token as a bearer header (never in the URL) on the
//! subdomain's host, numbered pages of 25, the write bodies and 429.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use vendor_fakes::{syncro, Options};

use super::super::engine_tests::{def, engine, NOW};
use super::*;

#[tokio::test]
async fn syncro_check_sends_the_token_as_bearer_to_the_subdomain() {
    // Arrange
    let fake = syncro::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    // Act
    let outcome = engine
        .check(&def("syncro"), &syncro_creds(syncro::API_TOKEN), NOW)
        .await;
    // Assert
    assert_eq!(
        outcome,
        CheckOutcome::Authenticated {
            detail: Some("token of Gateway Tech".into())
        }
    );
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/api/v1/me");
    assert_eq!(sent.query, None, "the token never goes into the URL");
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {}", syncro::API_TOKEN).as_str())
    );
}

#[tokio::test]
async fn syncro_wrong_token_is_rejected_and_the_subdomain_picks_the_account() {
    let fake = syncro::spawn(Options::default()).await.unwrap();
    let engine = engine_mapping(&[
        (
            format!("https://{}.syncromsp.com", syncro::SUBDOMAIN),
            fake.origin.clone(),
        ),
        ("https://other.syncromsp.com".into(), closed_port()),
    ]);
    let def = def("syncro");
    assert_eq!(
        engine
            .check(&def, &syncro_creds("T0not-the-token"), NOW)
            .await,
        CheckOutcome::Rejected {
            vendor_message: Some("Not authorized: the API token is invalid or expired.".into())
        }
    );
    let mut other = syncro_creds(syncro::API_TOKEN);
    other.settings.insert("subdomain".into(), "other".into());
    assert_eq!(
        engine.check(&def, &other, NOW).await,
        CheckOutcome::ConnectionRefused
    );
    // The subdomain is one DNS label, not a host or a URL.
    for subdomain in ["msp.evil.example", "https://msp", "msp/x", "-msp"] {
        let form = BTreeMap::from([
            ("subdomain".to_owned(), subdomain.to_owned()),
            ("api_token".to_owned(), "T0x".to_owned()),
        ]);
        let errors = def.validate_form(&form).unwrap_err().0;
        assert!(errors.contains_key("subdomain"), "{subdomain}");
    }
}

#[tokio::test]
async fn syncro_lists_page_by_page_number_in_order() {
    // Arrange: two customers a page.
    let fake = syncro::spawn(Options {
        max_page_size: Some(2),
        ..Options::default()
    })
    .await
    .unwrap();
    let engine = engine(&[&fake], None);
    // Act
    let out = engine
        .call(
            &def("syncro"),
            &syncro_creds(syncro::API_TOKEN),
            "list_customers",
            json!({"limit": 5}),
            NOW,
        )
        .await
        .unwrap();
    // Assert
    assert_eq!(
        ids(&out, "id"),
        (501..=505).map(|i| json!(i)).collect::<Vec<_>>()
    );
    assert!(out.truncated);
    let asked: Vec<Option<String>> = fake
        .requests()
        .iter()
        .map(|r| r.query_param("page"))
        .collect();
    assert_eq!(
        asked,
        [Some("1".into()), Some("2".into()), Some("3".into())]
    );
}

#[tokio::test]
async fn syncro_writes_send_the_documented_bodies() {
    // Arrange
    let fake = syncro::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("syncro");
    let creds = syncro_creds(syncro::API_TOKEN);
    let last_body = || serde_json::from_str::<Value>(&fake.requests().pop().unwrap().body).unwrap();
    // Act + Assert: an internal comment that e-mails nobody, by default.
    let comment = engine
        .call(
            &def,
            &creds,
            "add_ticket_comment",
            json!({"ticket_id": 9101, "body": "Toner replaced."}),
            NOW,
        )
        .await
        .unwrap();
    let sent = fake.requests().pop().unwrap();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/api/v1/tickets/9101/comment")
    );
    assert_eq!(
        last_body(),
        json!({"subject": "Update", "body": "Toner replaced.", "hidden": true, "do_not_email": true})
    );
    assert_eq!(comment.structured.unwrap()["ticket_id"], 9101);
    // A ticket with a description carries it as its first comment; without one, none.
    engine
        .call(
            &def,
            &creds,
            "create_ticket",
            json!({"customer_id": 501, "subject": "VPN down", "problem_type": "Network", "description": "Since 9am."}),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        last_body(),
        json!({"customer_id": 501, "subject": "VPN down", "problem_type": "Network", "status": "New",
            "comments_attributes": [{"subject": "Initial Issue", "body": "Since 9am.", "hidden": false}]})
    );
    engine
        .call(
            &def,
            &creds,
            "create_ticket",
            json!({"customer_id": 501, "subject": "Mouse", "problem_type": "Hardware"}),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(last_body()["comments_attributes"], json!([]));
    let resolved = engine
        .call(
            &def,
            &creds,
            "set_ticket_status",
            json!({"ticket_id": 9102, "status": "Resolved"}),
            NOW,
        )
        .await
        .unwrap();
    let sent = fake.requests().pop().unwrap();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("PUT", "/api/v1/tickets/9102")
    );
    assert_eq!(last_body(), json!({"status": "Resolved"}));
    assert_eq!(resolved.structured.unwrap()["status"], "Resolved");
}

#[tokio::test]
async fn syncro_429_is_rate_limited_with_retry_after() {
    let fake = syncro::spawn(Options::default()).await.unwrap();
    assert_rate_limited(
        &fake,
        "syncro",
        &syncro_creds(syncro::API_TOKEN),
        "list_tickets",
        json!({}),
    )
    .await;
}
