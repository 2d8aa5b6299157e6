#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Atera, Hudu, Huntress and SentinelOne against their fakes: each check authenticates with the
//! right credential and is rejected with a wrong one (and each part of the scheme is required),
//! lists page the vendor's way across small pages, a write sends the body the vendor documents,
//! and a 429 is `rate_limited` with its Retry-After. Every tool's examples run in
//! `engine_vendor_tests.rs`.

use std::time::Duration;

use serde_json::{json, Value};
use vendor_fakes::{atera, FailureMode, Options};

use super::engine_tests::{catalog, creds, def, engine, NOW};
use super::*;

/// The vendors this file covers.
const VENDORS: &[&str] = &["atera"];

fn small_pages() -> Options {
    Options {
        max_page_size: Some(2),
        ..Options::default()
    }
}

/// The `items[*].<field>` values of a list tool's output.
fn column(out: &ToolOutput, field: &str) -> Vec<Value> {
    let v = out.structured.as_ref().unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[field].clone())
        .collect()
}

/// The last request the fake received, its body parsed as JSON.
fn last_body(fake: &vendor_fakes::FakeVendor) -> (vendor_fakes::Recorded, Value) {
    let last = fake.requests().pop().unwrap();
    let body = serde_json::from_str(&last.body).unwrap_or(Value::Null);
    (last, body)
}

#[test]
fn the_four_definitions_cover_a_technicians_day_with_writes_setup_and_cited_docs() {
    let catalog = catalog();
    for &slug in VENDORS {
        let def = catalog.get(slug).unwrap();
        assert!((5..=15).contains(&def.tools.len()), "{slug}");
        assert!(
            def.tools.iter().filter(|t| t.destructive).count() >= 2,
            "{slug}"
        );
        assert!(def.tools.iter().all(|t| !t.examples.is_empty()), "{slug}");
        assert!(def.setup.is_some() && !def.docs.is_empty(), "{slug}");
        assert!(def.limits.rate.is_some(), "{slug}: documented rate limit");
    }
}

// ---- Atera -------------------------------------------------------------------------------

fn atera_creds(key: &str) -> ConnectionCredentials {
    creds(&[], &[("api_key", key)])
}

#[tokio::test]
async fn atera_check_sends_the_x_api_key_header_and_a_wrong_key_is_rejected() {
    // Arrange
    let fake = atera::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("atera");
    // Act
    let ok = engine.check(&def, &atera_creds(atera::API_KEY), NOW).await;
    let wrong = engine
        .check(&def, &atera_creds("not-the-atera-key-0000"), NOW)
        .await;
    // Assert
    assert_eq!(
        ok,
        CheckOutcome::Authenticated {
            detail: Some("25 customers visible".into())
        }
    );
    assert_eq!(wrong.class(), "rejected");
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/api/v3/customers");
    assert_eq!(sent.query_param("itemsInPage").as_deref(), Some("1"));
    assert_eq!(sent.header("x-api-key"), Some(atera::API_KEY));
}

#[tokio::test]
async fn atera_lists_follow_next_link_across_small_pages_and_an_empty_link_ends_them() {
    // Arrange: the fake answers at most 2 items a page.
    let fake = atera::spawn(small_pages()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, creds) = (def("atera"), atera_creds(atera::API_KEY));
    // Act
    let customers = engine
        .call(&def, &creds, "list_customers", json!({"limit": 5}), NOW)
        .await
        .unwrap();
    let articles = engine
        .call(&def, &creds, "list_kb_articles", json!({}), NOW)
        .await
        .unwrap();
    // Assert: customers 1..5 in order from three pages, more exist.
    assert_eq!(column(&customers, "id"), [1, 2, 3, 4, 5].map(|i| json!(i)));
    assert!(customers.truncated);
    assert_eq!(fake.count("/api/v3/customers"), 3);
    let second = &fake.requests()[1];
    assert_eq!(second.query_param("page").as_deref(), Some("2"));
    // All 5 articles from pages of 2, 2, 1; the last page's `nextLink: ""` ends the paging.
    assert_eq!(column(&articles, "id").len(), 5);
    assert!(!articles.truncated);
    assert_eq!(fake.count("/api/v3/knowledgebases"), 3);
}

#[tokio::test]
async fn atera_writes_send_the_documented_models() {
    // Arrange
    let fake = atera::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, creds) = (def("atera"), atera_creds(atera::API_KEY));
    // Act: a ticket, a comment on it, an alert resolved.
    let created = engine
        .call(
            &def,
            &creds,
            "create_ticket",
            json!({"title": "Printer offline", "description": "Since 9:00.", "end_user_id": 303, "priority": "High", "type": "Incident"}),
            NOW,
        )
        .await
        .unwrap();
    let (ticket_req, ticket_body) = last_body(&fake);
    engine
        .call(
            &def,
            &creds,
            "add_ticket_comment",
            json!({"ticket_id": 1031, "text": "Toner replaced.", "technician_email": "tech@msp.example"}),
            NOW,
        )
        .await
        .unwrap();
    let (comment_req, comment_body) = last_body(&fake);
    engine
        .call(&def, &creds, "resolve_alert", json!({"id": 7001}), NOW)
        .await
        .unwrap();
    let (resolve_req, _) = last_body(&fake);
    // Assert
    assert_eq!(created.structured, Some(json!({"ticket_id": "1031"})));
    assert_eq!(
        (ticket_req.method.as_str(), ticket_req.path.as_str()),
        ("POST", "/api/v3/tickets")
    );
    assert_eq!(
        ticket_body,
        json!({"TicketTitle": "Printer offline", "Description": "Since 9:00.", "EndUserID": 303,
            "TicketPriority": "High", "TicketType": "Incident"})
    );
    assert_eq!(ticket_req.header("content-type"), Some("application/json"));
    assert_eq!(comment_req.path, "/api/v3/tickets/1031/comments");
    assert_eq!(
        comment_body,
        json!({"CommentText": "Toner replaced.",
            "TechnicianCommentDetails": {"TechnicianEmail": "tech@msp.example", "IsInternal": true}})
    );
    assert_eq!(
        (resolve_req.method.as_str(), resolve_req.path.as_str()),
        ("PUT", "/api/v3/alerts/7001")
    );
    assert!(resolve_req.body.is_empty());
    assert_eq!(fake.data()["alerts"][0]["Archived"], true);
}

#[tokio::test]
async fn atera_429_is_rate_limited_with_the_retry_after_seconds() {
    let fake = atera::spawn(Options::default()).await.unwrap();
    fake.set_failure(Some(FailureMode::RateLimited { retry_after: 30 }));
    let e = engine(&[&fake], None)
        .call(
            &def("atera"),
            &atera_creds(atera::API_KEY),
            "list_tickets",
            json!({}),
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        CallError::RateLimited {
            retry_after: Some(Duration::from_secs(30))
        }
    );
}
