#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Atera and Hudu against their fakes (Huntress and SentinelOne: `engine_vendors_b_security_tests.rs`,
//! with the helpers here): each check authenticates with the right credential and is rejected
//! with a wrong one, lists page the vendor's way across small pages, a write sends the body the
//! vendor documents, and a 429 is `rate_limited` with its Retry-After; the four definitions'
//! coverage and the URL-field base URL. Every tool's examples run in `engine_vendor_tests.rs`.

use std::time::Duration;

use serde_json::{json, Value};
use vendor_fakes::{atera, hudu, FailureMode, Options};

use super::engine_tests::{catalog, creds, def, engine, NOW};
use super::*;

/// The vendors this file covers.
const VENDORS: &[&str] = &["atera", "hudu", "huntress", "sentinelone"];

pub(super) fn small_pages() -> Options {
    Options {
        max_page_size: Some(2),
        ..Options::default()
    }
}

/// The `items[*].<field>` values of a list tool's output.
pub(super) fn column(out: &ToolOutput, field: &str) -> Vec<Value> {
    let v = out.structured.as_ref().unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[field].clone())
        .collect()
}

/// The last request the fake received, its body parsed as JSON.
pub(super) fn last_body(fake: &vendor_fakes::FakeVendor) -> (vendor_fakes::Recorded, Value) {
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
        // SentinelOne documents its limits per endpoint only: its 429s are passed on.
        assert!(
            def.limits.rate.is_some() || slug == "sentinelone",
            "{slug}: documented rate limit"
        );
    }
}

#[test]
fn a_base_url_may_be_a_url_field_followed_by_a_fixed_path_and_nothing_else() {
    // Arrange: the Hudu definition with its base URL rewritten.
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../vendors/hudu.toml"))
            .unwrap();
    assert!(text.contains("url = \"{url}/api/v1\""));
    let with = |base: &str| {
        let changed = text.replace("url = \"{url}/api/v1\"", &format!("url = \"{base}\""));
        Catalog::from_sources(vec![("hudu.toml".into(), changed)])
    };
    // Act / Assert: a URL field then a path loads; a non-URL field, a query or a bare
    // http URL does not.
    assert!(with("{url}/api/v1").is_ok());
    for bad in [
        "{api_key}/api/v1",
        "{url}?x=1",
        "{url}api",
        "http://{url}/api",
    ] {
        let e = with(bad).unwrap_err();
        assert!(e.reason.contains("[base_url]"), "{bad}: {e}");
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

// ---- Hudu --------------------------------------------------------------------------------

fn hudu_creds(url: &str, key: &str) -> ConnectionCredentials {
    creds(&[("url", url)], &[("api_key", key)])
}

#[tokio::test]
async fn hudu_check_goes_to_the_instance_with_the_x_api_key_and_a_wrong_key_is_rejected() {
    // Arrange
    let fake = hudu::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("hudu");
    // Act: the URL as users paste it, with a trailing slash.
    let ok = engine
        .check(
            &def,
            &hudu_creds(&format!("{}/", hudu::URL), hudu::API_KEY),
            NOW,
        )
        .await;
    let wrong = engine
        .check(&def, &hudu_creds(hudu::URL, "notTheHuduKey0123456789"), NOW)
        .await;
    // Assert
    assert_eq!(
        ok,
        CheckOutcome::Authenticated {
            detail: Some("companies readable (first: Client 01)".into())
        }
    );
    assert_eq!(wrong.class(), "rejected");
    assert!(
        wrong.message().contains("Invalid API key"),
        "{}",
        wrong.message()
    );
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/api/v1/companies");
    assert_eq!(sent.query_param("page_size").as_deref(), Some("1"));
    assert_eq!(sent.header("x-api-key"), Some(hudu::API_KEY));
}

#[tokio::test]
async fn hudu_lists_ask_numbered_pages_until_an_empty_one() {
    // Arrange: the fake answers at most 2 items a page.
    let fake = hudu::spawn(small_pages()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, creds) = (def("hudu"), hudu_creds(hudu::URL, hudu::API_KEY));
    // Act
    let companies = engine
        .call(&def, &creds, "list_companies", json!({"limit": 5}), NOW)
        .await
        .unwrap();
    let expirations = engine
        .call(&def, &creds, "list_expirations", json!({}), NOW)
        .await
        .unwrap();
    // Assert: companies 1..5 in order from pages 1, 2, 3.
    assert_eq!(column(&companies, "id"), [1, 2, 3, 4, 5].map(|i| json!(i)));
    assert!(companies.truncated);
    let pages: Vec<Option<String>> = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/companies")
        .map(|r| r.query_param("page"))
        .collect();
    assert_eq!(pages, [None, Some("2".into()), Some("3".into())]);
    // All 5 expirations (a bare array): pages of 2, 2, 1, then an empty page 4 ends it.
    assert_eq!(column(&expirations, "id").len(), 5);
    assert!(!expirations.truncated);
    assert_eq!(fake.count("/api/v1/expirations"), 4);
}

#[tokio::test]
async fn hudu_writes_send_the_article_body_and_password_values_never_leave() {
    // Arrange
    let fake = hudu::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, creds) = (def("hudu"), hudu_creds(hudu::URL, hudu::API_KEY));
    // Act
    let created = engine
        .call(
            &def,
            &creds,
            "create_article",
            json!({"name": "Printer driver", "content": "<p>Use 5.1.</p>", "company_id": 3}),
            NOW,
        )
        .await
        .unwrap();
    let (article_req, article_body) = last_body(&fake);
    engine
        .call(
            &def,
            &creds,
            "archive_asset",
            json!({"company_id": 3, "id": 2001}),
            NOW,
        )
        .await
        .unwrap();
    let (archive_req, _) = last_body(&fake);
    let passwords = engine
        .call(
            &def,
            &creds,
            "list_passwords",
            json!({"company_id": 3}),
            NOW,
        )
        .await
        .unwrap();
    // Assert
    assert_eq!(
        (article_req.method.as_str(), article_req.path.as_str()),
        ("POST", "/api/v1/articles")
    );
    assert_eq!(
        article_body,
        json!({"article": {"name": "Printer driver", "content": "<p>Use 5.1.</p>", "company_id": 3}})
    );
    assert_eq!(created.structured.unwrap()["name"], "Printer driver");
    assert_eq!(
        (archive_req.method.as_str(), archive_req.path.as_str()),
        ("PUT", "/api/v1/companies/3/assets/2001/archive")
    );
    assert!(archive_req.body.is_empty());
    assert_eq!(fake.data()["assets"][0]["archived"], true);
    assert!(passwords.text.contains("Firewall admin 1"));
    assert!(!passwords.text.contains("s3cret-hudu") && !passwords.text.contains("JBSWY3DP"));
}

#[tokio::test]
async fn hudu_429_is_rate_limited_with_the_retry_after_seconds() {
    let fake = hudu::spawn(Options::default()).await.unwrap();
    fake.set_failure(Some(FailureMode::RateLimited { retry_after: 20 }));
    let e = engine(&[&fake], None)
        .call(
            &def("hudu"),
            &hudu_creds(hudu::URL, hudu::API_KEY),
            "list_articles",
            json!({}),
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        CallError::RateLimited {
            retry_after: Some(Duration::from_secs(20))
        }
    );
}
