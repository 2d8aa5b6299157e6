//! The gateway's operational metrics (`/metrics`, Prometheus/OpenMetrics text): what the request
//! paths count, and what is read when Prometheus scrapes.
//!
//! Counted as it happens, with atomics and a short lock around one histogram bucket (never held
//! across an `.await`, never a database access): HTTP requests and their latency by method,
//! matched route template and status class; `tools/call` by vendor and outcome with its latency;
//! upstream failures by vendor and class; open MCP GET streams. Read at scrape time: circuit
//! breakers per vendor and state (from the engine, one query to name the vendors of the few
//! connections whose breaker is not idle) and the database pool.
//!
//! One [`Metrics`] per gateway process, with its own registry (`prometheus-client`, the Prometheus
//! project's Rust client), not a process-wide recorder: the API tests run several gateways in one
//! process and each must count only its own traffic. Label values are `&'static str` from a
//! bounded set (route templates, catalog vendors, outcome classes): [`intern`] keeps one copy of
//! each, so a warm request allocates nothing here. Series names are listed in
//! `docs/deployment.md`.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, OnceLock, RwLock},
    time::Duration,
};

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::{entity::connections, vendors::BreakerState};

/// The `Content-Type` of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Outcome classes that mean the vendor (or upstream MCP server) answered badly or not at all,
/// counted in `mcp_gateway_upstream_errors_total`. Refusals decided by the gateway (unknown tool,
/// scope, open breaker, bad arguments) are not upstream errors.
pub const UPSTREAM_ERROR_CLASSES: [&str; 9] = [
    "rejected",
    "forbidden",
    "not_found",
    "rate_limited",
    "timed_out",
    "unreachable",
    "vendor_error",
    "unexpected",
    "tool_error",
];

/// The `vendor` label of a `tools/call` that reached no vendor connection (meta-tools, refusals).
pub const NO_VENDOR: &str = "gateway";

/// One copy of a label value for the life of the process. Only for values from a bounded set
/// (route templates of the router, vendor ids of the catalog): each distinct value is kept once.
pub fn intern(value: &str) -> &'static str {
    static SEEN: OnceLock<RwLock<HashSet<&'static str>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(found) = seen
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(value)
    {
        return found;
    }
    let mut seen = seen
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = seen.get(value) {
        return found;
    }
    let leaked: &'static str = Box::leak(value.to_owned().into_boxed_str());
    seen.insert(leaked);
    leaked
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: &'static str,
    route: &'static str,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolLabels {
    vendor: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabels {
    vendor: &'static str,
    class: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BreakerLabels {
    vendor: &'static str,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// HTTP latency buckets, seconds: 0.5 ms to 10 s.
const HTTP_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// `tools/call` latency buckets, seconds: 1 ms to 60 s (vendor calls run up to their deadline).
const TOOL_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0, 60.0,
];

type HistogramFamily<S> = Family<S, Histogram, fn() -> Histogram>;

fn http_histogram() -> Histogram {
    Histogram::new(HTTP_BUCKETS)
}

fn tool_histogram() -> Histogram {
    Histogram::new(TOOL_BUCKETS)
}

/// One gateway process's metrics. Cheap to share (`Arc`); every method takes `&self`.
pub struct Metrics {
    registry: Registry,
    http: HistogramFamily<HttpLabels>,
    tool_calls: HistogramFamily<ToolLabels>,
    upstream_errors: Family<UpstreamLabels, Counter>,
    streams: Gauge,
    breakers: Family<BreakerLabels, Gauge>,
    pool: Family<PoolLabels, Gauge>,
    pool_max: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Empty series, registered under the `mcp_gateway_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("mcp_gateway");
        let http = HistogramFamily::<HttpLabels>::new_with_constructor(http_histogram);
        registry.register(
            "http_request_duration_seconds",
            "HTTP requests by method, matched route template and status class, and their latency (its _count is the request count)",
            http.clone(),
        );
        let tool_calls = HistogramFamily::<ToolLabels>::new_with_constructor(tool_histogram);
        registry.register(
            "tool_call_duration_seconds",
            "MCP tools/call by vendor and outcome class, and their latency (its _count is the call count)",
            tool_calls.clone(),
        );
        let upstream_errors = Family::<UpstreamLabels, Counter>::default();
        registry.register(
            "upstream_errors",
            "tools/call that failed at the vendor or upstream MCP server, by vendor and error class",
            upstream_errors.clone(),
        );
        let streams = Gauge::default();
        registry.register(
            "mcp_streams_open",
            "Open MCP GET streams (server-to-client SSE sessions)",
            streams.clone(),
        );
        let breakers = Family::<BreakerLabels, Gauge>::default();
        registry.register(
            "vendor_breakers",
            "Connections whose circuit breaker is open or half-open, by vendor and state (this replica)",
            breakers.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database pool connections by state (in_use, idle)",
            pool.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "The database pool's upper bound (database_max_connections)",
            pool_max.clone(),
        );
        Self {
            registry,
            http,
            tool_calls,
            upstream_errors,
            streams,
            breakers,
            pool,
            pool_max,
        }
    }

    /// One answered HTTP request. `route` is the matched route template (or a fixed word for
    /// unmatched requests), never the raw path.
    pub fn observe_http(
        &self,
        method: &'static str,
        route: &'static str,
        status: u16,
        took: Duration,
    ) {
        let labels = HttpLabels {
            method,
            route,
            status: status_class(status),
        };
        self.http.get_or_create(&labels).observe(took.as_secs_f64());
    }

    /// One finished `tools/call`: `vendor` is the connection's vendor id ([`NO_VENDOR`] when none),
    /// `outcome` its class (`ok`, `timed_out`, `circuit_open`, …).
    pub fn observe_tool_call(&self, vendor: &str, outcome: &'static str, took: Duration) {
        let vendor = intern(vendor);
        self.tool_calls
            .get_or_create(&ToolLabels { vendor, outcome })
            .observe(took.as_secs_f64());
        if UPSTREAM_ERROR_CLASSES.contains(&outcome) {
            self.upstream_errors
                .get_or_create(&UpstreamLabels {
                    vendor,
                    class: outcome,
                })
                .inc();
        }
    }

    /// Counts an open GET stream until the returned guard is dropped.
    pub fn stream_opened(self: &Arc<Self>) -> StreamGuard {
        self.streams.inc();
        StreamGuard(self.clone())
    }

    /// Reads the breakers and the database pool, then encodes every series as text.
    ///
    /// `breakers` are the engine's non-idle breakers at `now` (`Engine::breakers`); `vendors` the
    /// catalog's vendor ids (each gets its series, 0 when nothing is open).
    pub async fn scrape(
        &self,
        db: &DatabaseConnection,
        max_connections: u32,
        vendors: impl Iterator<Item = &str>,
        breakers: Vec<(Uuid, crate::vendors::BreakerSnapshot)>,
    ) -> String {
        let mut counts: HashMap<BreakerLabels, i64> = HashMap::new();
        for vendor in vendors {
            let vendor = intern(vendor);
            for state in ["open", "half_open"] {
                counts.insert(BreakerLabels { vendor, state }, 0);
            }
        }
        if !breakers.is_empty() {
            let ids: Vec<Uuid> = breakers.iter().map(|(id, _)| *id).collect();
            let owners: Vec<(Uuid, String)> = connections::Entity::find()
                .select_only()
                .column(connections::Column::Id)
                .column(connections::Column::Vendor)
                .filter(connections::Column::Id.is_in(ids))
                .into_tuple()
                .all(db)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "reading the vendors of open breakers failed");
                    Vec::new()
                });
            for (id, snapshot) in &breakers {
                let state = match snapshot.state {
                    BreakerState::Closed => continue,
                    BreakerState::Open { .. } => "open",
                    BreakerState::HalfOpen { .. } => "half_open",
                };
                let vendor = owners
                    .iter()
                    .find(|(owner, _)| owner == id)
                    .map_or("unknown", |(_, vendor)| intern(vendor));
                *counts.entry(BreakerLabels { vendor, state }).or_default() += 1;
            }
        }
        // Replaced as a whole: a vendor whose breakers all closed (or whose connection went)
        // must not keep its last figure.
        self.breakers.clear();
        for (labels, count) in counts {
            self.breakers.get_or_create(&labels).set(count);
        }
        let (size, idle) = pool_use(db);
        self.pool
            .get_or_create(&PoolLabels { state: "idle" })
            .set(i64::from(idle));
        self.pool
            .get_or_create(&PoolLabels { state: "in_use" })
            .set(i64::from(size.saturating_sub(idle)));
        self.pool_max.set(i64::from(max_connections));
        self.encode()
    }

    /// Every series as OpenMetrics text ([`CONTENT_TYPE`]), as counted so far.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::warn!(error = %e, "encoding metrics failed");
        }
        text
    }
}

/// An open GET stream, counted in `mcp_gateway_mcp_streams_open` until dropped.
#[derive(Debug)]
pub struct StreamGuard(Arc<Metrics>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.streams.dec();
    }
}

/// `2xx`, `4xx`, …
fn status_class(status: u16) -> &'static str {
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// (connections open, of which idle) in the pool.
fn pool_use(db: &DatabaseConnection) -> (u32, u32) {
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        sea_orm::DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        _ => (0, 0),
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
