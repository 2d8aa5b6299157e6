#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The breaker's state machine, moved through time by hand.

use std::time::Duration;

use time::{macros::datetime, OffsetDateTime};

use super::*;

const T0: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

fn at(seconds: i64) -> OffsetDateTime {
    T0 + time::Duration::seconds(seconds)
}

fn settings() -> BreakerSettings {
    BreakerSettings {
        failures: 3,
        cool_down: Duration::from_secs(30),
    }
}

const DOWN: Verdict = Verdict::Down("timed_out");

/// Runs `n` ordinary calls that end with `verdict` at `now`.
fn calls(b: &mut Breaker, n: usize, verdict: Verdict, now: OffsetDateTime) {
    for _ in 0..n {
        let admission = b.admit(now).unwrap();
        b.record(admission, verdict, now, &settings());
    }
}

#[test]
fn it_opens_after_the_threshold_of_consecutive_down_failures_and_refuses_until_the_cool_down() {
    let mut b = Breaker::default();
    calls(&mut b, 2, DOWN, at(0));
    assert_eq!(b.snapshot(at(0)).state, BreakerState::Closed);
    calls(&mut b, 1, Verdict::Down("vendor_error"), at(1));
    let snapshot = b.snapshot(at(1));
    assert_eq!(snapshot.state, BreakerState::Open { until: at(31) });
    assert_eq!(snapshot.consecutive_failures, 3);
    assert_eq!(snapshot.last_failure, Some("vendor_error"));
    assert_eq!(snapshot.opened_at, Some(at(1)));
    assert_eq!(
        b.admit(at(11)),
        Err(Refusal {
            retry_in: Some(Duration::from_secs(20))
        })
    );
}

#[test]
fn an_answer_of_any_kind_resets_the_count_and_neutral_outcomes_leave_it() {
    let mut b = Breaker::default();
    calls(&mut b, 2, DOWN, at(0));
    calls(&mut b, 1, Verdict::Neutral, at(0));
    assert_eq!(b.snapshot(at(0)).consecutive_failures, 2);
    // A 401/404/429 is an answer: the vendor is up.
    calls(&mut b, 1, Verdict::Up, at(0));
    assert!(b.is_idle());
    calls(&mut b, 2, DOWN, at(0));
    assert_eq!(b.snapshot(at(0)).state, BreakerState::Closed);
}

#[test]
fn after_the_cool_down_one_trial_runs_while_others_are_refused_and_success_closes_it() {
    let mut b = Breaker::default();
    calls(&mut b, 3, DOWN, at(0));
    assert_eq!(
        b.snapshot(at(30)).state,
        BreakerState::HalfOpen {
            trial_in_flight: false
        }
    );
    assert_eq!(b.admit(at(30)), Ok(Admission::Trial));
    assert_eq!(b.admit(at(30)), Err(Refusal { retry_in: None }));
    b.record(Admission::Trial, Verdict::Up, at(31), &settings());
    assert!(b.is_idle());
    assert_eq!(b.admit(at(31)), Ok(Admission::Normal));
}

#[test]
fn a_failed_trial_opens_it_for_another_cool_down() {
    let mut b = Breaker::default();
    calls(&mut b, 3, DOWN, at(0));
    assert_eq!(b.admit(at(40)), Ok(Admission::Trial));
    b.record(Admission::Trial, DOWN, at(45), &settings());
    assert_eq!(
        b.snapshot(at(45)).state,
        BreakerState::Open { until: at(75) }
    );
    assert!(b.admit(at(74)).is_err());
    assert_eq!(b.admit(at(75)), Ok(Admission::Trial));
}

#[test]
fn a_cancelled_or_neutral_trial_lets_the_next_call_try() {
    let mut b = Breaker::default();
    calls(&mut b, 3, DOWN, at(0));
    assert_eq!(b.admit(at(30)), Ok(Admission::Trial));
    b.release(Admission::Trial);
    assert_eq!(b.admit(at(31)), Ok(Admission::Trial));
    b.record(Admission::Trial, Verdict::Neutral, at(31), &settings());
    assert_eq!(b.admit(at(32)), Ok(Admission::Trial));
}

#[test]
fn a_straggler_that_started_before_the_breaker_opened_cannot_close_it() {
    let mut b = Breaker::default();
    let straggler = b.admit(at(0)).unwrap();
    calls(&mut b, 3, DOWN, at(1));
    b.record(straggler, Verdict::Up, at(2), &settings());
    assert_eq!(
        b.snapshot(at(2)).state,
        BreakerState::Open { until: at(31) }
    );
    // Nor count twice.
    let late = Admission::Normal;
    b.record(late, DOWN, at(3), &settings());
    assert_eq!(b.snapshot(at(3)).consecutive_failures, 3);
}
