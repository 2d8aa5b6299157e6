//! The circuit breaker of one connection: a pure state machine with the time passed in.
//!
//! ```text
//!            N consecutive "vendor down" failures
//!   Closed ─────────────────────────────────────▶ Open (until now + cool-down)
//!     ▲                                             │ first call after the cool-down
//!     │ trial answered                               ▼
//!     └──────────────────────────────────────── HalfOpen (one trial call in flight)
//!                     trial failed again: Open for another cool-down
//! ```
//!
//! Only the classes that say the vendor is down count ([`Verdict::Down`]: timed out, vendor
//! error 5xx, could not connect). A rejected credential, a refusal, a missing record or a 429
//! mean the vendor answered: they reset the count ([`Verdict::Up`]), so one user's bad key never
//! pauses a vendor that works. Outcomes that say nothing about the vendor (bad arguments, a
//! cancelled call) are [`Verdict::Neutral`].

use std::time::Duration;

use time::OffsetDateTime;

/// Breaker thresholds (configuration keys `vendor_breaker_failures`,
/// `vendor_breaker_cooldown_seconds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive "vendor down" failures that open the breaker.
    pub failures: u32,
    /// How long an open breaker answers at once before one trial call is let through.
    pub cool_down: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            failures: 5,
            cool_down: Duration::from_secs(30),
        }
    }
}

/// What a call's outcome says about the vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The vendor answered (success, or a 4xx such as 401/403/404/429).
    Up,
    /// The vendor looks down: timed out, 5xx, connection failed. Carries the outcome class.
    Down(&'static str),
    /// Says nothing about the vendor (invalid arguments, a refused address, a cancelled call).
    Neutral,
}

/// The state as others may read it (`gateway__list_connections`, later `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are answered at once until `until`.
    Open {
        /// When the next call is let through as a trial.
        until: OffsetDateTime,
    },
    /// The cool-down is over; one trial call decides (`trial_in_flight` while it runs).
    HalfOpen {
        /// A trial call is running; other calls are answered at once.
        trial_in_flight: bool,
    },
}

impl BreakerState {
    /// `closed`, `open` or `half_open`.
    pub fn as_str(&self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen { .. } => "half_open",
        }
    }
}

/// A copy of one connection's breaker at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSnapshot {
    /// Its state (an `Open` whose cool-down has passed reads as `HalfOpen`).
    pub state: BreakerState,
    /// "Vendor down" failures in a row (kept while open).
    pub consecutive_failures: u32,
    /// The class of the last failure counted (`timed_out`, `vendor_error`, `unreachable`).
    pub last_failure: Option<&'static str>,
    /// When it last opened.
    pub opened_at: Option<OffsetDateTime>,
}

/// Whether a call may go to the vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Closed: an ordinary call.
    Normal,
    /// The one trial call of a half-open breaker; its outcome closes or re-opens it.
    Trial,
}

/// Why a call is answered without reaching the vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// Time left in the cool-down; `None` while a trial call is deciding.
    pub retry_in: Option<Duration>,
}

/// One connection's breaker.
#[derive(Debug, Clone, Default)]
pub struct Breaker {
    failures: u32,
    last_failure: Option<&'static str>,
    opened_at: Option<OffsetDateTime>,
    state: State,
}

#[derive(Debug, Clone, Copy, Default)]
enum State {
    #[default]
    Closed,
    Open {
        until: OffsetDateTime,
    },
    HalfOpen {
        trial: bool,
    },
}

impl Breaker {
    /// Asks to call the vendor at `now`.
    pub fn admit(&mut self, now: OffsetDateTime) -> Result<Admission, Refusal> {
        match self.state {
            State::Closed => Ok(Admission::Normal),
            State::Open { until } if now < until => Err(Refusal {
                retry_in: Some(Duration::try_from(until - now).unwrap_or_default()),
            }),
            State::Open { .. } | State::HalfOpen { trial: false } => {
                self.state = State::HalfOpen { trial: true };
                Ok(Admission::Trial)
            }
            State::HalfOpen { trial: true } => Err(Refusal { retry_in: None }),
        }
    }

    /// Records the outcome of a call admitted as `admission`, finished at `now`.
    ///
    /// An ordinary call that ends after the breaker opened (it started before) changes nothing:
    /// only the trial decides an open breaker, so a late straggler cannot close it early.
    pub fn record(
        &mut self,
        admission: Admission,
        verdict: Verdict,
        now: OffsetDateTime,
        settings: &BreakerSettings,
    ) {
        match (admission, self.state, verdict) {
            (_, _, Verdict::Neutral) => self.release(admission),
            (Admission::Normal, State::Closed, Verdict::Up)
            | (Admission::Trial, State::HalfOpen { .. }, Verdict::Up) => {
                self.failures = 0;
                self.state = State::Closed;
            }
            (Admission::Normal, State::Closed, Verdict::Down(class)) => {
                self.failures = self.failures.saturating_add(1);
                self.last_failure = Some(class);
                if self.failures >= settings.failures.max(1) {
                    self.open(now, settings);
                }
            }
            (Admission::Trial, State::HalfOpen { .. }, Verdict::Down(class)) => {
                self.failures = self.failures.saturating_add(1);
                self.last_failure = Some(class);
                self.open(now, settings);
            }
            _ => {}
        }
    }

    /// A call admitted as `admission` ended without an outcome (cancelled): a trial slot is
    /// given back so the next call can try.
    pub fn release(&mut self, admission: Admission) {
        if let (Admission::Trial, State::HalfOpen { trial: true }) = (admission, self.state) {
            self.state = State::HalfOpen { trial: false };
        }
    }

    fn open(&mut self, now: OffsetDateTime, settings: &BreakerSettings) {
        self.opened_at = Some(now);
        self.state = State::Open {
            until: now + settings.cool_down,
        };
    }

    /// Whether it is closed with no failure counted (nothing worth keeping).
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Closed) && self.failures == 0
    }

    /// Its state at `now`.
    pub fn snapshot(&self, now: OffsetDateTime) -> BreakerSnapshot {
        let state = match self.state {
            State::Closed => BreakerState::Closed,
            State::Open { until } if now < until => BreakerState::Open { until },
            State::Open { .. } => BreakerState::HalfOpen {
                trial_in_flight: false,
            },
            State::HalfOpen { trial } => BreakerState::HalfOpen {
                trial_in_flight: trial,
            },
        };
        BreakerSnapshot {
            state,
            consecutive_failures: self.failures,
            last_failure: self.last_failure,
            opened_at: self.opened_at,
        }
    }
}

#[cfg(test)]
#[path = "breaker_tests.rs"]
mod tests;
