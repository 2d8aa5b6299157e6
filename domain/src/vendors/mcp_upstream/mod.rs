//! Upstream MCP servers: the engine of the `mcp-server` vendor kind. A connection is a remote
//! Streamable HTTP MCP server (its URL plus an optional header from the connection's secret);
//! its tools are read with `tools/list` when it is checked, and calls are `tools/call` with the
//! upstream's own tool name.
//!
//! The client is rmcp's (pinned `=3.11.0`), over [`http::GuardedHttp`]: every request through
//! the outbound guard after `check_url` (MCP-4), headers built from nothing but the
//! connection's own header (MCP-1). Sessions are pooled per (connection, version), so a changed
//! credential never meets an old session; a 404 on a pooled session (the server restarted) is
//! recovered by rmcp itself (re-initialise, retry once — its PR #743, `reinit_on_expired_session`).
//! Everything the upstream says is untrusted (MCP-7): server names and messages are cleaned,
//! redacted of the connection's secrets and capped; tool text is capped; tool names and
//! descriptions are fitted and cleaned on the connections side when stored.

mod errors;
mod http;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use reqwest::header::{HeaderName, HeaderValue};
use rmcp::{
    model::{
        CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ContentBlock,
        Implementation, PaginatedRequestParams, Tool,
    },
    service::RunningService,
    transport::{
        streamable_http_client::StreamableHttpClientTransportConfig, StreamableHttpClientTransport,
    },
    RoleClient, ServiceExt,
};
use serde_json::Value;
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use self::{
    errors::{init_error, label, redactor, service_error},
    http::GuardedHttp,
};
use super::{
    engine::answer, CallError, CheckOutcome, ConnectionCredentials, Engine, ToolOutput,
    VendorDefinition,
};
use crate::outbound;

/// Most tools read from one server; the rest are left out (the check says so).
pub const MAX_TOOLS: usize = 500;
/// Most `tools/list` pages followed.
const MAX_PAGES: usize = 50;
/// Largest tool answer text passed on (as the HTTP vendors' shaped answers).
const MAX_TEXT: usize = 64 * 1024;
/// Longest wait for a checked session to close.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// Longest server name or message passed on.
const MAX_LABEL: usize = 80;

/// A tool as the upstream server lists it. Untrusted: the connections side fits the name into
/// `{slug}__{name}` and cleans the description before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamTool {
    /// The upstream's name (sent back on `tools/call`).
    pub name: String,
    /// Title (the tool's or its annotations').
    pub title: Option<String>,
    /// Description, as sent.
    pub description: String,
    /// Input schema.
    pub input_schema: Value,
    /// Output schema.
    pub output_schema: Option<Value>,
    /// `readOnlyHint: true`.
    pub read_only: bool,
    /// Needs `mcp:write`: every tool not declared read-only. A tool without annotations may
    /// change data (the MCP default for `destructiveHint` is true), and a non-destructive write
    /// is still a write: the gateway's flag means "writes", so only `readOnlyHint` lowers it.
    pub destructive: bool,
}

impl From<Tool> for UpstreamTool {
    fn from(tool: Tool) -> Self {
        let annotations = tool.annotations.clone().unwrap_or_default();
        let read_only = annotations.read_only_hint == Some(true);
        Self {
            name: tool.name.to_string(),
            title: tool.title.clone().or(annotations.title),
            description: tool.description.as_deref().unwrap_or_default().to_owned(),
            input_schema: Value::Object((*tool.input_schema).clone()),
            output_schema: tool
                .output_schema
                .as_ref()
                .map(|s| Value::Object((**s).clone())),
            read_only,
            destructive: !read_only,
        }
    }
}

type Client = RunningService<RoleClient, ClientConfig>;

/// Live upstream sessions per (connection, version).
#[derive(Default)]
pub(crate) struct Pool {
    sessions: Mutex<HashMap<(Uuid, i64), Arc<Client>>>,
}

impl Pool {
    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<(Uuid, i64), Arc<Client>>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Drops a connection's sessions (deleted, or its credential replaced).
    pub(crate) fn forget(&self, connection_id: Uuid) {
        self.sessions().retain(|k, _| k.0 != connection_id);
    }
}

/// The connection's URL and header, or which field cannot work.
fn settings(
    creds: &ConnectionCredentials,
) -> Result<(Url, Option<(HeaderName, HeaderValue)>), CallError> {
    let invalid = |field: &str, message: &str| CallError::InvalidSettings {
        field: field.into(),
        message: message.into(),
    };
    let url = creds
        .value("url")
        .and_then(|u| Url::parse(u).ok())
        .ok_or_else(|| invalid("url", "not a valid URL"))?;
    let header = match (creds.value("header_name"), creds.value("header_value")) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(invalid("header_name", "a header value needs a header name"))
        }
        (Some(_), None) => return Err(invalid("header_value", "the header needs a value")),
        (Some(name), Some(value)) => {
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| invalid("header_name", "not a valid header name"))?;
            if http::RESERVED.contains(&name.as_str()) {
                return Err(invalid(
                    "header_name",
                    "the gateway sets this header itself",
                ));
            }
            let mut value = HeaderValue::from_str(value.trim())
                .map_err(|_| invalid("header_value", "not a valid header value"))?;
            value.set_sensitive(true);
            Some((name, value))
        }
    };
    Ok((url, header))
}

/// Opens a new session: the URL checked by the guard, then `initialize`.
async fn connect(
    engine: &Engine,
    def: &VendorDefinition,
    creds: &ConnectionCredentials,
    now: OffsetDateTime,
) -> Result<Client, CallError> {
    let (url, header) = settings(creds)?;
    let outbound = engine.outbound();
    // Refused addresses fail here, before anything is sent. The transport keeps the URL as
    // configured: each request goes through `Outbound::send`, which checks it again and applies
    // the operator's origin overrides (connecting to the checked address).
    outbound
        .check_url(&url)
        .await
        .map_err(answer::transport_call_error)?;
    let limits = outbound::Limits {
        timeout: engine.timeout(def),
        max_bytes: def.limits.max_response_bytes,
    };
    let http = GuardedHttp::new(outbound.clone(), header, limits, redactor(creds), now);
    let config = StreamableHttpClientTransportConfig::with_uri(url.as_str())
        .max_concurrent_requests(def.limits.concurrency);
    let transport = StreamableHttpClientTransport::with_client(http, config);
    let info = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("mcp-gateway", env!("CARGO_PKG_VERSION")),
    );
    info.serve(transport)
        .await
        .map_err(|e| init_error(e, creds))
}

/// `tools/list`, every page, up to [`MAX_TOOLS`].
async fn list_tools(
    client: &Client,
    creds: &ConnectionCredentials,
) -> Result<(Vec<UpstreamTool>, bool), CallError> {
    let mut tools = Vec::new();
    let mut cursor = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .list_tools(Some(PaginatedRequestParams::default().with_cursor(cursor)))
            .await
            .map_err(|e| service_error(e, creds))?;
        tools.extend(page.tools.into_iter().map(UpstreamTool::from));
        if tools.len() > MAX_TOOLS {
            tools.truncate(MAX_TOOLS);
            return Ok((tools, true));
        }
        match page.next_cursor {
            Some(next) if !next.is_empty() => cursor = Some(next),
            _ => return Ok((tools, false)),
        }
    }
    Ok((tools, true))
}

/// Connects, lists the tools and closes the session: "N tools (server vX)" and the tools.
pub(super) async fn check(
    engine: &Engine,
    def: &VendorDefinition,
    creds: &ConnectionCredentials,
    now: OffsetDateTime,
) -> (CheckOutcome, Option<Vec<UpstreamTool>>) {
    let run = async {
        let client = connect(engine, def, creds, now).await?;
        let listed = list_tools(&client, creds).await;
        let server = client
            .peer_info()
            .and_then(|info| info.server_info.clone())
            .map(|server| {
                let r = redactor(creds);
                format!(
                    "{} v{}",
                    label(&server.name, &r),
                    label(&server.version, &r)
                )
            })
            .unwrap_or_else(|| "unnamed server".into());
        // Ends the session (DELETE); calls open their own, pooled.
        // Bounded: a server slow to close must not turn a good check into a timeout.
        let _ = tokio::time::timeout(CLOSE_WAIT, client.cancel()).await;
        let (tools, cut) = listed?;
        let more = if cut { ", more left out" } else { "" };
        let detail = format!("{} tools{more} ({server})", tools.len());
        Ok::<_, CallError>((detail, tools))
    };
    match tokio::time::timeout(engine.timeout(def), run).await {
        Err(_) => (CheckOutcome::TimedOut, None),
        Ok(Err(e)) => (answer::check_outcome(e), None),
        Ok(Ok((detail, tools))) => (
            CheckOutcome::Authenticated {
                detail: Some(detail),
            },
            Some(tools),
        ),
    }
}

/// `tools/call` with the upstream's tool name, on the connection's pooled session.
pub(super) async fn call(
    engine: &Engine,
    def: &VendorDefinition,
    creds: &ConnectionCredentials,
    tool: &str,
    args: Value,
    now: OffsetDateTime,
) -> Result<ToolOutput, CallError> {
    let arguments = match args {
        Value::Null => None,
        Value::Object(map) => Some(map),
        _ => {
            return Err(CallError::InvalidArguments(
                "arguments must be an object".into(),
            ))
        }
    };
    let key = (creds.connection_id, creds.version);
    let run = async {
        let pooled = engine.upstream().sessions().get(&key).cloned();
        let client = match pooled {
            Some(client) if !client.is_closed() => client,
            _ => {
                let client = Arc::new(connect(engine, def, creds, now).await?);
                engine.upstream().sessions().insert(key, client.clone());
                client
            }
        };
        let mut params = CallToolRequestParams::new(tool.to_owned());
        params.arguments = arguments;
        match client.call_tool(params).await {
            Ok(result) => Ok(output(result, creds)),
            Err(e) => {
                let error = service_error(e, creds);
                if matches!(
                    error,
                    CallError::Unreachable(_)
                        | CallError::Rejected { .. }
                        | CallError::Unexpected(_)
                ) {
                    // A broken session is not kept: the next call starts a new one.
                    engine.upstream().sessions().remove(&key);
                }
                Err(error)
            }
        }
    };
    tokio::time::timeout(engine.timeout(def), run)
        .await
        .unwrap_or(Err(CallError::TimedOut))
}

/// The result as text: text blocks joined, other blocks summarised, `isError` kept, capped.
fn output(result: CallToolResult, creds: &ConnectionCredentials) -> ToolOutput {
    let r = redactor(creds);
    let mut parts: Vec<String> = result
        .content
        .iter()
        .map(|block| match block {
            ContentBlock::Text(t) => t.text.clone(),
            ContentBlock::Image(i) => format!(
                "[image: {}, {} bytes base64]",
                label(&i.mime_type, &r),
                i.data.len()
            ),
            ContentBlock::Audio(a) => format!(
                "[audio: {}, {} bytes base64]",
                label(&a.mime_type, &r),
                a.data.len()
            ),
            ContentBlock::Resource(_) => "[embedded resource left out]".into(),
            ContentBlock::ResourceLink(link) => {
                format!("[resource link: {}]", label(&link.uri, &r))
            }
            _ => "[content of another kind left out]".into(),
        })
        .collect();
    if parts.is_empty() {
        if let Some(structured) = &result.structured_content {
            parts.push(structured.to_string());
        }
    }
    let mut text = r.apply(&parts.join("\n"));
    let truncated = text.len() > MAX_TEXT;
    if truncated {
        let mut cut = MAX_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n[answer cut: larger than the gateway passes on]");
    }
    let structured = result
        .structured_content
        .filter(|v| v.is_object() && !truncated && v.to_string().len() <= MAX_TEXT)
        .map(|v| serde_json::from_str(&r.apply(&v.to_string())).unwrap_or(Value::Null))
        .filter(Value::is_object);
    ToolOutput {
        text,
        structured,
        truncated,
        is_error: result.is_error == Some(true),
    }
}

#[cfg(test)]
pub(crate) mod fixture;
