//! The vendor engine: runs a definition's check and tools for one connection. Generic over the
//! definition format — no vendor is special-cased here. Per-connection state lives in memory:
//! OAuth tokens and discovered base URLs keyed by (connection, version) so a credential change
//! never meets an old token (VAULT-8), a semaphore per connection for the definition's
//! concurrency limit, and a request window for its rate limit.

pub(super) mod answer;
mod auth;
mod http;
pub(super) mod shape;

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
    demo, mcp_upstream, schema, CallError, CheckOutcome, ConnectionCredentials, ToolOutput,
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
    tokens: Mutex<HashMap<CacheKey, Arc<tokio::sync::Mutex<Option<auth::CachedToken>>>>>,
    bases: Mutex<HashMap<CacheKey, url::Url>>,
    slots: Mutex<HashMap<Uuid, Arc<Semaphore>>>,
    windows: Mutex<HashMap<Uuid, (OffsetDateTime, u32)>>,
    demo: demo::DemoStore,
    upstream: mcp_upstream::Pool,
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
    /// An engine calling through `outbound`.
    pub fn new(outbound: Outbound) -> Self {
        Self {
            inner: Arc::new(Inner {
                outbound,
                timeout: None,
                tokens: Mutex::default(),
                bases: Mutex::default(),
                slots: Mutex::default(),
                windows: Mutex::default(),
                demo: demo::DemoStore::default(),
                upstream: mcp_upstream::Pool::default(),
            }),
        }
    }

    /// The same engine with every vendor request limited to `timeout` (instead of each
    /// definition's own). Call before cloning: the caches start empty.
    pub fn with_timeout(outbound: Outbound, timeout: Duration) -> Self {
        let mut engine = Self::new(outbound);
        if let Some(inner) = Arc::get_mut(&mut engine.inner) {
            inner.timeout = Some(timeout);
        }
        engine
    }

    /// Drops everything cached for a connection (deleted, or its credential replaced).
    pub fn forget(&self, connection_id: Uuid) {
        lock(&self.inner.tokens).retain(|k, _| k.0 != connection_id);
        lock(&self.inner.bases).retain(|k, _| k.0 != connection_id);
        lock(&self.inner.slots).remove(&connection_id);
        lock(&self.inner.windows).remove(&connection_id);
        self.inner.demo.forget(connection_id);
        self.inner.upstream.forget(connection_id);
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
        match &def.kind {
            VendorKind::McpServer => mcp_upstream::check(self, def, creds, now).await,
            _ => (self.check(def, creds, now).await, None),
        }
    }

    /// Runs the definition's cheap authenticated check request.
    #[tracing::instrument(skip_all, fields(vendor = %def.slug, connection = %creds.connection_id))]
    pub async fn check(
        &self,
        def: &VendorDefinition,
        creds: &ConnectionCredentials,
        now: OffsetDateTime,
    ) -> CheckOutcome {
        match &def.kind {
            VendorKind::Demo => demo::check(def, creds),
            VendorKind::McpServer => mcp_upstream::check(self, def, creds, now).await.0,
            VendorKind::Http(spec) => {
                let _permit = match self.permit(def, creds.connection_id).await {
                    Ok(p) => p,
                    Err(e) => return answer::check_outcome(e),
                };
                http::check(self, def, spec, creds, now).await
            }
        }
    }

    /// Calls one tool (name without prefix) with JSON arguments (`null` means none). For an
    /// MCP-server connection the name is the upstream's own (the connections side maps a
    /// shortened listed name back) and the upstream validates the arguments.
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
            let _permit = self.permit(def, creds.connection_id).await?;
            return mcp_upstream::call(self, def, creds, tool, args, now).await;
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
            VendorKind::Demo => self.inner.demo.call(def, creds, tool, &args, now),
            VendorKind::McpServer => Err(CallError::UnknownTool), // handled above
            VendorKind::Http(spec) => {
                self.admit(def, creds.connection_id, now)?;
                let _permit = self.permit(def, creds.connection_id).await?;
                http::call(self, def, spec, creds, tool, &args, now).await
            }
        }
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
