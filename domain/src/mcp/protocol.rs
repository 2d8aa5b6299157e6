//! JSON-RPC framing and the MCP lifecycle rules the transport applies, as pure functions over
//! rmcp's model types: parsing one incoming message, protocol-version negotiation
//! (<https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle>), the
//! `MCP-Protocol-Version` header rule, `tools/list` pagination
//! (<https://modelcontextprotocol.io/specification/2025-11-25/server/utilities/pagination>) and
//! the error objects (2025-11-25 basic, "JSON-RPC error codes").

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rmcp::model::{
    ErrorCode, ErrorData, Implementation, InitializeResult, JsonRpcError, JsonRpcNotification,
    JsonRpcResponse, JsonRpcVersion2_0, ListToolsResult, ProgressNotification,
    ProgressNotificationParam, ProtocolVersion, RequestId, ServerCapabilities, ServerNotification,
    ServerResult, Tool, ToolListChangedNotification, ToolsCapability,
};
use serde_json::{json, Value};

/// The protocol versions this gateway speaks, preferred first. 2024-11-05 (HTTP+SSE era) and
/// 2026-07-28 (no `initialize`, no sessions) are not offered.
pub const SUPPORTED_VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V_2025_11_25,
    ProtocolVersion::V_2025_06_18,
    ProtocolVersion::V_2025_03_26,
];

/// What a request after `initialize` without `MCP-Protocol-Version` is taken to speak (the spec:
/// "the server SHOULD assume protocol version 2025-03-26").
pub const VERSION_WITHOUT_HEADER: ProtocolVersion = ProtocolVersion::V_2025_03_26;

/// Tools per `tools/list` page.
pub const PAGE_SIZE: usize = 100;

/// JSON-RPC error code of a call the client cancelled (the LSP convention; MCP defines none).
pub const REQUEST_CANCELLED: ErrorCode = ErrorCode(-32800);

/// One message a client POSTed.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A request: it gets exactly one response.
    Request {
        /// Its id (number or string).
        id: RequestId,
        /// `initialize`, `ping`, `tools/list`…
        method: String,
        /// Its `params`, if any.
        params: Option<Value>,
    },
    /// A notification: `202 Accepted`, no body.
    Notification {
        /// `notifications/initialized`, `notifications/cancelled`…
        method: String,
        /// Its `params`, if any.
        params: Option<Value>,
    },
    /// A response or error answering a server request (we send none; it is acknowledged).
    Response,
}

/// Parses one JSON-RPC message. Batches (JSON arrays) are refused with `-32600`: 2025-06-18
/// removed them, and no mainstream 2025-03-26 client sends them (README.md, "Batches").
pub fn parse(body: &[u8]) -> Result<Incoming, ErrorData> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| ErrorData::new(ErrorCode::PARSE_ERROR, "Parse error: not JSON", None))?;
    let Value::Object(mut message) = value else {
        let message = if value.is_array() {
            "JSON-RPC batches are not supported; send one message per request"
        } else {
            "Invalid request: expected a JSON-RPC object"
        };
        return Err(ErrorData::new(ErrorCode::INVALID_REQUEST, message, None));
    };
    let invalid = |what: &'static str| ErrorData::new(ErrorCode::INVALID_REQUEST, what, None);
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid("Invalid request: jsonrpc must be \"2.0\""));
    }
    let params = message.remove("params");
    let id = message.remove("id").filter(|id| !id.is_null());
    match (message.remove("method"), id) {
        (Some(Value::String(method)), Some(id)) => Ok(Incoming::Request {
            id: serde_json::from_value(id)
                .map_err(|_| invalid("Invalid request: id must be a string or an integer"))?,
            method,
            params,
        }),
        (Some(Value::String(method)), None) => Ok(Incoming::Notification { method, params }),
        (Some(_), _) => Err(invalid("Invalid request: method must be a string")),
        (None, Some(_)) if message.contains_key("result") || message.contains_key("error") => {
            Ok(Incoming::Response)
        }
        (None, _) => Err(invalid("Invalid request: no method")),
    }
}

/// The version to answer `initialize` with: the client's if we speak it, else our preferred one
/// (the client then decides whether to continue).
pub fn negotiate(requested: &ProtocolVersion) -> ProtocolVersion {
    SUPPORTED_VERSIONS
        .iter()
        .find(|v| v.as_str() == requested.as_str())
        .unwrap_or(&SUPPORTED_VERSIONS[0])
        .clone()
}

/// The version a post-initialize request speaks, from its `MCP-Protocol-Version` header:
/// absent → [`VERSION_WITHOUT_HEADER`]; unsupported → `Err` with the `-32600` body of the 400.
pub fn header_version(header: Option<&str>) -> Result<ProtocolVersion, ErrorData> {
    let Some(value) = header else {
        return Ok(VERSION_WITHOUT_HEADER);
    };
    SUPPORTED_VERSIONS
        .iter()
        .find(|v| v.as_str() == value.trim())
        .cloned()
        .ok_or_else(|| {
            ErrorData::new(
                ErrorCode::INVALID_REQUEST,
                "Unsupported MCP-Protocol-Version",
                Some(json!({
                    "supported": SUPPORTED_VERSIONS.iter().map(ProtocolVersion::as_str).collect::<Vec<_>>(),
                    "requested": value,
                })),
            )
        })
}

/// The `initialize` result: tools with `listChanged` (sent on the GET stream), nothing else.
pub fn initialize_result(version: ProtocolVersion) -> InitializeResult {
    // rmcp's capability builder needs its `server` feature (a whole runtime); fields will do.
    let mut tools = ToolsCapability::default();
    tools.list_changed = Some(true);
    let mut capabilities = ServerCapabilities::default();
    capabilities.tools = Some(tools);
    InitializeResult::new(capabilities)
        .with_protocol_version(version)
        .with_server_info(Implementation::new(
            "mcp-gateway",
            env!("CARGO_PKG_VERSION"),
        ))
        .with_instructions(
            "Tools of the vendors you connected in the gateway portal, named <vendor>__<tool>. \
         Tools that change data need the mcp:write scope.",
        )
}

/// One page of `tools` from `cursor` (opaque to clients; an unknown or stale one is `-32602`).
pub fn page(tools: &[Tool], cursor: Option<&str>) -> Result<ListToolsResult, ErrorData> {
    let start = match cursor {
        None => 0,
        Some(cursor) => decode_cursor(cursor)
            .filter(|start| *start < tools.len())
            .ok_or_else(|| ErrorData::invalid_params("Invalid cursor", None))?,
    };
    let end = tools.len().min(start + PAGE_SIZE);
    let next_cursor = (end < tools.len()).then(|| encode_cursor(end));
    Ok(ListToolsResult {
        result_type: None,
        meta: None,
        next_cursor,
        ttl_ms: None,
        cache_scope: None,
        tools: tools[start..end].to_vec(),
    })
}

fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("tools:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    text.strip_prefix("tools:")?.parse().ok()
}

/// A JSON-RPC success response.
pub fn response(id: RequestId, result: impl Into<ServerResult>) -> Value {
    serde_json::to_value(JsonRpcResponse {
        jsonrpc: JsonRpcVersion2_0,
        id,
        result: result.into(),
    })
    .unwrap_or(Value::Null)
}

/// A JSON-RPC error response (`id` absent when the request could not be read).
pub fn error(id: Option<RequestId>, error: ErrorData) -> Value {
    serde_json::to_value(JsonRpcError::new(id, error)).unwrap_or(Value::Null)
}

/// The body of a 404 for an unknown session (the client re-initialises).
pub fn session_not_found() -> Value {
    error(
        None,
        ErrorData::new(
            ErrorCode(-32001),
            "Session not found; send initialize again",
            None,
        ),
    )
}

/// `notifications/tools/list_changed`, as sent on the GET stream.
pub fn tool_list_changed() -> Value {
    serde_json::to_value(JsonRpcNotification {
        jsonrpc: JsonRpcVersion2_0,
        notification: ServerNotification::ToolListChangedNotification(
            ToolListChangedNotification::default(),
        ),
    })
    .unwrap_or(Value::Null)
}

pub use rmcp::model::ProgressToken;

/// A JSON-RPC internal error without an id (for a stream that cannot say more).
pub fn internal_error() -> Value {
    error(None, ErrorData::internal_error("Internal error", None))
}

/// The `progressToken` of a `tools/call` request (`params._meta.progressToken`): the client asks
/// for `notifications/progress` while the call runs. `None` for anything else.
pub fn progress_token(body: &[u8]) -> Option<ProgressToken> {
    #[derive(serde::Deserialize)]
    struct Probe {
        method: String,
        params: Option<ProbeParams>,
    }
    #[derive(serde::Deserialize)]
    struct ProbeParams {
        #[serde(rename = "_meta")]
        meta: Option<ProbeMeta>,
    }
    #[derive(serde::Deserialize)]
    struct ProbeMeta {
        #[serde(rename = "progressToken")]
        progress_token: Option<ProgressToken>,
    }
    let probe: Probe = serde_json::from_slice(body).ok()?;
    (probe.method == "tools/call")
        .then_some(probe.params?.meta?.progress_token)
        .flatten()
}

/// `notifications/progress` for `token`: `progress` grows with every notification.
pub fn progress(token: ProgressToken, progress: f64, message: String) -> Value {
    serde_json::to_value(JsonRpcNotification {
        jsonrpc: JsonRpcVersion2_0,
        notification: ServerNotification::ProgressNotification(ProgressNotification::new(
            ProgressNotificationParam::new(token, progress).with_message(message),
        )),
    })
    .unwrap_or(Value::Null)
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
