//! When a failed vendor request is sent again: only for idempotent reads, only for failures that
//! a second try can fix, within a per-call budget (attempts and the call's deadline) and a
//! process-wide one ([`RetryBudget`]), after a jittered exponential backoff. Pure: the jitter
//! and the times are passed in.

use std::time::Duration;

use crate::{outbound::OutboundError, vendors::CallError};

/// Retry thresholds (configuration keys `vendor_retry_max_attempts`,
/// `vendor_retry_budget_percent`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrySettings {
    /// Attempts per request, the first included (1: never retry).
    pub max_attempts: u32,
    /// Retries allowed process-wide as a share of calls (0.1: one retry per ten calls, plus a
    /// small reserve); a failing vendor is not hammered.
    pub budget_ratio: f64,
    /// The first backoff; each retry doubles it, up to `max_delay`.
    pub base_delay: Duration,
    /// The longest backoff.
    pub max_delay: Duration,
    /// A 429 is retried only when its `Retry-After` is at most this.
    pub max_retry_after: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            budget_ratio: 0.1,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(2),
        }
    }
}

/// Whether another try can help: a 5xx that signals a passing state (500, 502, 503, 504), a
/// refused or reset connection, or a 429 asking for a short wait (its wait is returned). Never a
/// 4xx otherwise (the same request gets the same answer), never a time-out (the call's time is
/// spent), never a name or TLS failure (not transient).
fn retryable(error: &CallError, settings: &RetrySettings) -> Option<Option<Duration>> {
    match error {
        CallError::VendorError {
            status: 500 | 502 | 503 | 504,
            ..
        } => Some(None),
        CallError::Unreachable(OutboundError::ConnectionRefused | OutboundError::Network) => {
            Some(None)
        }
        CallError::RateLimited {
            retry_after: Some(wait),
        } if *wait <= settings.max_retry_after => Some(Some(*wait)),
        _ => None,
    }
}

/// The wait before attempt `attempts + 1` of a request that failed with `error`, or `None` when
/// it is not retried. `last` is how long the failed attempt took, `remaining` the time left
/// before the call's deadline: a retry is only worth it if one more attempt as long as the last
/// still fits. `jitter` is uniform in `[0, 1)`; the backoff is spread over its upper half
/// ("equal jitter"), so retries of many calls do not arrive together and none is immediate.
pub fn retry_delay(
    settings: &RetrySettings,
    attempts: u32,
    error: &CallError,
    last: Duration,
    remaining: Duration,
    jitter: f64,
) -> Option<Duration> {
    if attempts >= settings.max_attempts {
        return None;
    }
    let asked = retryable(error, settings)?;
    let exponent = attempts.saturating_sub(1).min(16);
    let backoff = settings
        .base_delay
        .saturating_mul(1 << exponent)
        .min(settings.max_delay);
    let jittered = backoff.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0);
    let delay = asked.map_or(jittered, |wait| wait.max(jittered));
    (delay + last < remaining).then_some(delay)
}

/// The process-wide retry budget: a token bucket filled by calls and drained by retries
/// (gRPC's retry throttling, Finagle's `RetryBudget`). Each call adds `ratio` of a token up to
/// `capacity`; each retry takes one. When vendors fail broadly, retries stop at about `ratio`
/// of the calls instead of multiplying the load on them.
#[derive(Debug, Clone)]
pub struct RetryBudget {
    tokens: f64,
    capacity: f64,
    ratio: f64,
}

impl RetryBudget {
    /// A full bucket of `capacity` retries, refilled by `ratio` per call.
    pub fn new(ratio: f64, capacity: f64) -> Self {
        Self {
            tokens: capacity,
            capacity,
            ratio,
        }
    }

    /// A call started.
    pub fn deposit(&mut self) {
        self.tokens = (self.tokens + self.ratio).min(self.capacity);
    }

    /// Takes a retry's token; `false` when the budget is spent.
    pub fn withdraw(&mut self) -> bool {
        // Tenths added up in floating point fall a hair short of a whole token.
        if self.tokens >= 1.0 - 1e-9 {
            self.tokens = (self.tokens - 1.0).max(0.0);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn error(status: u16) -> CallError {
        CallError::VendorError {
            status,
            vendor_message: None,
        }
    }

    #[test]
    fn only_transient_failures_are_retried() {
        let s = RetrySettings::default();
        let delay = |e: &CallError| retry_delay(&s, 1, e, S, 30 * S, 0.5);
        for status in [500, 502, 503, 504] {
            assert!(delay(&error(status)).is_some(), "{status}");
        }
        for status in [400, 409, 422, 501] {
            assert_eq!(delay(&error(status)), None, "{status}");
        }
        for e in [
            CallError::Rejected {
                vendor_message: None,
            },
            CallError::Forbidden {
                vendor_message: None,
            },
            CallError::NotFound {
                vendor_message: None,
            },
            CallError::TimedOut,
            CallError::Unreachable(OutboundError::HostNotFound),
            CallError::Unreachable(OutboundError::Tls),
            CallError::Unreachable(OutboundError::ForbiddenAddress),
            CallError::RateLimited { retry_after: None },
            CallError::RateLimited {
                retry_after: Some(3 * S),
            },
            CallError::InvalidArguments("x".into()),
        ] {
            assert_eq!(delay(&e), None, "{e:?}");
        }
        assert!(delay(&CallError::Unreachable(OutboundError::ConnectionRefused)).is_some());
    }

    #[test]
    fn a_short_retry_after_is_waited_for() {
        let s = RetrySettings::default();
        let e = CallError::RateLimited {
            retry_after: Some(2 * S),
        };
        assert_eq!(retry_delay(&s, 1, &e, S, 30 * S, 0.0), Some(2 * S));
        // Not when the wait and another attempt do not fit in the call's time.
        assert_eq!(retry_delay(&s, 1, &e, S, 3 * S, 0.0), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_attempt_limit_or_the_deadline() {
        let s = RetrySettings::default();
        let e = error(503);
        let ms = Duration::from_millis;
        assert_eq!(retry_delay(&s, 1, &e, ms(10), S, 0.0), Some(ms(50)));
        assert_eq!(
            retry_delay(&s, 1, &e, ms(10), S, 0.999_999).map(|d| d.as_millis()),
            Some(99)
        );
        assert_eq!(retry_delay(&s, 2, &e, ms(10), S, 0.0), Some(ms(100)));
        // Capped.
        let many = RetrySettings {
            max_attempts: 40,
            ..s
        };
        assert_eq!(retry_delay(&many, 30, &e, ms(10), 60 * S, 1.0), Some(2 * S));
        // Attempts used up.
        assert_eq!(retry_delay(&s, 3, &e, ms(10), 30 * S, 0.0), None);
        // No room for another attempt as long as the last one.
        assert_eq!(retry_delay(&s, 1, &e, ms(960), S, 0.0), None);
        let never = RetrySettings {
            max_attempts: 1,
            ..s
        };
        assert_eq!(retry_delay(&never, 1, &e, ms(1), 30 * S, 0.0), None);
    }

    #[test]
    fn the_global_budget_allows_a_share_of_calls_once_the_reserve_is_spent() {
        let mut budget = RetryBudget::new(0.1, 5.0);
        // The reserve.
        assert!((0..5).all(|_| budget.withdraw()));
        assert!(!budget.withdraw());
        // Then one retry per ten calls.
        let mut allowed = 0;
        for _ in 0..100 {
            budget.deposit();
            if budget.withdraw() {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 10);
        // Calls without retries refill it, never beyond the capacity.
        for _ in 0..1000 {
            budget.deposit();
        }
        assert!((0..5).all(|_| budget.withdraw()));
        assert!(!budget.withdraw());
    }
}
