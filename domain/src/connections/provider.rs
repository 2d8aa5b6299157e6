//! The tools of `/v1/mcp`: the [`ToolProvider`] the MCP transport asks, backed by the user's
//! resolved connections ([`super::tools`]). It converts to and from rmcp's model types and
//! nothing else; every decision is in `tools`, `resolve` and `policy`.

use std::{borrow::Cow, sync::Arc};

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use serde_json::{Map, Value};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{
    store::Deps,
    tools::{self, CallRefusal, ToolCache, ToolEntry, WRITE_SCOPE},
};
use crate::mcp::{McpCaller, ProviderError, ToolProvider};

/// Vendor tools for MCP clients.
#[derive(Clone)]
pub struct GatewayTools {
    deps: Deps,
    cache: ToolCache,
}

impl GatewayTools {
    /// A provider over `deps`, sharing `cache` with the portal (which invalidates it on changes).
    pub fn new(deps: Deps, cache: ToolCache) -> Self {
        Self { deps, cache }
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
    async fn list_tools(&self, caller: &McpCaller) -> Result<Vec<Tool>, ProviderError> {
        // Service clients act for an organisation, not a user; their tools are not served yet.
        let Some(user_id) = caller.user_id else {
            return Ok(Vec::new());
        };
        let snapshot = self.cache.get(&self.deps, user_id).await.map_err(|e| {
            tracing::error!(error = %e, "resolving the user's tools failed");
            ProviderError::Internal
        })?;
        Ok(snapshot.tools.iter().map(to_rmcp).collect())
    }

    async fn call_tool(
        &self,
        caller: &McpCaller,
        name: &str,
        arguments: Option<Map<String, Value>>,
        cancel: CancellationToken,
    ) -> Result<CallToolResult, ProviderError> {
        let Some(user_id) = caller.user_id else {
            return Err(ProviderError::UnknownTool(name.to_owned()));
        };
        let snapshot = self.cache.get(&self.deps, user_id).await.map_err(|e| {
            tracing::error!(error = %e, "resolving the user's tools failed");
            ProviderError::Internal
        })?;
        let can_write = caller.scopes.contains(WRITE_SCOPE);
        let arguments = Value::Object(arguments.unwrap_or_default());
        let call = tools::call(
            &self.deps,
            &snapshot,
            name,
            arguments,
            can_write,
            time::OffsetDateTime::now_utc(),
        );
        let result = tokio::select! {
            result = call => result,
            () = cancel.cancelled() => return Ok(CallToolResult::error(vec![ContentBlock::text("The call was cancelled.")])),
        };
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

    fn subscribe_changes(&self) -> broadcast::Receiver<Uuid> {
        self.cache.subscribe()
    }
}
