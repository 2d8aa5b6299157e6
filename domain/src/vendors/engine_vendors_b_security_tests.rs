#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Huntress and SentinelOne against their fakes: the check authenticates with the right
//! credential and every part of the scheme is required (Huntress: key and secret in basic auth;
//! SentinelOne: the `ApiToken` scheme word, a console host), lists follow the cursor the answer
//! gives across small pages, the resolution and triage writes send the documented bodies, and a
//! 429 is `rate_limited` with its Retry-After.

use std::time::Duration;

use serde_json::{json, Value};
use vendor_fakes::{huntress, sentinelone, FailureMode, Options};

use super::engine_tests::{creds, def, engine, NOW};
use super::engine_vendors_b_tests::{column, last_body, small_pages};
use super::*;

// ---- Huntress ----------------------------------------------------------------------------

fn huntress_creds(key: &str, secret: &str) -> ConnectionCredentials {
    creds(&[("api_key", key)], &[("api_secret", secret)])
}

#[tokio::test]
async fn huntress_check_uses_basic_key_and_secret_and_each_part_is_required() {
    // Arrange
    let fake = huntress::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("huntress");
    // Act
    let ok = engine
        .check(
            &def,
            &huntress_creds(huntress::API_KEY, huntress::API_SECRET),
            NOW,
        )
        .await;
    let wrong_secret = engine
        .check(&def, &huntress_creds(huntress::API_KEY, "hs_wrong"), NOW)
        .await;
    let wrong_key = engine
        .check(
            &def,
            &huntress_creds("hk_wrong0000", huntress::API_SECRET),
            NOW,
        )
        .await;
    let swapped = engine
        .check(
            &def,
            &huntress_creds(huntress::API_SECRET, huntress::API_KEY),
            NOW,
        )
        .await;
    // Assert
    assert_eq!(
        ok,
        CheckOutcome::Authenticated {
            detail: Some("account Example MSP".into())
        }
    );
    for refused in [&wrong_secret, &wrong_key, &swapped] {
        assert_eq!(refused.class(), "rejected", "{refused:?}");
    }
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/v1/account");
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        huntress::API_KEY,
        huntress::API_SECRET
    ));
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Basic {expected}").as_str())
    );
}

#[tokio::test]
async fn huntress_lists_pass_the_next_page_token_until_none_is_given() {
    // Arrange: the fake answers at most 2 items a page.
    let fake = huntress::spawn(small_pages()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, creds) = (
        def("huntress"),
        huntress_creds(huntress::API_KEY, huntress::API_SECRET),
    );
    // Act
    let orgs = engine
        .call(&def, &creds, "list_organizations", json!({"limit": 5}), NOW)
        .await
        .unwrap();
    let open = engine
        .call(
            &def,
            &creds,
            "list_escalations",
            json!({"status": "open"}),
            NOW,
        )
        .await
        .unwrap();
    // Assert: Huntress lists newest id first.
    assert_eq!(column(&orgs, "id"), [12, 11, 10, 9, 8].map(|i| json!(i)));
    assert!(orgs.truncated);
    let requests = fake.requests();
    assert_eq!(requests[0].query_param("page_token"), None);
    assert_eq!(requests[0].query_param("limit").as_deref(), Some("5"));
    assert!(requests[1].query_param("page_token").is_some());
    assert_eq!(requests[1].query_param("limit").as_deref(), Some("5"));
    // 8 open escalations in pages of 2; the last answer has no next_page_token.
    assert_eq!(column(&open, "id").len(), 8);
    assert!(!open.truncated);
    assert_eq!(fake.count("/v1/escalations"), 4);
}

#[tokio::test]
async fn huntress_resolutions_send_the_documented_bodies() {
    // Arrange
    let fake = huntress::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, creds) = (
        def("huntress"),
        huntress_creds(huntress::API_KEY, huntress::API_SECRET),
    );
    // Act
    let escalation = engine
        .call(
            &def,
            &creds,
            "resolve_escalation",
            json!({"id": 84938, "determination": "unauthorized", "scope": "organization"}),
            NOW,
        )
        .await
        .unwrap();
    let (esc_req, esc_body) = last_body(&fake);
    let report = engine
        .call(
            &def,
            &creds,
            "resolve_incident_report",
            json!({"id": 9001}),
            NOW,
        )
        .await
        .unwrap();
    let (report_req, _) = last_body(&fake);
    let pending = engine
        .call(
            &def,
            &creds,
            "resolve_incident_report",
            json!({"id": 9002}),
            NOW,
        )
        .await
        .unwrap_err();
    // Assert
    assert_eq!(
        (esc_req.method.as_str(), esc_req.path.as_str()),
        ("POST", "/v1/escalations/84938/resolution")
    );
    assert_eq!(
        esc_body,
        json!({"determination": "unauthorized", "scope": "organization"})
    );
    assert_eq!(
        escalation.structured.unwrap(),
        json!({"resolution_method": "rule", "id": 84938, "status": "resolved", "resolved_at": "2026-06-01T12:00:00Z"})
    );
    assert_eq!(report_req.path, "/v1/incident_reports/9001/resolution");
    assert!(report_req.body.is_empty());
    assert_eq!(report.structured.unwrap()["status"], "closed");
    // A report with a remediation not yet approved: Huntress answers 409.
    assert_eq!(pending, CallError::VendorError { status: 409, vendor_message: Some("Incident Report cannot be resolved. Confirm that all remediations are approved and report status is 'sent'.".into()) });
}

#[tokio::test]
async fn huntress_429_is_rate_limited_with_the_retry_after_seconds() {
    let fake = huntress::spawn(Options::default()).await.unwrap();
    fake.set_failure(Some(FailureMode::RateLimited { retry_after: 60 }));
    let e = engine(&[&fake], None)
        .call(
            &def("huntress"),
            &huntress_creds(huntress::API_KEY, huntress::API_SECRET),
            "list_agents",
            json!({}),
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        CallError::RateLimited {
            retry_after: Some(Duration::from_secs(60))
        }
    );
}

// ---- SentinelOne -------------------------------------------------------------------------

fn s1_creds(token: &str) -> ConnectionCredentials {
    creds(
        &[("console_url", sentinelone::CONSOLE_URL)],
        &[("api_token", token)],
    )
}

#[tokio::test]
async fn sentinelone_check_sends_apitoken_and_a_wrong_token_or_another_scheme_is_rejected() {
    // Arrange: the same definition saying `Bearer` instead of `ApiToken`.
    let fake = sentinelone::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("sentinelone");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vendors/sentinelone.toml"
    ))
    .unwrap();
    let bearer = text.replace("\"ApiToken {api_token}\"", "\"Bearer {api_token}\"");
    assert_ne!(bearer, text);
    let bearer = Catalog::from_sources(vec![("sentinelone.toml".into(), bearer)]).unwrap();
    let bearer = bearer.get("sentinelone").unwrap();
    // Act
    let ok = engine
        .check(&def, &s1_creds(sentinelone::API_TOKEN), NOW)
        .await;
    let wrong = engine
        .check(&def, &s1_creds("eyJ.not-the-token.0000000000"), NOW)
        .await;
    let other_scheme = engine
        .check(bearer, &s1_creds(sentinelone::API_TOKEN), NOW)
        .await;
    // Assert
    assert_eq!(
        ok,
        CheckOutcome::Authenticated {
            detail: Some("5 sites visible".into())
        }
    );
    assert_eq!(
        wrong,
        CheckOutcome::Rejected {
            vendor_message: Some("Invalid token".into())
        }
    );
    assert_eq!(other_scheme.class(), "rejected");
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/web/api/v2.1/sites");
    assert_eq!(sent.query_param("limit").as_deref(), Some("1"));
    assert_eq!(
        sent.header("authorization"),
        Some(format!("ApiToken {}", sentinelone::API_TOKEN).as_str())
    );
}

#[test]
fn sentinelone_console_url_must_be_a_sentinelone_host() {
    let def = def("sentinelone");
    let form = |url: &str| {
        std::collections::BTreeMap::from([
            ("console_url".to_owned(), url.to_owned()),
            ("api_token".to_owned(), sentinelone::API_TOKEN.to_owned()),
        ])
    };
    assert!(def
        .validate_form(&form("https://usea1-acme.sentinelone.net/"))
        .is_ok());
    for bad in [
        "https://evil.example",
        "https://sentinelone.net.evil.example",
        "http://usea1-acme.sentinelone.net",
    ] {
        let errors = def.validate_form(&form(bad)).unwrap_err().0;
        assert!(errors.contains_key("console_url"), "{bad}");
    }
}

#[tokio::test]
async fn sentinelone_lists_pass_the_next_cursor_until_it_is_null() {
    // Arrange: the fake answers at most 2 items a page.
    let fake = sentinelone::spawn(small_pages()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, creds) = (def("sentinelone"), s1_creds(sentinelone::API_TOKEN));
    // Act
    let agents = engine
        .call(&def, &creds, "list_agents", json!({"limit": 5}), NOW)
        .await
        .unwrap();
    let unresolved = engine
        .call(
            &def,
            &creds,
            "list_threats",
            json!({"incident_status": "unresolved"}),
            NOW,
        )
        .await
        .unwrap();
    // Assert
    let ids: Vec<Value> = (1..=5)
        .map(|i| json!(format!("16000000000000002{i:02}")))
        .collect();
    assert_eq!(column(&agents, "id"), ids);
    assert!(agents.truncated);
    let requests = fake.requests();
    assert_eq!(requests[0].query_param("cursor"), None);
    assert!(requests[1].query_param("cursor").is_some());
    // 6 unresolved threats in pages of 2; the third answer's nextCursor is null.
    assert_eq!(column(&unresolved, "id").len(), 6);
    assert!(!unresolved.truncated);
    assert_eq!(fake.count("/web/api/v2.1/threats"), 3);
}

#[tokio::test]
async fn sentinelone_threat_actions_send_the_filter_and_data_bodies() {
    // Arrange
    let fake = sentinelone::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, creds) = (def("sentinelone"), s1_creds(sentinelone::API_TOKEN));
    let id = "1700000000000000302";
    // Act
    let status = engine
        .call(
            &def,
            &creds,
            "set_threat_incident_status",
            json!({"id": id, "status": "in_progress", "verdict": "true_positive"}),
            NOW,
        )
        .await
        .unwrap();
    let (status_req, status_body) = last_body(&fake);
    engine
        .call(
            &def,
            &creds,
            "add_threat_note",
            json!({"id": id, "text": "Isolated the host."}),
            NOW,
        )
        .await
        .unwrap();
    let (_, note_body) = last_body(&fake);
    let notes = engine
        .call(&def, &creds, "list_threat_notes", json!({"id": id}), NOW)
        .await
        .unwrap();
    // Assert
    assert_eq!(status_req.path, "/web/api/v2.1/threats/incident");
    assert_eq!(
        status_body,
        json!({"filter": {"ids": [id]}, "data": {"incidentStatus": "in_progress", "analystVerdict": "true_positive"}})
    );
    assert_eq!(status.structured, Some(json!({"affected": 1})));
    assert_eq!(
        fake.data()["threats"][1]["threatInfo"]["incidentStatus"],
        "in_progress"
    );
    assert_eq!(
        note_body,
        json!({"filter": {"ids": [id]}, "data": {"text": "Isolated the host."}})
    );
    assert_eq!(column(&notes, "text"), [json!("Isolated the host.")]);
}

#[tokio::test]
async fn sentinelone_429_is_rate_limited_with_the_retry_after_seconds() {
    let fake = sentinelone::spawn(Options::default()).await.unwrap();
    fake.set_failure(Some(FailureMode::RateLimited { retry_after: 9 }));
    let e = engine(&[&fake], None)
        .call(
            &def("sentinelone"),
            &s1_creds(sentinelone::API_TOKEN),
            "list_threats",
            json!({}),
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        CallError::RateLimited {
            retry_after: Some(Duration::from_secs(9))
        }
    );
}
