#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Vendor health per kind against the IT Glue fake (real HTTP through the real outbound guard and
//! engine): checks and calls of several connections add up per vendor kind, the caller's own
//! mistakes do not count, open and half-open breakers are attributed to their vendor, and the
//! report carries no credential or connection.

use std::time::Duration;

use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;
use vendor_fakes::{itglue, FailureMode, Options};

use super::*;
use crate::vendors::{
    engine_tests::{catalog, def, engine, itglue_creds, NOW},
    reliability::{BreakerSettings, Reliability, RetrySettings},
    ConnectionCredentials, Engine,
};

fn at(seconds: i64) -> OffsetDateTime {
    NOW + time::Duration::seconds(seconds)
}

fn creds_of(id: Uuid, key: &str) -> ConnectionCredentials {
    let mut creds = itglue_creds(key);
    creds.connection_id = id;
    creds
}

/// An engine whose breakers open after two failures in a row, for 30 s, and never retry.
fn engine_opening_after_two(fake: &vendor_fakes::FakeVendor) -> Engine {
    let plain = engine(&[fake], None);
    Engine::with_settings(
        plain.outbound().clone(),
        None,
        Reliability {
            breaker: BreakerSettings {
                failures: 2,
                cool_down: Duration::from_secs(30),
            },
            retry: RetrySettings {
                max_attempts: 1,
                ..RetrySettings::default()
            },
        },
    )
}

fn itglue_health(engine: &Engine, now: OffsetDateTime) -> VendorHealth {
    health_report(&catalog(), engine, now)
        .into_iter()
        .find(|h| h.vendor == "itglue")
        .unwrap()
}

fn near(value: Option<OffsetDateTime>, expected: OffsetDateTime) -> bool {
    value.is_some_and(|v| v >= expected && v - expected < time::Duration::seconds(5))
}

#[tokio::test]
async fn checks_and_calls_of_every_connection_add_up_per_vendor_kind() {
    // Arrange
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine_opening_after_two(&fake);
    let itglue = def("itglue");
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let good_a = creds_of(a, itglue::API_KEY);
    let good_b = creds_of(b, itglue::API_KEY);
    // Nothing yet: every vendor of the catalog is listed, idle.
    let before = health_report(&catalog(), &engine, NOW);
    assert_eq!(before.len(), catalog().iter().count());
    assert!(before.iter().all(|h| h.status == HealthStatus::Idle));

    // Act 1: a refused check, then a good one and a good call.
    let wrong = creds_of(Uuid::new_v4(), "ITG.wrong-key");
    assert_eq!(
        engine.check(&itglue, &wrong, at(1)).await.class(),
        "rejected"
    );
    let after_refusal = itglue_health(&engine, at(1));
    assert_eq!(after_refusal.status, HealthStatus::Failing);
    assert_eq!(after_refusal.last_error_class, Some("rejected"));
    assert!(engine.check(&itglue, &good_a, at(2)).await.is_ok());
    engine
        .call(&itglue, &good_a, "list_organizations", json!({}), at(3))
        .await
        .unwrap();
    // Assert 1
    let ok = itglue_health(&engine, at(3));
    assert_eq!(ok.status, HealthStatus::Ok);
    assert_eq!(
        (ok.successes, ok.failures, ok.consecutive_failures),
        (2, 1, 0)
    );
    assert!(near(ok.last_success_at, at(3)), "{ok:?}");
    assert_eq!(ok.last_failure_at, Some(at(1)));
    assert_eq!(
        ok.last_error_class,
        Some("rejected"),
        "the last failure's class stays"
    );

    // Act 2: the vendor fails for both connections; A fails twice (its breaker opens).
    fake.set_failure(Some(FailureMode::HtmlPage));
    for (creds, second) in [(&good_a, 10), (&good_b, 11), (&good_a, 12)] {
        let failed = engine
            .call(&itglue, creds, "list_organizations", json!({}), at(second))
            .await;
        assert_eq!(failed.unwrap_err().class(), "vendor_error");
    }
    // The caller's own mistakes and calls refused by the open breaker say nothing about IT Glue.
    let unknown = engine
        .call(&itglue, &good_b, "no_such_tool", json!({}), at(13))
        .await;
    assert_eq!(unknown.unwrap_err().class(), "unknown_tool");
    let invalid = engine
        .call(
            &itglue,
            &good_b,
            "get_organization",
            json!({"id": []}),
            at(13),
        )
        .await;
    assert_eq!(invalid.unwrap_err().class(), "invalid_arguments");
    let paused = engine
        .call(&itglue, &good_a, "list_organizations", json!({}), at(14))
        .await;
    assert_eq!(paused.unwrap_err().class(), "circuit_open");
    // Assert 2
    let failing = itglue_health(&engine, at(14));
    assert_eq!(failing.status, HealthStatus::Paused);
    assert_eq!(failing.consecutive_failures, 3);
    assert_eq!(failing.last_error_class, Some("vendor_error"));
    assert!(near(failing.last_failure_at, at(12)), "{failing:?}");
    assert!(near(failing.last_success_at, at(3)));
    assert_eq!((failing.breakers_open, failing.breakers_half_open), (1, 0));
    assert_eq!((failing.successes, failing.failures), (2, 4));
    // Other vendors are untouched.
    let ninja = health_report(&catalog(), &engine, at(14))
        .into_iter()
        .find(|h| h.vendor == "ninjaone")
        .unwrap();
    assert_eq!(ninja.status, HealthStatus::Idle);

    // Act 3: the vendor recovers; B succeeds, A's cool-down ends.
    fake.set_failure(None);
    engine
        .call(&itglue, &good_b, "list_organizations", json!({}), at(20))
        .await
        .unwrap();
    // Assert 3: failures in a row reset, but A's breaker still pauses its calls, then half-opens.
    let recovering = itglue_health(&engine, at(20));
    assert_eq!(recovering.consecutive_failures, 0);
    assert_eq!(recovering.status, HealthStatus::Paused);
    let half_open = itglue_health(&engine, at(60));
    assert_eq!(
        (half_open.breakers_open, half_open.breakers_half_open),
        (0, 1)
    );
    // A deleted connection's breaker no longer counts.
    engine.forget(a);
    let forgotten = itglue_health(&engine, at(60));
    assert_eq!(forgotten.status, HealthStatus::Ok);
    assert_eq!(
        (forgotten.breakers_open, forgotten.breakers_half_open),
        (0, 0)
    );
}

#[tokio::test]
async fn the_report_names_no_credential_and_no_connection() {
    // Arrange: calls that fail with the vendor echoing the credential back.
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine_opening_after_two(&fake);
    let itglue = def("itglue");
    let id = Uuid::new_v4();
    let creds = creds_of(id, itglue::API_KEY);
    fake.set_failure(Some(FailureMode::ServerErrorEchoingCredential));
    for second in 0..3 {
        let _ = engine
            .call(&itglue, &creds, "list_organizations", json!({}), at(second))
            .await;
    }
    // Act
    let report = format!("{:?}", health_report(&catalog(), &engine, at(5)));
    // Assert
    assert!(report.contains("vendor_error"), "{report}");
    assert!(!report.contains(itglue::API_KEY));
    assert!(!report.contains(&id.to_string()));
}

#[test]
fn times_never_move_backwards_when_calls_finish_out_of_order() {
    let book = HealthBook::default();
    let ok: Result<ToolOutput, CallError> = Err(CallError::NotFound {
        vendor_message: None,
    });
    book.record_call("itglue", Uuid::new_v4(), &ok, at(10));
    book.record_call("itglue", Uuid::new_v4(), &ok, at(5));
    assert_eq!(book.kind("itglue").last_success, Some(at(10)));
    assert_eq!(book.kind("itglue").successes, 2, "a 404 is an answer");
}
