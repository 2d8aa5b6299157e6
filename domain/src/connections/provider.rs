//! The tools of `/v1/mcp`: the [`ToolProvider`] the MCP transport asks, backed by the user's
//! resolved connections ([`super::tools`]). It converts to and from rmcp's model types and
//! nothing else; every decision is in `tools`, `resolve` and `policy`.

use std::{borrow::Cow, sync::Arc, time::Instant};

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use serde_json::{Map, Value};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::{
    store::Deps,
    tools::{self, CallRefusal, ToolCache, ToolEntry, ToolTarget, UserTools, WRITE_SCOPE},
};
use crate::{
    mcp::{McpCaller, ProviderError, ToolProvider, ToolsChanged},
    usage::{ToolCallRecord, UsageRecorder},
};
use time::OffsetDateTime;

/// Vendor tools for MCP clients.
#[derive(Clone)]
pub struct GatewayTools {
    deps: Deps,
    cache: ToolCache,
    usage: UsageRecorder,
    metrics: Option<Arc<crate::metrics::Metrics>>,
}

impl GatewayTools {
    /// A provider over `deps`, sharing `cache` with the portal (which invalidates it on changes);
    /// every `tools/call` is handed to `usage` (queued, never awaited).
    pub fn new(deps: Deps, cache: ToolCache, usage: UsageRecorder) -> Self {
        Self {
            deps,
            cache,
            usage,
            metrics: None,
        }
    }

    /// Also counts every `tools/call` in `metrics` (by vendor and outcome, with its latency).
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Queues the usage record of one call (`snapshot` is none when it could not be built).
    fn record(
        &self,
        caller: &McpCaller,
        snapshot: Option<&UserTools>,
        name: &str,
        outcome: &'static str,
        started: (OffsetDateTime, Instant),
    ) {
        let connection = snapshot.and_then(|s| match s.get(name).map(|t| &t.target) {
            Some(ToolTarget::Vendor { connection, .. }) => s.connections.get(*connection),
            _ => None,
        });
        let duration = started.1.elapsed();
        if let Some(metrics) = &self.metrics {
            let vendor = connection.map_or(crate::metrics::NO_VENDOR, |c| c.row.vendor.as_str());
            metrics.observe_tool_call(vendor, outcome, duration);
        }
        self.usage.record(ToolCallRecord {
            at: started.0,
            user_id: caller.user_id,
            organization_id: caller
                .organization_id
                .or_else(|| snapshot.and_then(|s| s.organization_id)),
            client_id: caller.client_id.clone(),
            connection_id: connection.map(|c| c.row.id),
            connection_slug: connection.map(|c| c.row.slug.clone()),
            tier: connection.map(|c| c.tier.as_str().to_owned()),
            vendor: connection.map(|c| c.row.vendor.clone()),
            tool_name: name.chars().take(200).collect(),
            outcome,
            duration,
        });
    }
}

fn schema(value: &Value) -> Arc<JsonObject> {
    Arc::new(match value {
        Value::Object(map) => map.clone(),
        _ => {
            let mut map = JsonObject::new();
            map.insert("type".into(), Value::String("object".into()));
            map
        }
    })
}

/// rmcp's form of one tool, with the read-only/destructive hints from the definition.
pub fn to_rmcp(entry: &ToolEntry) -> Tool {
    let mut tool = Tool::new(
        Cow::Owned(entry.name.clone()),
        Cow::Owned(entry.description.clone()),
        schema(&entry.input_schema),
    )
    .with_title(entry.title.clone())
    .with_annotations(
        ToolAnnotations::with_title(entry.title.clone())
            .read_only(entry.read_only && !entry.destructive)
            .destructive(entry.destructive),
    );
    if let Some(output) = &entry.output_schema {
        tool = tool.with_raw_output_schema(schema(output));
    }
    tool
}

#[async_trait::async_trait]
impl ToolProvider for GatewayTools {
    async fn list_tools(&self, caller: &McpCaller) -> Result<Arc<[Tool]>, ProviderError> {
        // Service clients act for an organisation, not a user; their tools are not served yet.
        let Some(user_id) = caller.user_id else {
            return Ok(Arc::from(Vec::new()));
        };
        let snapshot = self.cache.get(&self.deps, user_id).await.map_err(|e| {
            tracing::error!(error = %e, "resolving the user's tools failed");
            ProviderError::Internal
        })?;
        let listed = snapshot.listed();
        Ok(match caller.connection {
            None => listed,
            Some(_) => listed
                .iter()
                .filter(|t| caller.sees(&t.name))
                .cloned()
                .collect(),
        })
    }

    async fn call_tool(
        &self,
        caller: &McpCaller,
        name: &str,
        arguments: Option<Map<String, Value>>,
        cancel: CancellationToken,
    ) -> Result<CallToolResult, ProviderError> {
        let started = (OffsetDateTime::now_utc(), Instant::now());
        let Some(user_id) = caller.user_id.filter(|_| caller.sees(name)) else {
            self.record(caller, None, name, "unknown_tool", started);
            return Err(ProviderError::UnknownTool(name.to_owned()));
        };
        let snapshot = match self.cache.get(&self.deps, user_id).await {
            Ok(snapshot) => snapshot,
            Err(e) => {
                tracing::error!(error = %e, "resolving the user's tools failed");
                self.record(caller, None, name, "internal", started);
                return Err(ProviderError::Internal);
            }
        };
        let can_write = caller.scopes.contains(WRITE_SCOPE);
        let arguments = Value::Object(arguments.unwrap_or_default());
        let call = tools::call(&self.deps, &snapshot, name, arguments, can_write, started.0);
        let result = tokio::select! {
            result = call => result,
            () = cancel.cancelled() => {
                self.record(caller, Some(&snapshot), name, "cancelled", started);
                return Ok(CallToolResult::error(vec![ContentBlock::text("The call was cancelled.")]));
            }
        };
        let class = match &result {
            Ok(outcome) => outcome.class,
            Err(CallRefusal::UnknownTool) => "unknown_tool",
            Err(CallRefusal::InsufficientScope) => "insufficient_scope",
        };
        self.record(caller, Some(&snapshot), name, class, started);
        match result {
            Ok(outcome) => {
                let content = vec![ContentBlock::text(outcome.text)];
                let mut result = if outcome.is_error {
                    CallToolResult::error(content)
                } else {
                    CallToolResult::success(content)
                };
                result.structured_content = outcome.structured;
                Ok(result)
            }
            Err(CallRefusal::UnknownTool) => Err(ProviderError::UnknownTool(name.to_owned())),
            Err(CallRefusal::InsufficientScope) => Err(ProviderError::InsufficientScope {
                needed: WRITE_SCOPE,
            }),
        }
    }

    fn subscribe_changes(&self) -> broadcast::Receiver<ToolsChanged> {
        self.cache.subscribe()
    }
}
