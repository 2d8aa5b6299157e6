#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The engine against the vendor fakes (real HTTP on 127.0.0.1 through the real outbound guard,
//! reached with origin overrides so definitions keep their real hosts): checks, failure classes,
//! argument encoding, redaction, paging and truncation. Per-vendor behaviour (every tool, token
//! cache, zone discovery, concurrency, demo writes) is in `engine_vendor_tests.rs`, arguments in
//! `engine_args_tests.rs`.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use secrecy::SecretString;
use serde_json::json;
use time::{macros::datetime, OffsetDateTime};
use url::Url;
use uuid::Uuid;
use vendor_fakes::{autotask, itglue, ninjaone, FailureMode, FakeVendor, Options};

use super::*;
use crate::outbound::{Outbound, OutboundSettings};

pub(super) const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

pub(super) fn catalog() -> Catalog {
    Catalog::load(None).unwrap()
}

pub(super) fn def(slug: &str) -> Arc<VendorDefinition> {
    catalog().get(slug).unwrap().clone()
}

/// An engine whose outbound guard maps every fake's real origins to the fake.
pub(super) fn engine(fakes: &[&FakeVendor], timeout: Option<Duration>) -> Engine {
    let mut origin_overrides = BTreeMap::new();
    for fake in fakes {
        for real in &fake.real_origins {
            origin_overrides.insert(real.clone(), Url::parse(&fake.origin).unwrap());
        }
    }
    let outbound = Outbound::new(OutboundSettings {
        origin_overrides,
        ..OutboundSettings::default()
    })
    .unwrap();
    match timeout {
        Some(t) => Engine::with_timeout(outbound, t),
        None => Engine::new(outbound),
    }
}

pub(super) fn creds(settings: &[(&str, &str)], secrets: &[(&str, &str)]) -> ConnectionCredentials {
    ConnectionCredentials {
        connection_id: Uuid::new_v4(),
        version: 1,
        settings: settings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        secrets: secrets
            .iter()
            .map(|(k, v)| ((*k).to_owned(), SecretString::from(*v)))
            .collect(),
    }
}

pub(super) fn itglue_creds(key: &str) -> ConnectionCredentials {
    creds(&[("region", "us")], &[("api_key", key)])
}

pub(super) fn ninja_creds(secret: &str) -> ConnectionCredentials {
    creds(
        &[("instance", "app"), ("client_id", ninjaone::CLIENT_ID)],
        &[("client_secret", secret)],
    )
}

pub(super) fn autotask_creds(user: &str) -> ConnectionCredentials {
    creds(
        &[("username", user)],
        &[
            ("secret", autotask::SECRET),
            ("integration_code", autotask::INTEGRATION_CODE),
        ],
    )
}

#[tokio::test]
async fn itglue_check_succeeds_with_the_right_key_and_reports_the_detail() {
    // Arrange
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    // Act
    let outcome = engine
        .check(&def("itglue"), &itglue_creds(itglue::API_KEY), NOW)
        .await;
    // Assert
    assert_eq!(
        outcome,
        CheckOutcome::Authenticated {
            detail: Some("45 organizations visible".into())
        }
    );
    assert_eq!(outcome.class(), "authenticated");
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/organizations");
    assert_eq!(sent.query_param("page[size]").as_deref(), Some("1"));
    assert_eq!(sent.header("x-api-key"), Some(itglue::API_KEY));
    assert_eq!(
        sent.header("content-type"),
        Some("application/vnd.api+json")
    );
}

#[tokio::test]
async fn a_wrong_key_is_rejected_with_the_vendors_message() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let outcome = engine(&[&fake], None)
        .check(&def("itglue"), &itglue_creds("ITG.wrong"), NOW)
        .await;
    assert_eq!(
        outcome,
        CheckOutcome::Rejected {
            vendor_message: Some("The API key provided is invalid or has expired".into())
        }
    );
    assert!(!outcome.is_ok());
    assert!(outcome.message().contains("invalid or has expired"));
}

#[tokio::test]
async fn each_failure_mode_maps_to_its_class_for_checks_and_calls() {
    // Arrange
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], Some(Duration::from_millis(700)));
    let def = def("itglue");
    let creds = itglue_creds(itglue::API_KEY);
    let cases = [
        (FailureMode::Unauthorized, "rejected", "rejected"),
        (FailureMode::Forbidden, "forbidden", "forbidden"),
        (FailureMode::NotFound, "unexpected", "not_found"),
        (
            FailureMode::RateLimited { retry_after: 7 },
            "rate_limited",
            "rate_limited",
        ),
        (
            FailureMode::ServerErrorEchoingCredential,
            "unexpected",
            "vendor_error",
        ),
        (FailureMode::HtmlPage, "unexpected", "vendor_error"),
        (FailureMode::Hang, "timed_out", "timed_out"),
    ];
    for (mode, check_class, call_class) in cases {
        fake.set_failure(Some(mode));
        // Act
        let started = std::time::Instant::now();
        let outcome = engine.check(&def, &creds, NOW).await;
        let error = engine
            .call(&def, &creds, "list_organizations", json!({}), NOW)
            .await
            .unwrap_err();
        // Assert
        assert_eq!(outcome.class(), check_class, "{mode:?}: {outcome:?}");
        assert_eq!(error.class(), call_class, "{mode:?}: {error:?}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{mode:?} took too long"
        );
        if let FailureMode::RateLimited { .. } = mode {
            assert_eq!(
                error,
                CallError::RateLimited {
                    retry_after: Some(Duration::from_secs(7))
                }
            );
        }
        if mode == FailureMode::HtmlPage {
            let text = error.message("IT Glue");
            assert!(
                text.contains("HTML page titled “502 Bad Gateway”") && !text.contains("<script>"),
                "{text}"
            );
        }
    }
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let outbound = Outbound::new(OutboundSettings {
        origin_overrides: BTreeMap::from([(
            "https://api.itglue.com".to_owned(),
            Url::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
        )]),
        ..OutboundSettings::default()
    })
    .unwrap();
    let outcome = Engine::new(outbound)
        .check(&def("itglue"), &itglue_creds(itglue::API_KEY), NOW)
        .await;
    assert_eq!(outcome, CheckOutcome::ConnectionRefused);
}

#[tokio::test]
async fn secrets_in_a_vendor_error_body_are_redacted() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    fake.set_failure(Some(FailureMode::ServerErrorEchoingCredential));
    let engine = engine(&[&fake], None);
    let error = engine
        .call(
            &def("itglue"),
            &itglue_creds(itglue::API_KEY),
            "list_organizations",
            json!({}),
            NOW,
        )
        .await
        .unwrap_err();
    let CallError::VendorError {
        status: 500,
        vendor_message: Some(said),
    } = &error
    else {
        panic!("{error:?}")
    };
    assert!(
        said.contains("[redacted]") && !said.contains(itglue::API_KEY),
        "{said}"
    );
    assert!(!error.message("IT Glue").contains(itglue::API_KEY));
    let outcome = engine
        .check(&def("itglue"), &itglue_creds(itglue::API_KEY), NOW)
        .await;
    assert!(!outcome.message().contains(itglue::API_KEY));
}

#[tokio::test]
async fn lists_follow_pages_up_to_the_limit_and_say_when_truncated() {
    // Arrange: the fake answers at most 10 items per page.
    let fake = itglue::spawn(Options {
        max_page_size: Some(10),
        ..Options::default()
    })
    .await
    .unwrap();
    let engine = engine(&[&fake], None);
    let def = def("itglue");
    let creds = itglue_creds(itglue::API_KEY);
    // Act
    let out = engine
        .call(
            &def,
            &creds,
            "list_organizations",
            json!({"limit": 25}),
            NOW,
        )
        .await
        .unwrap();
    // Assert: three pages fetched, 25 items kept, truncation noted.
    let v = out.structured.unwrap();
    assert_eq!(v["count"], 25);
    assert!(out.truncated);
    assert!(v["note"].as_str().unwrap().contains("more exist"));
    let pages: Vec<Option<String>> = fake
        .requests()
        .iter()
        .map(|r| r.query_param("page[number]"))
        .collect();
    assert_eq!(pages, [None, Some("2".into()), Some("3".into())]);
    assert_eq!(
        v["items"][0],
        json!({"id": "1001", "name": "Client 01", "type": "Customer", "status": "Active",
        "short_name": "C01", "updated_at": "2026-01-01T00:00:00.000Z"})
    );

    // Default limit (20) of a list that fits: not truncated when all is shown.
    let fake2 = itglue::spawn(Options::default()).await.unwrap();
    let out = engine_for_all(&fake2)
        .call(
            &def,
            &creds,
            "list_organizations",
            json!({"limit": 50}),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(out.structured.unwrap()["count"], 45);
    assert!(!out.truncated);
}

fn engine_for_all(fake: &FakeVendor) -> Engine {
    engine(&[fake], None)
}

#[tokio::test]
async fn autotask_and_ninjaone_paging_follow_their_own_styles() {
    let at = autotask::spawn(Options {
        max_page_size: Some(10),
        ..Options::default()
    })
    .await
    .unwrap();
    let ninja = ninjaone::spawn(Options {
        max_page_size: Some(5),
        ..Options::default()
    })
    .await
    .unwrap();
    let engine = engine(&[&at, &ninja], None);

    let out = engine
        .call(
            &def("autotask"),
            &autotask_creds(autotask::USERNAME),
            "search_tickets",
            json!({"limit": 25}),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(out.structured.unwrap()["count"], 25);
    let paths: Vec<String> = at
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| p.contains("Tickets"))
        .collect();
    assert_eq!(
        paths,
        [
            "/atservicesrest/v1.0/Tickets/query",
            "/atservicesrest/v1.0/Tickets/query/next",
            "/atservicesrest/v1.0/Tickets/query/next"
        ]
    );

    let out = engine
        .call(
            &def("ninjaone"),
            &ninja_creds(ninjaone::CLIENT_SECRET),
            "list_devices",
            json!({"limit": 12}),
            NOW,
        )
        .await
        .unwrap();
    let v = out.structured.unwrap();
    assert_eq!(v["count"], 12);
    let afters: Vec<Option<String>> = ninja
        .requests()
        .iter()
        .filter(|r| r.path == "/v2/devices")
        .map(|r| r.query_param("after"))
        .collect();
    assert_eq!(afters, [None, Some("105".into()), Some("110".into())]);
    assert_eq!(v["items"][11]["id"], 112);
}
