//! [`McpEndpoint`]: what one `/v1/mcp` request does, decided without HTTP types. The server's
//! handler extracts headers and body, calls [`McpEndpoint::post`] (or [`McpEndpoint::session`]
//! for GET/DELETE), and maps the [`Reply`] onto a status code.
//!
//! Nothing here reads the database: the session is sealed ([`super::session`]) and the tools come
//! from the [`ToolProvider`].

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use rmcp::model::{
    CallToolRequestParams, CancelledNotificationParam, EmptyResult, ErrorCode, ErrorData,
    InitializeRequestParams, PaginatedRequestParams, RequestId,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use super::{
    protocol::{self, Incoming},
    session::{fingerprint, EndedSessions, SessionClaims, SessionKeys},
    McpCaller, ProviderError, ToolProvider,
};
use crate::crypto::MasterKey;

/// What the transport answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// 200 with this JSON-RPC message; `session_id` is sent as `Mcp-Session-Id` (initialize).
    Json {
        /// The response or error object.
        body: Value,
        /// A new session's id.
        session_id: Option<String>,
    },
    /// 202 Accepted, no body (a notification or a response).
    Accepted,
    /// 400 with this JSON-RPC error (unreadable message, batch, missing session id,
    /// unsupported `MCP-Protocol-Version`).
    BadRequest(Value),
    /// 404: unknown, forged, expired, ended or someone else's session; the client re-initialises.
    SessionNotFound,
    /// 403 `insufficient_scope` step-up naming `needed`.
    InsufficientScope {
        /// The missing scope.
        needed: &'static str,
    },
}

/// One request's view of the headers the transport reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Headers<'a> {
    /// `Mcp-Session-Id`.
    pub session_id: Option<&'a str>,
    /// `MCP-Protocol-Version`.
    pub protocol_version: Option<&'a str>,
}

/// Tool calls running on this replica, by (session, request id), for `notifications/cancelled`.
#[derive(Debug, Default)]
struct InFlight(Mutex<HashMap<([u8; 32], String), CancellationToken>>);

/// Removes its entry from [`InFlight`] when the call ends (or its HTTP request is dropped).
struct InFlightGuard<'a> {
    registry: &'a InFlight,
    key: ([u8; 32], String),
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.key);
    }
}

impl InFlight {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<([u8; 32], String), CancellationToken>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn key(session_id: &str, request: &RequestId) -> ([u8; 32], String) {
        (fingerprint(session_id), request.to_string())
    }

    fn start(
        &self,
        session_id: &str,
        request: &RequestId,
    ) -> (CancellationToken, InFlightGuard<'_>) {
        let key = Self::key(session_id, request);
        let token = CancellationToken::new();
        self.lock().insert(key.clone(), token.clone());
        (
            token,
            InFlightGuard {
                registry: self,
                key,
            },
        )
    }

    fn cancel(&self, session_id: &str, request: &RequestId) -> bool {
        self.lock()
            .get(&Self::key(session_id, request))
            .map(CancellationToken::cancel)
            .is_some()
    }
}

/// The MCP endpoint: session keys, ended sessions and in-flight calls of this replica, and the
/// tool provider.
pub struct McpEndpoint {
    provider: Arc<dyn ToolProvider>,
    keys: SessionKeys,
    ended: EndedSessions,
    in_flight: InFlight,
}

impl std::fmt::Debug for McpEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpEndpoint").finish_non_exhaustive()
    }
}

fn params<T: DeserializeOwned + Default>(params: Option<Value>) -> Result<T, ErrorData> {
    match params {
        None | Some(Value::Null) => Ok(T::default()),
        Some(value) => serde_json::from_value(value)
            .map_err(|e| ErrorData::invalid_params(format!("Invalid params: {e}"), None)),
    }
}

fn json(body: Value) -> Reply {
    Reply::Json {
        body,
        session_id: None,
    }
}

impl McpEndpoint {
    /// The endpoint over `provider`, sealing sessions under a key derived from `master`.
    pub fn new(provider: Arc<dyn ToolProvider>, master: &MasterKey) -> Self {
        Self {
            provider,
            keys: SessionKeys::derive(master),
            ended: EndedSessions::default(),
            in_flight: InFlight::default(),
        }
    }

    /// The tool provider (the GET stream subscribes to its changes).
    pub fn provider(&self) -> &Arc<dyn ToolProvider> {
        &self.provider
    }

    /// The session a non-initialize request names, if it is valid for `caller` now: a missing
    /// id is a 400, anything else wrong a 404; an unsupported `MCP-Protocol-Version` a 400.
    pub fn session(
        &self,
        caller: &McpCaller,
        headers: Headers<'_>,
        now: OffsetDateTime,
    ) -> Result<SessionClaims, Reply> {
        protocol::header_version(headers.protocol_version)
            .map_err(|e| Reply::BadRequest(protocol::error(None, e)))?;
        let Some(id) = headers.session_id else {
            return Err(Reply::BadRequest(protocol::error(
                None,
                ErrorData::invalid_request(
                    "Mcp-Session-Id is required after initialize; send initialize first",
                    None,
                ),
            )));
        };
        self.keys
            .open(id)
            .filter(|claims| {
                claims.belongs_to(caller) && !claims.is_expired(now) && !self.ended.is_ended(id)
            })
            .ok_or(Reply::SessionNotFound)
    }

    /// `DELETE`: ends the session (on this replica; see [`super::session`]).
    pub fn end_session(
        &self,
        caller: &McpCaller,
        headers: Headers<'_>,
        now: OffsetDateTime,
    ) -> Result<(), Reply> {
        let claims = self.session(caller, headers, now)?;
        if let Some(id) = headers.session_id {
            self.ended.end(id, &claims, now);
        }
        Ok(())
    }

    /// One POSTed message.
    pub async fn post(
        &self,
        caller: &McpCaller,
        headers: Headers<'_>,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Reply {
        let message = match protocol::parse(body) {
            Ok(message) => message,
            Err(e) => return Reply::BadRequest(protocol::error(None, e)),
        };
        if let Incoming::Request { id, method, params } = &message {
            if method == "initialize" {
                return self.initialize(caller, id.clone(), params.clone(), now);
            }
        }
        if let Err(reply) = self.session(caller, headers, now) {
            return reply;
        }
        let session_id = headers.session_id.unwrap_or_default();
        match message {
            Incoming::Response => Reply::Accepted,
            Incoming::Notification { method, params } => {
                if method == "notifications/cancelled" {
                    if let Ok(CancelledNotificationParam {
                        request_id: Some(request),
                        ..
                    }) = serde_json::from_value(params.unwrap_or_default())
                    {
                        let found = self.in_flight.cancel(session_id, &request);
                        tracing::debug!(%request, found, "cancellation received");
                    }
                }
                Reply::Accepted
            }
            Incoming::Request { id, method, params } => {
                self.request(caller, session_id, id, &method, params).await
            }
        }
    }

    fn initialize(
        &self,
        caller: &McpCaller,
        id: RequestId,
        params: Option<Value>,
        now: OffsetDateTime,
    ) -> Reply {
        let requested: InitializeRequestParams = match params
            .map(serde_json::from_value)
            .transpose()
            .ok()
            .flatten()
        {
            Some(requested) => requested,
            None => {
                return json(protocol::error(
                    Some(id),
                    ErrorData::invalid_params(
                        "initialize needs protocolVersion, capabilities and clientInfo",
                        None,
                    ),
                ))
            }
        };
        let version = protocol::negotiate(&requested.protocol_version);
        let claims = SessionClaims::new(caller, version.as_str(), now);
        let Some(session_id) = self.keys.seal(&claims) else {
            tracing::error!("sealing an MCP session id failed");
            return json(protocol::error(
                Some(id),
                ErrorData::internal_error("Internal error", None),
            ));
        };
        Reply::Json {
            body: protocol::response(id, protocol::initialize_result(version)),
            session_id: Some(session_id),
        }
    }

    async fn request(
        &self,
        caller: &McpCaller,
        session_id: &str,
        id: RequestId,
        method: &str,
        params_value: Option<Value>,
    ) -> Reply {
        let result = match method {
            "ping" => Ok(protocol::response(id.clone(), EmptyResult {})),
            "tools/list" => self.list_tools(caller, id.clone(), params_value).await,
            "tools/call" => {
                self.call_tool(caller, session_id, id.clone(), params_value)
                    .await
            }
            _ => Err(ProviderErrorOr::Rpc(ErrorData::new(
                ErrorCode::METHOD_NOT_FOUND,
                format!("Method not found: {method}"),
                None,
            ))),
        };
        match result {
            Ok(body) => json(body),
            Err(ProviderErrorOr::Rpc(e)) => json(protocol::error(Some(id), e)),
            Err(ProviderErrorOr::Provider(ProviderError::InsufficientScope { needed })) => {
                Reply::InsufficientScope { needed }
            }
            Err(ProviderErrorOr::Provider(e)) => {
                json(protocol::error(Some(id), provider_error(&e)))
            }
        }
    }

    async fn list_tools(
        &self,
        caller: &McpCaller,
        id: RequestId,
        params_value: Option<Value>,
    ) -> Result<Value, ProviderErrorOr> {
        let request: PaginatedRequestParams = params(params_value)?;
        let tools = self.provider.list_tools(caller).await?;
        let page = protocol::page(&tools, request.cursor.as_deref())?;
        Ok(protocol::response(id, page))
    }

    async fn call_tool(
        &self,
        caller: &McpCaller,
        session_id: &str,
        id: RequestId,
        params_value: Option<Value>,
    ) -> Result<Value, ProviderErrorOr> {
        let Some(params_value) = params_value else {
            return Err(ErrorData::invalid_params("tools/call needs params.name", None).into());
        };
        let call: CallToolRequestParams = serde_json::from_value(params_value)
            .map_err(|e| ErrorData::invalid_params(format!("Invalid params: {e}"), None))?;
        let (cancel, _guard) = self.in_flight.start(session_id, &id);
        // A provider that ignores the token is still stopped: its future is dropped here.
        let outcome = tokio::select! {
            // Cancellation wins a tie: the client has stopped waiting for this result.
            biased;
            () = cancel.cancelled() => {
                return Err(ErrorData::new(protocol::REQUEST_CANCELLED, "Request cancelled", None).into());
            }
            outcome = self.provider.call_tool(caller, &call.name, call.arguments, cancel.clone()) => outcome,
        };
        let mut result = outcome?;
        // rmcp fills in the 2026-07-28 discriminator; none of our versions has it.
        result.result_type = None;
        Ok(protocol::response(id, result))
    }
}

/// A JSON-RPC error of our own, or the provider's.
enum ProviderErrorOr {
    Rpc(ErrorData),
    Provider(ProviderError),
}

impl From<ErrorData> for ProviderErrorOr {
    fn from(e: ErrorData) -> Self {
        Self::Rpc(e)
    }
}

impl From<ProviderError> for ProviderErrorOr {
    fn from(e: ProviderError) -> Self {
        Self::Provider(e)
    }
}

/// The JSON-RPC error of a provider failure (not `InsufficientScope`, which is an HTTP 403).
fn provider_error(error: &ProviderError) -> ErrorData {
    match error {
        ProviderError::UnknownTool(name) => {
            ErrorData::invalid_params(format!("Unknown tool: {name}"), None)
        }
        ProviderError::InvalidArguments(why) => {
            ErrorData::invalid_params(format!("Invalid arguments: {why}"), None)
        }
        ProviderError::InsufficientScope { needed } => {
            ErrorData::invalid_params(format!("This tool needs the scope {needed}"), None)
        }
        ProviderError::Internal => {
            tracing::warn!("the tool provider failed");
            ErrorData::internal_error("Internal error", None)
        }
    }
}
