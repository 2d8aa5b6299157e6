//! The boundary between the MCP transport and whatever supplies tools (vendor connections):
//! [`ToolProvider`], the [`McpCaller`] it is asked on behalf of, and [`ProviderError`].
//!
//! The transport (`server::handlers::mcp`, [`super::protocol`], [`super::session`]) knows the
//! protocol and nothing about vendors; the provider knows vendors and nothing about HTTP or
//! JSON-RPC framing. The server holds one `Arc<dyn ToolProvider>` in its state.

use std::sync::Arc;

use rmcp::model::{CallToolResult, Tool};
use serde_json::{Map, Value};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    connections::ConnectionSlug,
    oauth::{AccessGrant, Scopes},
};

/// Who is calling, from the verified access token (never from the client's words).
#[derive(Debug, Clone)]
pub struct McpCaller {
    /// The signed-in user the token was issued to (none for a service client).
    pub user_id: Option<Uuid>,
    /// The organisation of a service client's token.
    pub organization_id: Option<Uuid>,
    /// The OAuth client (MCP client) that holds the token.
    pub client_id: String,
    /// The grant the token belongs to.
    pub grant_id: Uuid,
    /// The scopes granted to the token (`mcp:read`, `mcp:write`).
    pub scopes: Scopes,
    /// The per-connection endpoint (`/v1/{slug}/mcp`) the request came through: only that
    /// connection's tools are visible. `None` on `/v1/mcp`. The token's `resource` names the same
    /// endpoint (the bearer guard checks it), so this comes from the token too.
    pub connection: Option<ConnectionSlug>,
}

impl McpCaller {
    /// Whether a tool named `name` is visible through the caller's endpoint: every tool on
    /// `/v1/mcp`, only `{slug}__…` on `/v1/{slug}/mcp` (not the gateway's meta-tools).
    pub fn sees(&self, name: &str) -> bool {
        match &self.connection {
            None => true,
            Some(slug) => name
                .strip_prefix(slug.as_str())
                .is_some_and(|rest| rest.starts_with("__")),
        }
    }
}

impl From<&AccessGrant> for McpCaller {
    fn from(grant: &AccessGrant) -> Self {
        Self {
            user_id: grant.user_id,
            organization_id: grant.organization_id,
            client_id: grant.client_id.clone(),
            grant_id: grant.grant_id,
            scopes: grant.scopes.clone(),
            connection: None,
        }
    }
}

/// Supplies the tools a caller may see and calls them.
///
/// Implementations must be cheap to call on a warm path: the transport asks for the list on every
/// `tools/list` page and routes every `tools/call` through [`ToolProvider::call_tool`].
#[async_trait::async_trait]
pub trait ToolProvider: Send + Sync + 'static {
    /// Every tool the caller may see, in a stable order (names already `{slug}__{tool}`). Shared:
    /// a provider may hand out the same list to every request until the tools change, and the
    /// endpoint copies only the page it answers.
    async fn list_tools(&self, caller: &McpCaller) -> Result<Arc<[Tool]>, ProviderError>;

    /// Calls one tool. Vendor failures are `Ok(CallToolResult)` with `is_error = true`; `cancel`
    /// fires when the client sends `notifications/cancelled` for this request (the result is
    /// then dropped, so returning early is all a provider needs to do).
    async fn call_tool(
        &self,
        caller: &McpCaller,
        name: &str,
        arguments: Option<Map<String, Value>>,
        cancel: CancellationToken,
    ) -> Result<CallToolResult, ProviderError>;

    /// A stream of "whose tools may have changed" events, sent to the open streams they
    /// concern as `notifications/tools/list_changed`.
    fn subscribe_changes(&self) -> broadcast::Receiver<ToolsChanged>;
}

/// Whose tools may have changed (a connection, allowlist, membership, role or team change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolsChanged {
    /// One user's.
    User(Uuid),
    /// Anyone's: the change's reach is not known precisely (re-listing is always safe).
    Everyone,
}

impl ToolsChanged {
    /// Whether a session of `user` must be told.
    pub fn concerns(&self, user: Option<Uuid>) -> bool {
        match self {
            Self::User(changed) => user == Some(*changed),
            Self::Everyone => true,
        }
    }
}

/// Why a provider could not answer. The transport maps each variant onto the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// No tool of that name for this caller: JSON-RPC `-32602` (invalid params).
    #[error("unknown tool: {0}")]
    UnknownTool(String),
    /// The arguments cannot be sent to the tool at all: JSON-RPC `-32602`. (Arguments the
    /// vendor rejects are a tool result with `is_error`, not this.)
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    /// The token lacks a scope this tool needs: HTTP 403 with
    /// `WWW-Authenticate: Bearer error="insufficient_scope"` (step-up, security.md MCP-6).
    #[error("this tool needs the scope {needed}")]
    InsufficientScope {
        /// The missing scope, e.g. `mcp:write`.
        needed: &'static str,
    },
    /// The provider failed (database, bug): JSON-RPC `-32603` with a generic message. The
    /// provider logs the cause before returning this; the transport logs that it happened.
    #[error("the tool provider failed")]
    Internal,
}

/// The provider used until vendor connections are wired in: no tools, nothing to call, no
/// changes. An honest empty catalogue rather than a fake one.
#[derive(Debug)]
pub struct NoTools {
    changes: broadcast::Sender<ToolsChanged>,
}

impl Default for NoTools {
    fn default() -> Self {
        Self {
            changes: broadcast::channel(1).0,
        }
    }
}

#[async_trait::async_trait]
impl ToolProvider for NoTools {
    async fn list_tools(&self, _caller: &McpCaller) -> Result<Arc<[Tool]>, ProviderError> {
        Ok(Arc::from(Vec::new()))
    }

    async fn call_tool(
        &self,
        _caller: &McpCaller,
        name: &str,
        _arguments: Option<Map<String, Value>>,
        _cancel: CancellationToken,
    ) -> Result<CallToolResult, ProviderError> {
        Err(ProviderError::UnknownTool(name.to_owned()))
    }

    fn subscribe_changes(&self) -> broadcast::Receiver<ToolsChanged> {
        self.changes.subscribe()
    }
}
