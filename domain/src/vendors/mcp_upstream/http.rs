//! The HTTP side of rmcp's Streamable HTTP client transport, sent through the outbound guard.
//!
//! rmcp 3.11's own implementation is for reqwest 0.13; the guard is reqwest 0.12, so this is a
//! small one of ours, which also keeps the rules in one place: every request goes through
//! [`Outbound::send`] (`check_url` on each request, overrides, no redirects, time and size
//! limits); its headers are built here from nothing — `Accept`, `Content-Type`, the session id,
//! the protocol headers rmcp adds, and the connection's own header — so neither the gateway's
//! MCP bearer token nor any inbound header can reach the upstream (MCP-1). Answers are read in
//! full (within the size cap) and an SSE answer is parsed from the buffered body: a POST's
//! stream ends once its response is sent. No standalone GET stream is opened (the gateway needs
//! no server-initiated messages).

use std::{collections::HashMap, sync::Arc};

use bytes::Bytes;
use futures::{stream, StreamExt};
use reqwest::{
    header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE},
    Method, StatusCode,
};
use rmcp::{
    model::{ClientJsonRpcMessage, JsonRpcMessage, ServerJsonRpcMessage},
    transport::streamable_http_client::{
        SseError, StreamableHttpClient, StreamableHttpError, StreamableHttpPostResponse,
    },
};
use sse_stream::{Sse, SseStream};
use time::OffsetDateTime;
use url::Url;

use crate::{
    outbound::{self, Outbound, OutboundError, OutboundResponse},
    vendors::engine::answer::{self, Redactor},
};

/// `Mcp-Session-Id`.
const SESSION_HEADER: &str = "mcp-session-id";

/// Headers the transport sets itself; the connection's header may not be one of them.
pub(super) const RESERVED: &[&str] = &[
    "accept",
    "content-type",
    "content-length",
    "host",
    "mcp-session-id",
    "mcp-protocol-version",
    "last-event-id",
    "connection",
    "transfer-encoding",
];

/// Why an upstream request failed, in the engine's classes.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum UpstreamHttpError {
    /// No answer (the guard's class).
    #[error("{0}")]
    Transport(OutboundError),
    /// An answer with a failure status (404 on a live session is `SessionExpired` instead).
    #[error("HTTP {status}")]
    Status {
        /// The status.
        status: u16,
        /// The server's message, trimmed and redacted.
        message: Option<String>,
        /// From `Retry-After`.
        retry_after: Option<std::time::Duration>,
    },
}

type Failure = StreamableHttpError<UpstreamHttpError>;

/// One connection's HTTP client: the guard, its header and limits. Cheap to clone.
#[derive(Clone)]
pub(crate) struct GuardedHttp {
    outbound: Outbound,
    /// The connection's own header (marked sensitive: never in logs).
    header: Option<(HeaderName, HeaderValue)>,
    limits: outbound::Limits,
    redactor: Arc<Redactor>,
    /// When the session was opened: only reads a `Retry-After` given as a date, so on a pooled
    /// session such a wait may come out longer than the server meant (never shorter).
    now: OffsetDateTime,
}

impl GuardedHttp {
    pub(super) fn new(
        outbound: Outbound,
        header: Option<(HeaderName, HeaderValue)>,
        limits: outbound::Limits,
        redactor: Redactor,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            outbound,
            header,
            limits,
            redactor: Arc::new(redactor),
            now,
        }
    }

    fn request(
        &self,
        method: Method,
        uri: &str,
        session_id: Option<&str>,
        protocol: HashMap<HeaderName, HeaderValue>,
    ) -> Result<reqwest::Request, Failure> {
        let url = Url::parse(uri).map_err(|_| {
            StreamableHttpError::Client(UpstreamHttpError::Transport(OutboundError::NotHttps))
        })?;
        let mut request = reqwest::Request::new(method, url);
        let headers = request.headers_mut();
        // Only what rmcp adds for the protocol (`MCP-Protocol-Version` and the like): never
        // anything the transport itself sets.
        for (name, value) in protocol {
            if !RESERVED.contains(&name.as_str()) || name.as_str() == "mcp-protocol-version" {
                headers.insert(name, value);
            }
        }
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
        if let Some(id) = session_id {
            let value = HeaderValue::from_str(id).map_err(|_| {
                StreamableHttpError::UnexpectedServerResponse("unusable session id".into())
            })?;
            headers.insert(HeaderName::from_static(SESSION_HEADER), value);
        }
        if let Some((name, value)) = &self.header {
            headers.insert(name.clone(), value.clone());
        }
        Ok(request)
    }

    async fn send(&self, request: reqwest::Request) -> Result<OutboundResponse, Failure> {
        self.outbound
            .send(request, self.limits)
            .await
            .map_err(|e| StreamableHttpError::Client(UpstreamHttpError::Transport(e)))
    }

    fn status_error(&self, response: &OutboundResponse) -> Failure {
        StreamableHttpError::Client(UpstreamHttpError::Status {
            status: response.status.as_u16(),
            message: answer::vendor_message(response, &[], &self.redactor),
            retry_after: answer::retry_after(&response.headers, self.now),
        })
    }
}

fn content_type(response: &OutboundResponse) -> String {
    response
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

impl StreamableHttpClient for GuardedHttp {
    type Error = UpstreamHttpError;

    async fn post_message(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        // rmcp's bearer slot is never configured: the connection's header is ours to send.
        _auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<StreamableHttpPostResponse, Failure> {
        let mut request =
            self.request(Method::POST, &uri, session_id.as_deref(), custom_headers)?;
        request
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(serde_json::to_vec(&message)?.into());
        let response = self.send(request).await?;
        let status = response.status;
        if status == StatusCode::NOT_FOUND && session_id.is_some() {
            // The server forgot the session (restarted): rmcp initialises a new one and
            // retries the request once.
            return Err(StreamableHttpError::SessionExpired);
        }
        if matches!(status, StatusCode::ACCEPTED | StatusCode::NO_CONTENT) {
            return Ok(StreamableHttpPostResponse::Accepted);
        }
        let new_session = response
            .headers
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let kind = content_type(&response);
        if !status.is_success() {
            // A JSON-RPC error in a failure answer is still the server's answer.
            if kind == "application/json" && !matches!(status.as_u16(), 401 | 403 | 429) {
                if let Ok(message @ JsonRpcMessage::Error(_)) =
                    serde_json::from_slice::<ServerJsonRpcMessage>(&response.body)
                {
                    return Ok(StreamableHttpPostResponse::Json(message, new_session));
                }
            }
            return Err(self.status_error(&response));
        }
        let awaits_nothing = !matches!(message, ClientJsonRpcMessage::Request(_));
        if response.body.is_empty() && awaits_nothing {
            return Ok(StreamableHttpPostResponse::Accepted);
        }
        match kind.as_str() {
            "application/json" => Ok(StreamableHttpPostResponse::Json(
                serde_json::from_slice(&response.body)?,
                new_session,
            )),
            "text/event-stream" => {
                let body = Bytes::from(response.body);
                let events =
                    SseStream::from_bytes_stream(stream::iter([Ok::<_, std::io::Error>(body)]))
                        .boxed();
                Ok(StreamableHttpPostResponse::Sse(events, new_session))
            }
            _ => Err(StreamableHttpError::UnexpectedContentType(
                (!kind.is_empty()).then_some(kind),
            )),
        }
    }

    async fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        _auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<(), Failure> {
        let request = self.request(Method::DELETE, &uri, Some(&session_id), custom_headers)?;
        let response = self.send(request).await?;
        if response.status.is_success() || response.status == StatusCode::METHOD_NOT_ALLOWED {
            Ok(())
        } else {
            Err(self.status_error(&response))
        }
    }

    async fn get_stream(
        &self,
        _uri: Arc<str>,
        _session_id: Option<Arc<str>>,
        _last_event_id: Option<String>,
        _auth_header: Option<String>,
        _custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<futures::stream::BoxStream<'static, Result<Sse, SseError>>, Failure> {
        Err(StreamableHttpError::ServerDoesNotSupportSse)
    }
}
