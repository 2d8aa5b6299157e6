//! A connection's circuit breaker as `gateway__list_connections` shows it: whether calls go
//! through, and when a paused vendor is tried again.

use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::vendors::{BreakerSnapshot, BreakerState};

/// `{"state": "closed"}`, or the open breaker's failures and the seconds until the next try.
pub(super) fn describe(snapshot: &BreakerSnapshot, now: OffsetDateTime) -> Value {
    match snapshot.state {
        BreakerState::Closed => json!({"state": "closed"}),
        BreakerState::Open { until } => json!({
            "state": "open",
            "paused_for_seconds": (until - now).whole_seconds().max(1),
            "consecutive_failures": snapshot.consecutive_failures,
            "last_failure": snapshot.last_failure,
            "meaning": "The vendor failed repeatedly; the gateway answers its tools at once with an error until the pause ends, then tries one call.",
        }),
        BreakerState::HalfOpen { .. } => json!({
            "state": "half_open",
            "consecutive_failures": snapshot.consecutive_failures,
            "last_failure": snapshot.last_failure,
            "meaning": "The pause is over; the next call is a trial that decides whether calls resume.",
        }),
    }
}
