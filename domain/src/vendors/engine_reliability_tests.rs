#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The engine's reliability against the IT Glue fake (real HTTP on 127.0.0.1 through the real
//! outbound guard): the circuit breaker with a hanging and a failing vendor, retries of reads
//! only and within their budgets, the whole-call deadline and a tool's own timeout, and a
//! dropped call aborting its vendor request.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use serde_json::json;
use time::OffsetDateTime;
use tokio::time::Instant;
use url::Url;
use uuid::Uuid;
use vendor_fakes::{itglue, FailureMode, FakeVendor, Options};

use super::{
    engine_tests::{def, itglue_creds, NOW},
    reliability::{BreakerSettings, BreakerState, Reliability, RetrySettings},
    *,
};
use crate::outbound::{Outbound, OutboundSettings};

const LIST: &str = "list_organizations";

fn engine_with(fake: &FakeVendor, timeout: Option<Duration>, reliability: Reliability) -> Engine {
    let origin_overrides: BTreeMap<String, Url> = fake
        .real_origins
        .iter()
        .map(|real| (real.clone(), Url::parse(&fake.origin).unwrap()))
        .collect();
    let outbound = Outbound::new(OutboundSettings {
        origin_overrides,
        ..OutboundSettings::default()
    })
    .unwrap();
    Engine::with_settings(outbound, timeout, reliability)
}

fn breaker(failures: u32) -> Reliability {
    Reliability {
        breaker: BreakerSettings {
            failures,
            cool_down: Duration::from_secs(30),
        },
        retry: RetrySettings::default(),
    }
}

/// IT Glue credentials of one fixed connection.
fn creds_of(id: Uuid) -> ConnectionCredentials {
    let mut creds = itglue_creds(itglue::API_KEY);
    creds.connection_id = id;
    creds
}

fn later(seconds: i64) -> OffsetDateTime {
    NOW + time::Duration::seconds(seconds)
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "waited too long for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_hanging_vendor_times_out_then_its_open_breaker_answers_at_once_until_a_trial_succeeds() {
    // Arrange
    let fake = itglue::spawn(Options::default()).await.unwrap();
    fake.set_failure(Some(FailureMode::Hang));
    let engine = engine_with(&fake, Some(Duration::from_millis(300)), breaker(2));
    let def = def("itglue");
    let creds = creds_of(Uuid::new_v4());
    // Act: two calls time out.
    for _ in 0..2 {
        let started = Instant::now();
        assert_eq!(
            engine.call(&def, &creds, LIST, json!({}), NOW).await,
            Err(CallError::TimedOut)
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // Assert: open; the next call is answered at once and never reaches the vendor.
    let snapshot = engine.breaker(creds.connection_id, later(1));
    assert!(
        matches!(snapshot.state, BreakerState::Open { .. }),
        "{snapshot:?}"
    );
    assert_eq!(snapshot.consecutive_failures, 2);
    assert_eq!(snapshot.last_failure, Some("timed_out"));
    let started = Instant::now();
    let refused = engine.call(&def, &creds, LIST, json!({}), later(1)).await;
    assert!(started.elapsed() < Duration::from_millis(100));
    let Err(error @ CallError::CircuitOpen { retry_in: Some(_) }) = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(error.class(), "circuit_open");
    assert_eq!(
        error.message("IT Glue"),
        "IT Glue is failing (it timed out, answered with server errors or could not be reached several times in a row); the gateway pauses calls to it for 29 s. Retry after that."
    );
    assert_eq!(fake.count("/organizations"), 2);
    // The vendor recovers; the pause still holds until the cool-down ends.
    fake.set_failure(None);
    assert!(matches!(
        engine.call(&def, &creds, LIST, json!({}), later(29)).await,
        Err(CallError::CircuitOpen { .. })
    ));
    assert!(engine
        .call(&def, &creds, LIST, json!({}), later(31))
        .await
        .is_ok());
    assert_eq!(
        engine.breaker(creds.connection_id, later(31)).state,
        BreakerState::Closed
    );
    assert!(engine.breakers(later(31)).is_empty());
    // Another connection of the same vendor was never paused.
    assert!(engine
        .call(&def, &creds_of(Uuid::new_v4()), LIST, json!({}), later(1))
        .await
        .is_ok());
}

#[tokio::test]
async fn during_a_trial_other_calls_are_refused_and_a_failed_trial_pauses_again() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    fake.set_failure(Some(FailureMode::Hang));
    let engine = engine_with(&fake, Some(Duration::from_millis(500)), breaker(1));
    let def = def("itglue");
    let id = Uuid::new_v4();
    assert_eq!(
        engine.call(&def, &creds_of(id), LIST, json!({}), NOW).await,
        Err(CallError::TimedOut)
    );
    // After the cool-down one trial goes out ...
    let trial = tokio::spawn({
        let (engine, def) = (engine.clone(), def.clone());
        async move {
            engine
                .call(&def, &creds_of(id), LIST, json!({}), later(31))
                .await
        }
    });
    until("the trial reaches the vendor", || {
        fake.count("/organizations") == 2
    })
    .await;
    // ... and while it runs, other calls are answered at once.
    let during = engine
        .call(&def, &creds_of(id), LIST, json!({}), later(31))
        .await;
    assert_eq!(during, Err(CallError::CircuitOpen { retry_in: None }));
    assert!(during
        .unwrap_err()
        .message("IT Glue")
        .contains("trying one call"));
    assert_eq!(trial.await.unwrap(), Err(CallError::TimedOut));
    let again = engine.breaker(id, later(32));
    assert!(
        matches!(again.state, BreakerState::Open { until } if until > later(60)),
        "{again:?}"
    );
    assert_eq!(fake.count("/organizations"), 2);
}

#[tokio::test]
async fn answers_that_show_the_vendor_is_up_never_open_the_breaker_and_are_not_retried() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine_with(&fake, None, breaker(2));
    let def = def("itglue");
    let creds = creds_of(Uuid::new_v4());
    for (mode, class) in [
        (FailureMode::Unauthorized, "rejected"),
        (FailureMode::Forbidden, "forbidden"),
        (FailureMode::NotFound, "not_found"),
        (FailureMode::RateLimited { retry_after: 7 }, "rate_limited"),
    ] {
        fake.set_failure(Some(mode));
        for _ in 0..3 {
            let result = engine.call(&def, &creds, LIST, json!({}), NOW).await;
            assert_eq!(result.unwrap_err().class(), class);
        }
    }
    assert_eq!(fake.count("/organizations"), 12);
    assert_eq!(
        engine.breaker(creds.connection_id, NOW).state,
        BreakerState::Closed
    );
}

#[tokio::test]
async fn a_read_is_retried_after_server_errors_with_backoff_so_a_hiccup_is_invisible() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine_with(&fake, None, Reliability::default());
    fake.fail_next(FailureMode::HtmlPage, 2);
    let started = Instant::now();
    let result = engine
        .call(
            &def("itglue"),
            &creds_of(Uuid::new_v4()),
            LIST,
            json!({}),
            NOW,
        )
        .await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(fake.count("/organizations"), 3);
    // Backoff: at least half of 100 ms, then half of 200 ms.
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn a_read_gives_up_after_the_attempt_limit_and_a_write_is_never_retried() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine_with(&fake, None, breaker(100));
    let def = def("itglue");
    let creds = creds_of(Uuid::new_v4());
    fake.set_failure(Some(FailureMode::ServerErrorEchoingCredential));
    let read = engine.call(&def, &creds, LIST, json!({}), NOW).await;
    assert!(
        matches!(read, Err(CallError::VendorError { status: 500, .. })),
        "{read:?}"
    );
    assert_eq!(fake.count("/organizations"), 3);
    let args = json!({"organization_id": "1001", "first_name": "Dana", "last_name": "Smith"});
    let write = engine.call(&def, &creds, "create_contact", args, NOW).await;
    assert!(
        matches!(write, Err(CallError::VendorError { status: 500, .. })),
        "{write:?}"
    );
    assert_eq!(fake.count("/relationships/contacts"), 1);
}

#[tokio::test]
async fn a_short_retry_after_is_waited_for_and_a_long_one_goes_back_to_the_caller() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine_with(&fake, None, Reliability::default());
    let def = def("itglue");
    let creds = creds_of(Uuid::new_v4());
    fake.fail_next(FailureMode::RateLimited { retry_after: 1 }, 1);
    let started = Instant::now();
    assert!(engine
        .call(&def, &creds, LIST, json!({}), NOW)
        .await
        .is_ok());
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(fake.count("/organizations"), 2);
    fake.set_failure(Some(FailureMode::RateLimited { retry_after: 7 }));
    assert_eq!(
        engine.call(&def, &creds, LIST, json!({}), NOW).await,
        Err(CallError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        })
    );
    assert_eq!(fake.count("/organizations"), 3);
}

#[tokio::test]
async fn the_process_wide_budget_stops_retrying_a_vendor_that_keeps_failing() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let mut reliability = breaker(100);
    reliability.retry.budget_ratio = 0.0;
    let engine = engine_with(&fake, None, reliability);
    let def = def("itglue");
    fake.set_failure(Some(FailureMode::ServerErrorEchoingCredential));
    // The reserve of ten retries: five calls of three attempts ...
    for _ in 0..5 {
        let creds = creds_of(Uuid::new_v4());
        assert!(engine
            .call(&def, &creds, LIST, json!({}), NOW)
            .await
            .is_err());
    }
    assert_eq!(fake.count("/organizations"), 15);
    // ... then one attempt per call, whichever connection.
    for _ in 0..3 {
        let creds = creds_of(Uuid::new_v4());
        assert!(engine
            .call(&def, &creds, LIST, json!({}), NOW)
            .await
            .is_err());
    }
    assert_eq!(fake.count("/organizations"), 18);
}

#[tokio::test]
async fn a_tools_own_timeout_bounds_the_whole_call_with_all_its_pages() {
    // Five pages of one item, each answered after 400 ms: 2 s in all, each page well within
    // any per-request limit.
    let fake = itglue::spawn(Options {
        max_page_size: Some(1),
        delay: Some(Duration::from_millis(400)),
    })
    .await
    .unwrap();
    let engine = engine_with(&fake, None, Reliability::default());
    let mut def = (*def("itglue")).clone();
    assert_eq!(def.limits.timeout, Duration::from_secs(30));
    def.tools
        .iter_mut()
        .find(|t| t.name == LIST)
        .unwrap()
        .timeout = Some(Duration::from_secs(1));
    let creds = creds_of(Uuid::new_v4());
    let started = Instant::now();
    let result = engine
        .call(&def, &creds, LIST, json!({"limit": 5}), NOW)
        .await;
    let took = started.elapsed();
    assert_eq!(result, Err(CallError::TimedOut));
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    // Other tools keep the vendor's limit.
    let other = engine
        .call(&def, &creds, "list_contacts", json!({"limit": 3}), NOW)
        .await;
    assert!(other.is_ok(), "{other:?}");
}

#[tokio::test]
async fn dropping_a_call_aborts_its_vendor_request_and_leaves_the_breaker_alone() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    fake.set_failure(Some(FailureMode::Hang));
    let engine = engine_with(&fake, None, breaker(1));
    let def: Arc<VendorDefinition> = def("itglue");
    let id = Uuid::new_v4();
    let call = tokio::spawn({
        let engine = engine.clone();
        async move { engine.call(&def, &creds_of(id), LIST, json!({}), NOW).await }
    });
    until("the call reaches the vendor", || fake.in_flight() == 1).await;
    call.abort();
    until("the vendor sees the request go away", || {
        fake.in_flight() == 0
    })
    .await;
    assert_eq!(engine.breaker(id, NOW).state, BreakerState::Closed);
}
