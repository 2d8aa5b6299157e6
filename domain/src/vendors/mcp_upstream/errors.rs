//! What the upstream's failures mean in the engine's classes: our transport's own failures
//! found in rmcp's error chains (401 → rejected, 403 → forbidden, 429, timeouts, refused
//! addresses), JSON-RPC errors by code, and untrusted text made safe to show (MCP-7).

use rmcp::{
    model::ErrorCode,
    service::{ClientInitializeError, ServiceError},
    transport::streamable_http_client::StreamableHttpError,
};

use super::{http::UpstreamHttpError, MAX_LABEL};
use crate::{
    outbound::OutboundError,
    vendors::{
        engine::answer::{self, Redactor},
        CallError, ConnectionCredentials,
    },
};

/// Text from the upstream, made safe to show: no control characters, redacted, capped.
pub(super) fn label(text: &str, redactor: &Redactor) -> String {
    let cleaned: String = redactor
        .apply(text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    match cleaned.char_indices().nth(MAX_LABEL) {
        Some((cut, _)) => format!("{}…", &cleaned[..cut]),
        None => cleaned,
    }
}

/// Redacts the connection's secrets: each whole value, and the credential part of a value with
/// a scheme (`Bearer <token>` → the token alone, should the server echo just that).
pub(super) fn redactor(creds: &ConnectionCredentials) -> Redactor {
    use secrecy::ExposeSecret;
    let mut values = Vec::new();
    for secret in creds.secrets.values() {
        let value = secret.expose_secret();
        values.push(value.to_owned());
        if let Some((_, credential)) = value.trim().split_once(' ') {
            if credential.trim().len() >= 8 {
                values.push(credential.trim().to_owned());
            }
        }
    }
    Redactor::new(values)
}

/// The first failure of ours in an error's chain.
fn find_http(error: &(dyn std::error::Error + 'static)) -> Option<UpstreamHttpError> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(StreamableHttpError::Client(found)) =
            e.downcast_ref::<StreamableHttpError<UpstreamHttpError>>()
        {
            return Some(found.clone());
        }
        if let Some(found) = e.downcast_ref::<UpstreamHttpError>() {
            return Some(found.clone());
        }
        next = e.source();
    }
    None
}

fn http_error(error: UpstreamHttpError) -> CallError {
    match error {
        UpstreamHttpError::Transport(OutboundError::TooLarge) => CallError::Unexpected(
            "the MCP server's answer is larger than the gateway accepts".into(),
        ),
        UpstreamHttpError::Transport(e) => answer::transport_call_error(e),
        UpstreamHttpError::Status {
            status,
            message,
            retry_after,
        } => match status {
            401 => CallError::Rejected {
                vendor_message: message,
            },
            403 => CallError::Forbidden {
                vendor_message: message,
            },
            404 => CallError::NotFound {
                vendor_message: message,
            },
            429 => CallError::RateLimited { retry_after },
            status => CallError::VendorError {
                status,
                vendor_message: message,
            },
        },
    }
}

fn transport_error(
    error: &(dyn std::error::Error + Send + Sync + 'static),
    what: &str,
) -> CallError {
    find_http(error)
        .map(http_error)
        .unwrap_or_else(|| CallError::Unexpected(format!("the MCP server {what}")))
}

pub(super) fn init_error(error: ClientInitializeError, creds: &ConnectionCredentials) -> CallError {
    match &error {
        ClientInitializeError::TransportError { error, .. } => {
            transport_error(error.error.as_ref(), "could not be initialised")
        }
        ClientInitializeError::JsonRpcError(data) => CallError::Unexpected(format!(
            "the MCP server refused to initialise: {}",
            label(&data.message, &redactor(creds))
        )),
        other => match find_http(other) {
            Some(e) => http_error(e),
            None => {
                CallError::Unexpected("the MCP server did not complete the MCP handshake".into())
            }
        },
    }
}

pub(super) fn service_error(error: ServiceError, creds: &ConnectionCredentials) -> CallError {
    match error {
        ServiceError::McpError(data) => {
            let message = label(&data.message, &redactor(creds));
            match data.code {
                ErrorCode::METHOD_NOT_FOUND => CallError::UnknownTool,
                ErrorCode::INVALID_PARAMS => CallError::InvalidArguments(message),
                _ => CallError::Unexpected(format!("the MCP server answered an error: {message}")),
            }
        }
        ServiceError::TransportSend(e) => transport_error(e.error.as_ref(), "could not be reached"),
        ServiceError::Timeout { .. } => CallError::TimedOut,
        ServiceError::TransportClosed => {
            CallError::Unexpected("the MCP server closed the session".into())
        }
        _ => CallError::Unexpected("the MCP server's answer was not usable".into()),
    }
}
