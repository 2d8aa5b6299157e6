//! The vendor engine: runs a definition's check and tools for one connection. Generic over the
//! definition format — no vendor is special-cased here. Per-connection state lives in memory:
//! OAuth tokens and discovered base URLs keyed by (connection, version) so a credential change
//! never meets an old token (VAULT-8), a semaphore per connection for the definition's
//! concurrency limit, a request window for its rate limit, and a circuit breaker per connection
//! with the process-wide retry budget ([`super::reliability`]).
//!
//! List results that stop before the vendor's list ends carry a sealed `next_cursor`
//! ([`cursor`]); the tool's `cursor` argument resumes there.
//!
//! A tool call has one deadline (the tool's timeout, else the vendor's, 30 s by default) that
//! covers waiting for a slot, token fetches, every page and every retry; dropping the call's
//! future (the client cancelled) drops the vendor request with it.

pub(super) mod answer;
mod auth;
pub mod authorization_code;
mod cursor;
mod exchange;
mod http;
pub(super) mod shape;
mod tokens;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::{
    demo,
    health::HealthBook,
    mcp_upstream,
    reliability::{BreakerSnapshot, CallRetry, Guards, Reliability},
    schema, CallError, CheckOutcome, ConnectionCredentials, Method, ToolDefinition, ToolOutput,
    UpstreamTool, VendorDefinition, VendorKind,
};
use crate::outbound::Outbound;

/// `(connection_id, version)`.
type CacheKey = (Uuid, i64);

/// Calls vendors. Cheap to clone; clones share the caches, semaphores and demo data.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    outbound: Outbound,
    /// Replaces every definition's timeout (tests; operators' `vendor_timeout`).
    timeout: Option<Duration>,
    tokens: Mutex<HashMap<CacheKey, Arc<tokio::sync::Mutex<Option<tokens::CachedToken>>>>>,
    bases: Mutex<HashMap<CacheKey, url::Url>>,
    slots: Mutex<HashMap<Uuid, Arc<Semaphore>>>,
    windows: Mutex<HashMap<Uuid, (OffsetDateTime, u32)>>,
    demo: demo::DemoStore,
    upstream: mcp_upstream::Pool,
    guards: Guards,
    /// Seals list cursors (`next_cursor`).
    cursors: cursor::Sealer,
    health: HealthBook,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these short locks leaves plain data behind; keep going.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Engine {
    /// An engine calling through `outbound`, with the default breaker and retry settings.
    pub fn new(outbound: Outbound) -> Self {
        Self::with_settings(outbound, None, Reliability::default())
    }

    /// The same engine with every vendor call limited to `timeout` (instead of each
    /// definition's own).
    pub fn with_timeout(outbound: Outbound, timeout: Duration) -> Self {
        Self::with_settings(outbound, Some(timeout), Reliability::default())
    }

    /// An engine with `reliability`'s breaker and retry settings; `timeout`, when given,
    /// replaces every definition's and tool's time limit.
    pub fn with_settings(
        outbound: Outbound,
        timeout: Option<Duration>,
        reliability: Reliability,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                outbound,
                timeout,
                tokens: Mutex::default(),
                bases: Mutex::default(),
                slots: Mutex::default(),
                windows: Mutex::default(),
                demo: demo::DemoStore::default(),
                upstream: mcp_upstream::Pool::default(),
                guards: Guards::new(reliability),
                cursors: cursor::Sealer::random(),
                health: HealthBook::default(),
            }),
        }
    }

    /// The same engine sealing list cursors with a key derived from `master`, so a cursor one
    /// replica returned opens on every other and after a restart (by default the key is random
    /// per process). Call it right after constructing the engine, before cloning it.
    pub fn with_cursor_key(mut self, master: &crate::crypto::MasterKey) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.cursors = cursor::Sealer::from_master(master),
            None => tracing::warn!(
                "the vendor engine was shared before its cursor key was set; cursors keep a per-process key"
            ),
        }
        self
    }

    fn cursors(&self) -> &cursor::Sealer {
        &self.inner.cursors
    }

    /// The circuit breaker of a connection at `now` (closed when it never failed).
    pub fn breaker(&self, connection_id: Uuid, now: OffsetDateTime) -> BreakerSnapshot {
        self.inner.guards.snapshot(connection_id, now)
    }

    /// Every connection whose breaker is open, half-open or counting failures (for metrics).
    pub fn breakers(&self, now: OffsetDateTime) -> Vec<(Uuid, BreakerSnapshot)> {
        self.inner.guards.snapshots(now)
    }

    pub(super) fn guards(&self) -> &Guards {
        &self.inner.guards
    }

    /// Outcomes per vendor kind on this replica (`super::health`).
    pub(super) fn health_book(&self) -> &HealthBook {
        &self.inner.health
    }

    /// Drops everything cached for a connection (deleted, or its credential replaced).
    pub fn forget(&self, connection_id: Uuid) {
        lock(&self.inner.tokens).retain(|k, _| k.0 != connection_id);
        lock(&self.inner.bases).retain(|k, _| k.0 != connection_id);
        lock(&self.inner.slots).remove(&connection_id);
        lock(&self.inner.windows).remove(&connection_id);
        self.inner.demo.forget(connection_id);
        self.inner.upstream.forget(connection_id);
        self.inner.guards.forget(connection_id);
        self.inner.health.forget(connection_id);
    }

    /// The outbound guard (the MCP upstream client sends through it).
    pub(super) fn outbound(&self) -> &Outbound {
        &self.inner.outbound
    }

    /// Pooled upstream MCP sessions.
    pub(super) fn upstream(&self) -> &mcp_upstream::Pool {
        &self.inner.upstream
    }

    /// [`Engine::check`], plus the tools the vendor itself lists (MCP-server connections: read
    /// with `tools/list`; `None` for vendors whose tools come from their definition, and when
    /// the check failed).
    pub async fn check_with_tools(
        &self,
        def: &VendorDefinition,
        creds: &ConnectionCredentials,
        now: OffsetDateTime,
    ) -> (CheckOutcome, Option<Vec<UpstreamTool>>) {
        let (outcome, tools) = match &def.kind {
            VendorKind::McpServer => mcp_upstream::check(self, def, creds, now).await,
            _ => (self.check_only(def, creds, now).await, None),
        };
        self.after_check(def, &outcome, creds, now);
        (outcome, tools)
    }

    /// A check that reached the vendor and was answered proves it is up: its breaker closes
    /// (someone re-tested the connection in the portal after fixing it). Its outcome counts in
    /// the vendor kind's health.
    fn after_check(
        &self,
        def: &VendorDefinition,
        outcome: &CheckOutcome,
        creds: &ConnectionCredentials,
        now: OffsetDateTime,
    ) {
        self.inner.health.record_check(&def.slug, outcome, now);
        if !matches!(
            outcome,
            CheckOutcome::TimedOut
                | CheckOutcome::HostNotFound
                | CheckOutcome::ConnectionRefused
                | CheckOutcome::Tls
                | CheckOutcome::Unexpected { .. }
                | CheckOutcome::InvalidSettings { .. }
        ) {
            self.inner.guards.reset(creds.connection_id);
        }
    }

    /// Runs the definition's cheap authenticated check request. Checks always reach the vendor,
    /// whatever its breaker says.
    #[tracing::instrument(skip_all, fields(vendor = %def.slug, connection = %creds.connection_id))]
    pub async fn check(
        &self,
        def: &VendorDefinition,
        creds: &ConnectionCredentials,
        now: OffsetDateTime,
    ) -> CheckOutcome {
        let outcome = self.check_only(def, creds, now).await;
        self.after_check(def, &outcome, creds, now);
        outcome
    }

    async fn check_only(
        &self,
        def: &VendorDefinition,
        creds: &ConnectionCredentials,
        now: OffsetDateTime,
    ) -> CheckOutcome {
        match &def.kind {
            VendorKind::Demo => demo::check(def, creds),
            VendorKind::McpServer => mcp_upstream::check(self, def, creds, now).await.0,
            // One limit for the slot wait, the token fetch and the request together.
            VendorKind::Http(spec) => tokio::time::timeout(self.timeout(def), async {
                let _permit = match self.permit(def, creds.connection_id).await {
                    Ok(p) => p,
                    Err(e) => return answer::check_outcome(e),
                };
                http::check(self, def, spec, creds, now).await
            })
            .await
            .unwrap_or(CheckOutcome::TimedOut),
        }
    }

    /// Calls one tool (name without prefix) with JSON arguments (`null` means none). For an
    /// MCP-server connection the name is the upstream's own (the connections side maps a
    /// shortened listed name back) and the upstream validates the arguments.
    ///
    /// An open breaker answers at once with [`CallError::CircuitOpen`]; otherwise the call runs
    /// within its deadline and its outcome is recorded in the breaker (at `now` plus the time the
    /// call took).
    #[tracing::instrument(skip_all, fields(vendor = %def.slug, connection = %creds.connection_id, tool))]
    pub async fn call(
        &self,
        def: &VendorDefinition,
        creds: &ConnectionCredentials,
        tool: &str,
        args: Value,
        now: OffsetDateTime,
    ) -> Result<ToolOutput, CallError> {
        if let VendorKind::McpServer = def.kind {
            tracing::Span::current().record("tool", tool);
            self.admit(def, creds.connection_id, now)?;
            return self
                .guarded(def, None, creds, now, |_| {
                    mcp_upstream::call(self, def, creds, tool, args, now)
                })
                .await;
        }
        let tool = def.tool(tool).ok_or(CallError::UnknownTool)?;
        tracing::Span::current().record("tool", tool.name.as_str());
        let mut args = match args {
            Value::Null => Value::Object(Default::default()),
            Value::Object(m) => Value::Object(m),
            _ => {
                return Err(CallError::InvalidArguments(
                    "arguments must be an object".into(),
                ))
            }
        };
        schema::apply_defaults(&tool.input_schema, &mut args);
        schema::validate(&tool.input_schema, &args).map_err(CallError::InvalidArguments)?;
        match &def.kind {
            VendorKind::Demo => {
                let result = self.inner.demo.call(def, creds, tool, &args, now);
                self.inner
                    .health
                    .record_call(&def.slug, creds.connection_id, &result, now);
                result
            }
            VendorKind::McpServer => Err(CallError::UnknownTool), // handled above
            VendorKind::Http(spec) => {
                self.admit(def, creds.connection_id, now)?;
                let retry = idempotent(tool);
                self.guarded(def, Some(tool), creds, now, |deadline| {
                    let retry = retry.then(|| CallRetry::new(self.guards().clone(), deadline));
                    http::call(self, def, spec, creds, tool, &args, now, retry)
                })
                .await
            }
        }
    }

    /// Runs `call` (given its deadline) behind the connection's breaker, with one of its
    /// concurrency slots, within the call's time limit.
    async fn guarded<F, Fut>(
        &self,
        def: &VendorDefinition,
        tool: Option<&ToolDefinition>,
        creds: &ConnectionCredentials,
        now: OffsetDateTime,
        call: F,
    ) -> Result<ToolOutput, CallError>
    where
        F: FnOnce(tokio::time::Instant) -> Fut,
        Fut: std::future::Future<Output = Result<ToolOutput, CallError>>,
    {
        let ticket = self.inner.guards.admit(creds.connection_id, now)?;
        let started = tokio::time::Instant::now();
        let deadline = started + self.call_timeout(def, tool);
        let result = tokio::time::timeout_at(deadline, async {
            let _permit = self.permit(def, creds.connection_id).await?;
            call(deadline).await
        })
        .await
        .unwrap_or(Err(CallError::TimedOut));
        let finished = now + started.elapsed();
        ticket.finish(&result, finished);
        self.inner
            .health
            .record_call(&def.slug, creds.connection_id, &result, finished);
        result
    }

    /// The time limit of one tool call: the operator's override, else the tool's, else the
    /// vendor's.
    fn call_timeout(&self, def: &VendorDefinition, tool: Option<&ToolDefinition>) -> Duration {
        self.inner
            .timeout
            .or_else(|| tool.and_then(|t| t.timeout))
            .unwrap_or(def.limits.timeout)
    }

    pub(super) fn timeout(&self, def: &VendorDefinition) -> Duration {
        self.inner.timeout.unwrap_or(def.limits.timeout)
    }

    /// The definition's rate limit, counted per connection per tool call.
    fn admit(
        &self,
        def: &VendorDefinition,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<(), CallError> {
        let Some(rate) = def.limits.rate else {
            return Ok(());
        };
        let mut windows = lock(&self.inner.windows);
        let (start, count) = windows.entry(id).or_insert((now, 0));
        let per = time::Duration::try_from(rate.per).unwrap_or(time::Duration::MINUTE);
        if now - *start >= per || now < *start {
            *start = now;
            *count = 0;
        }
        if *count >= rate.requests {
            let wait = (*start + per - now).whole_seconds().max(1) as u64;
            return Err(CallError::RateLimited {
                retry_after: Some(Duration::from_secs(wait)),
            });
        }
        *count += 1;
        Ok(())
    }

    /// One of the connection's concurrency slots (Autotask: 3 threads per integration code).
    async fn permit(
        &self,
        def: &VendorDefinition,
        id: Uuid,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, CallError> {
        let semaphore = lock(&self.inner.slots)
            .entry(id)
            .or_insert_with(|| Arc::new(Semaphore::new(def.limits.concurrency)))
            .clone();
        match tokio::time::timeout(self.timeout(def), semaphore.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(CallError::Unexpected("the connection is closing".into())),
            Err(_) => Err(CallError::TimedOut),
        }
    }
}

/// Whether a tool may be sent again after a transient failure: it reads (`GET`, read-only, not
/// destructive). Writes are never repeated: the first attempt may have been applied.
fn idempotent(tool: &ToolDefinition) -> bool {
    tool.read_only
        && !tool.destructive
        && tool
            .request
            .as_ref()
            .is_some_and(|r| matches!(r.request.method, Method::Get))
}
