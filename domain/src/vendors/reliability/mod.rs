//! Reliability of vendor calls: a circuit breaker per connection ([`breaker`]), retries of
//! idempotent reads within per-call and process-wide budgets ([`retry`]), and the registry the
//! engine keeps of both. The policies are pure (time and jitter passed in); the engine wires
//! them into its call path (`engine::Engine::call`). Decisions and rejected alternatives are in
//! `docs/architecture.md` ("Vendor calls fail fast").

pub mod breaker;
pub mod retry;

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc, Mutex,
    },
};

use tokio::time::Instant;

use time::OffsetDateTime;
use uuid::Uuid;

pub use breaker::{
    Admission, Breaker, BreakerSettings, BreakerSnapshot, BreakerState, Refusal, Verdict,
};
pub use retry::{retry_delay, RetryBudget, RetrySettings};

use super::{CallError, ToolOutput};
use crate::outbound::OutboundError;

/// Retries a full budget holds before calls refill it (a burst after a quiet spell).
const BUDGET_RESERVE: f64 = 10.0;

/// The reliability settings of vendor calls (configuration `vendor_breaker_*`,
/// `vendor_retry_*`; `docs/configuration.md`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Reliability {
    /// The breaker per connection.
    pub breaker: BreakerSettings,
    /// Retries of idempotent reads.
    pub retry: RetrySettings,
}

/// What a call's result says about the vendor, for its breaker.
pub fn verdict(result: &Result<ToolOutput, CallError>) -> Verdict {
    match result {
        Ok(_) => Verdict::Up,
        Err(error) => match error {
            CallError::TimedOut => Verdict::Down("timed_out"),
            CallError::VendorError { status, .. } if *status >= 500 => {
                Verdict::Down("vendor_error")
            }
            CallError::Unreachable(
                OutboundError::HostNotFound
                | OutboundError::ConnectionRefused
                | OutboundError::TimedOut
                | OutboundError::Tls
                | OutboundError::Network,
            ) => Verdict::Down("unreachable"),
            CallError::Rejected { .. }
            | CallError::Forbidden { .. }
            | CallError::NotFound { .. }
            | CallError::RateLimited { .. }
            | CallError::VendorError { .. } => Verdict::Up,
            // Said nothing about the vendor: refused before sending (address, size), the call's
            // own problem (tool, arguments, settings), or an unreadable answer.
            CallError::Unreachable(_)
            | CallError::UnknownTool
            | CallError::InvalidArguments(_)
            | CallError::InvalidSettings { .. }
            | CallError::Unexpected(_)
            | CallError::CircuitOpen { .. } => Verdict::Neutral,
        },
    }
}

type Map = Arc<Mutex<HashMap<Uuid, Breaker>>>;

fn lock(map: &Map) -> std::sync::MutexGuard<'_, HashMap<Uuid, Breaker>> {
    map.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Every connection's breaker and the process-wide retry budget. Cheap to clone; clones share.
#[derive(Clone)]
pub(crate) struct Guards {
    settings: Reliability,
    breakers: Map,
    budget: Arc<Mutex<RetryBudget>>,
}

impl Guards {
    pub(crate) fn new(settings: Reliability) -> Self {
        Self {
            settings,
            breakers: Map::default(),
            budget: Arc::new(Mutex::new(RetryBudget::new(
                settings.retry.budget_ratio,
                BUDGET_RESERVE,
            ))),
        }
    }

    pub(crate) fn retry_settings(&self) -> &RetrySettings {
        &self.settings.retry
    }

    /// Admits a call to `connection` at `now`, or refuses it with the open breaker's
    /// [`CallError::CircuitOpen`]. Counts the call in the retry budget.
    pub(crate) fn admit(&self, connection: Uuid, now: OffsetDateTime) -> Result<Ticket, CallError> {
        if let Ok(mut budget) = self.budget.lock() {
            budget.deposit();
        }
        // A connection without an entry is closed and has no failure: nothing to insert on the
        // hot path (`Ticket::finish` adds an entry only for a failure).
        let admission = match lock(&self.breakers).get_mut(&connection) {
            Some(breaker) => breaker
                .admit(now)
                .map_err(|Refusal { retry_in }| CallError::CircuitOpen { retry_in })?,
            None => Admission::Normal,
        };
        Ok(Ticket {
            breakers: self.breakers.clone(),
            settings: self.settings.breaker,
            connection,
            admission,
            done: false,
        })
    }

    /// Takes one retry from the process-wide budget.
    pub(crate) fn withdraw_retry(&self) -> bool {
        self.budget
            .lock()
            .map(|mut b| b.withdraw())
            .unwrap_or(false)
    }

    /// One connection's breaker at `now` (closed when it never failed).
    pub(crate) fn snapshot(&self, connection: Uuid, now: OffsetDateTime) -> BreakerSnapshot {
        lock(&self.breakers)
            .get(&connection)
            .cloned()
            .unwrap_or_default()
            .snapshot(now)
    }

    /// Every connection whose breaker is not idle (open, half-open, or counting failures).
    pub(crate) fn snapshots(&self, now: OffsetDateTime) -> Vec<(Uuid, BreakerSnapshot)> {
        lock(&self.breakers)
            .iter()
            .filter(|(_, b)| !b.is_idle())
            .map(|(id, b)| (*id, b.snapshot(now)))
            .collect()
    }

    /// Forgets a connection's breaker (deleted, or its credential replaced).
    pub(crate) fn forget(&self, connection: Uuid) {
        lock(&self.breakers).remove(&connection);
    }

    /// Closes a connection's breaker: a check just proved the vendor answers.
    pub(crate) fn reset(&self, connection: Uuid) {
        lock(&self.breakers).remove(&connection);
    }
}

/// An admitted call. [`Ticket::finish`] records its outcome; dropped unfinished (the call was
/// cancelled), it gives a trial slot back so the breaker cannot stay half-open forever.
pub(crate) struct Ticket {
    breakers: Map,
    settings: BreakerSettings,
    connection: Uuid,
    admission: Admission,
    done: bool,
}

impl Ticket {
    /// Records the call's result, at `now` (when it finished).
    pub(crate) fn finish(mut self, result: &Result<ToolOutput, CallError>, now: OffsetDateTime) {
        self.done = true;
        let mut map = lock(&self.breakers);
        let breaker = map.entry(self.connection).or_default();
        breaker.record(self.admission, verdict(result), now, &self.settings);
        if breaker.is_idle() {
            map.remove(&self.connection);
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut map = lock(&self.breakers);
        if let Some(breaker) = map.get_mut(&self.connection) {
            breaker.release(self.admission);
            if breaker.is_idle() {
                map.remove(&self.connection);
            }
        }
    }
}

/// The retry state of one call of an idempotent tool: the call's deadline and the retries it
/// made (its attempts, across pages, are capped by `vendor_retry_max_attempts`).
pub(crate) struct CallRetry {
    guards: Guards,
    deadline: Instant,
    retries: AtomicU32,
}

impl CallRetry {
    pub(crate) fn new(guards: Guards, deadline: Instant) -> Self {
        Self {
            guards,
            deadline,
            retries: AtomicU32::new(0),
        }
    }

    /// The wait before sending again after `error` (the attempt took `took`), or `None`.
    pub(crate) fn next(
        &self,
        error: &CallError,
        took: std::time::Duration,
    ) -> Option<std::time::Duration> {
        let attempts = self.retries.load(Ordering::Relaxed) + 1;
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        let delay = retry_delay(
            self.guards.retry_settings(),
            attempts,
            error,
            took,
            remaining,
            rand::random::<f64>(),
        )?;
        // The process-wide budget is asked last: a retry the call would not make costs nothing.
        if !self.guards.withdraw_retry() {
            tracing::info!(class = error.class(), "retry budget spent; not retrying");
            return None;
        }
        self.retries.fetch_add(1, Ordering::Relaxed);
        Some(delay)
    }
}
