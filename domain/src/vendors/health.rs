//! Vendor health per vendor kind, for operators (`/health/vendors`): what recent checks and tool
//! calls of every connection of a vendor said — failures in a row, the last failure's class, the
//! last success and failure times — and how many of its connections' circuit breakers are open
//! or half-open.
//!
//! Kept **in memory, per replica, since the process started**: the engine records an outcome
//! where a check or a call finishes ([`HealthBook::record_call`], [`HealthBook::record_check`]),
//! so the warm `tools/call` path gains one short lock and no database round trip and no
//! allocation (a vendor kind's entry is created once). Each replica reports what it saw; a
//! restart starts empty. Rejected: a table of outcomes (a write per call on the hot path) and
//! deriving it from `connections.status` (only portal checks write that).
//!
//! Never recorded: credentials, connection names or ids in the report, arguments, customer data.
//! Connection ids are kept only to attribute an open breaker to its vendor kind, and only for
//! connections whose calls failed.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use time::OffsetDateTime;
use uuid::Uuid;

use super::{BreakerState, CallError, Catalog, CheckOutcome, Engine, ToolOutput};

/// What one vendor kind's checks and calls said on this replica.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct KindRecord {
    consecutive_failures: u32,
    last_error_class: Option<&'static str>,
    last_success: Option<OffsetDateTime>,
    last_failure: Option<OffsetDateTime>,
    successes: u64,
    failures: u64,
}

/// What an outcome says about a vendor kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Observed {
    /// The vendor answered as asked (a 404 for a record that does not exist included).
    Success,
    /// It failed, with this class (`rejected`, `timed_out`, `vendor_error`, …).
    Failure(&'static str),
    /// Said nothing about the vendor: the caller's own mistake, or refused by the breaker
    /// before reaching it (the breaker counts report those).
    Ignored,
}

fn observe_call(result: &Result<ToolOutput, CallError>) -> Observed {
    match result {
        Ok(_) | Err(CallError::NotFound { .. }) => Observed::Success,
        Err(
            CallError::UnknownTool | CallError::InvalidArguments(_) | CallError::CircuitOpen { .. },
        ) => Observed::Ignored,
        Err(error) => Observed::Failure(error.class()),
    }
}

fn observe_check(outcome: &CheckOutcome) -> Observed {
    match outcome {
        CheckOutcome::Authenticated { .. } => Observed::Success,
        other => Observed::Failure(other.class()),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Plain counters: a panic elsewhere while holding the lock leaves nothing half-done.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The engine's record of outcomes per vendor kind. Cheap to clone; clones share.
#[derive(Debug, Clone, Default)]
pub(crate) struct HealthBook {
    kinds: Arc<Mutex<HashMap<String, KindRecord>>>,
    /// Connection → vendor slug, for connections whose calls failed (their breaker may be open).
    failing: Arc<Mutex<HashMap<Uuid, Arc<str>>>>,
}

impl HealthBook {
    /// Records a tool call of `vendor` through `connection` that finished at `now`.
    pub(crate) fn record_call(
        &self,
        vendor: &str,
        connection: Uuid,
        result: &Result<ToolOutput, CallError>,
        now: OffsetDateTime,
    ) {
        let observed = observe_call(result);
        if let Observed::Failure(_) = observed {
            lock(&self.failing)
                .entry(connection)
                .or_insert_with(|| Arc::from(vendor));
        }
        self.record(vendor, observed, now);
    }

    /// Records a connection check of `vendor` (the portal's connect, edit or *Test*).
    pub(crate) fn record_check(&self, vendor: &str, outcome: &CheckOutcome, now: OffsetDateTime) {
        self.record(vendor, observe_check(outcome), now);
    }

    fn record(&self, vendor: &str, observed: Observed, now: OffsetDateTime) {
        if observed == Observed::Ignored {
            return;
        }
        let mut kinds = lock(&self.kinds);
        // Looked up by `&str` first: the key is allocated once per vendor kind, not per call.
        if !kinds.contains_key(vendor) {
            kinds.insert(vendor.to_owned(), KindRecord::default());
        }
        let Some(record) = kinds.get_mut(vendor) else {
            return;
        };
        match observed {
            Observed::Success => {
                record.consecutive_failures = 0;
                record.successes += 1;
                record.last_success = Some(later(record.last_success, now));
            }
            Observed::Failure(class) => {
                record.consecutive_failures = record.consecutive_failures.saturating_add(1);
                record.failures += 1;
                record.last_error_class = Some(class);
                record.last_failure = Some(later(record.last_failure, now));
            }
            Observed::Ignored => {}
        }
    }

    /// Forgets a connection (deleted, or its credential replaced).
    pub(crate) fn forget(&self, connection: Uuid) {
        lock(&self.failing).remove(&connection);
    }

    fn kind(&self, vendor: &str) -> KindRecord {
        lock(&self.kinds).get(vendor).cloned().unwrap_or_default()
    }

    fn vendor_of(&self, connection: &Uuid) -> Option<Arc<str>> {
        lock(&self.failing).get(connection).cloned()
    }
}

/// Calls finishing out of order (a slow call after a fast one) never move a time backwards.
fn later(previous: Option<OffsetDateTime>, now: OffsetDateTime) -> OffsetDateTime {
    previous.map_or(now, |p| p.max(now))
}

/// A vendor kind's status in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthStatus {
    /// No check or call since this replica started.
    Idle,
    /// The latest outcome was a success and no breaker is open.
    Ok,
    /// The latest outcomes failed (see the error class).
    Failing,
    /// At least one connection's breaker is open or half-open: its calls are paused.
    Paused,
}

impl HealthStatus {
    /// Stable wire name (`idle`, `ok`, `failing`, `paused`).
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Idle => "idle",
            HealthStatus::Ok => "ok",
            HealthStatus::Failing => "failing",
            HealthStatus::Paused => "paused",
        }
    }
}

/// One vendor kind's health on this replica. Holds no credential, connection or customer data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorHealth {
    /// The vendor's slug (`itglue`).
    pub vendor: String,
    /// Its display name.
    pub name: String,
    /// Its catalog category.
    pub category: String,
    /// The status in one word.
    pub status: HealthStatus,
    /// Failed checks and calls in a row, across its connections (a success resets it).
    pub consecutive_failures: u32,
    /// The class of the last failure (`rejected`, `timed_out`, `vendor_error`, …).
    pub last_error_class: Option<&'static str>,
    /// When a check or call last succeeded.
    pub last_success_at: Option<OffsetDateTime>,
    /// When one last failed.
    pub last_failure_at: Option<OffsetDateTime>,
    /// Successful checks and calls since the replica started.
    pub successes: u64,
    /// Failed ones.
    pub failures: u64,
    /// Connections whose breaker is open (calls answered at once).
    pub breakers_open: usize,
    /// Connections whose breaker is half-open (one trial call decides).
    pub breakers_half_open: usize,
}

/// Every vendor of the catalog (by slug) with its health on this replica at `now`.
pub fn health_report(catalog: &Catalog, engine: &Engine, now: OffsetDateTime) -> Vec<VendorHealth> {
    let book = engine.health_book();
    let mut breakers: HashMap<Arc<str>, (usize, usize)> = HashMap::new();
    for (connection, snapshot) in engine.breakers(now) {
        let Some(vendor) = book.vendor_of(&connection) else {
            continue;
        };
        let counts = breakers.entry(vendor).or_default();
        match snapshot.state {
            BreakerState::Open { .. } => counts.0 += 1,
            BreakerState::HalfOpen { .. } => counts.1 += 1,
            BreakerState::Closed => {}
        }
    }
    catalog
        .iter()
        .map(|def| {
            let record = book.kind(&def.slug);
            let (open, half_open) = breakers.get(def.slug.as_str()).copied().unwrap_or_default();
            let status = if open + half_open > 0 {
                HealthStatus::Paused
            } else if record.consecutive_failures > 0 {
                HealthStatus::Failing
            } else if record.successes > 0 {
                HealthStatus::Ok
            } else {
                HealthStatus::Idle
            };
            VendorHealth {
                vendor: def.slug.clone(),
                name: def.name.clone(),
                category: def.category.clone(),
                status,
                consecutive_failures: record.consecutive_failures,
                last_error_class: record.last_error_class,
                last_success_at: record.last_success,
                last_failure_at: record.last_failure,
                successes: record.successes,
                failures: record.failures,
                breakers_open: open,
                breakers_half_open: half_open,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;
