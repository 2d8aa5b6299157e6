//! TEST FIXTURE, not a product: a tiny `ToolProvider` standing in for vendor connections in the
//! `/v1/mcp` transport tests. Two tools (one read-only, one destructive that needs `mcp:write`),
//! optional filler tools for pagination, a tool that waits to be cancelled, a slow one, and list_changed on
//! demand.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use domain::mcp::{McpCaller, ProviderError, ToolProvider, ToolsChanged};
use rmcp::model::{CallToolResult, ContentBlock, Tool, ToolAnnotations};
use serde_json::{Map, Value};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub struct FixtureTools {
    pub changes: broadcast::Sender<ToolsChanged>,
    /// Extra read-only tools (`demo__filler_NNN`) after the two real ones.
    pub filler: usize,
    /// Set when `demo__wait` saw its cancellation.
    pub cancelled: AtomicBool,
}

impl FixtureTools {
    pub fn new(filler: usize) -> Arc<Self> {
        Arc::new(Self {
            changes: broadcast::channel(16).0,
            filler,
            cancelled: AtomicBool::new(false),
        })
    }

    pub fn announce_change(&self, user: Uuid) {
        let _ = self.changes.send(ToolsChanged::User(user));
    }
}

fn schema() -> Arc<Map<String, Value>> {
    Arc::new(
        serde_json::json!({"type": "object"})
            .as_object()
            .unwrap()
            .clone(),
    )
}

#[async_trait::async_trait]
impl ToolProvider for FixtureTools {
    async fn list_tools(&self, _caller: &McpCaller) -> Result<Arc<[Tool]>, ProviderError> {
        let mut tools = vec![
            Tool::new("demo__read_ticket", "Reads a ticket", schema())
                .annotate(ToolAnnotations::new().read_only(true)),
            Tool::new("demo__delete_ticket", "Deletes a ticket", schema())
                .annotate(ToolAnnotations::new().destructive(true)),
            Tool::new("demo__wait", "Waits until cancelled", schema()),
            Tool::new("demo__slow", "Answers after `ms` milliseconds", schema()),
        ];
        tools.extend(
            (0..self.filler).map(|i| Tool::new(format!("demo__filler_{i:03}"), "Filler", schema())),
        );
        Ok(tools.into())
    }

    async fn call_tool(
        &self,
        caller: &McpCaller,
        name: &str,
        arguments: Option<Map<String, Value>>,
        cancel: CancellationToken,
    ) -> Result<CallToolResult, ProviderError> {
        match name {
            "demo__read_ticket" => Ok(CallToolResult::success(vec![ContentBlock::text(format!(
                "ticket {} for {}",
                arguments
                    .unwrap_or_default()
                    .get("id")
                    .cloned()
                    .unwrap_or_default(),
                caller.client_id
            ))])),
            "demo__delete_ticket" if !caller.scopes.contains("mcp:write") => {
                Err(ProviderError::InsufficientScope {
                    needed: "mcp:write",
                })
            }
            "demo__delete_ticket" => {
                Ok(CallToolResult::success(vec![ContentBlock::text("deleted")]))
            }
            "demo__wait" => {
                cancel.cancelled().await;
                self.cancelled.store(true, Ordering::SeqCst);
                Ok(CallToolResult::error(vec![ContentBlock::text("cancelled")]))
            }
            "demo__slow" => {
                let ms = arguments
                    .unwrap_or_default()
                    .get("ms")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                Ok(CallToolResult::success(vec![ContentBlock::text(format!(
                    "slept {ms} ms"
                ))]))
            }
            "demo__broken" => Err(ProviderError::Internal),
            other => Err(ProviderError::UnknownTool(other.to_owned())),
        }
    }

    fn subscribe_changes(&self) -> broadcast::Receiver<ToolsChanged> {
        self.changes.subscribe()
    }
}
