//! What a connection check and a tool call can come to, with stable classes (for audit rows,
//! metrics and the portal) and precise human messages that never carry a secret (VAULT-7).

use std::time::Duration;

use crate::outbound::OutboundError;

/// The result of a connection check ("Test connection", and before a credential is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The vendor accepted the credential.
    Authenticated {
        /// What the vendor said about the account (company name), if the definition reads one.
        detail: Option<String>,
    },
    /// 401 (or a refused token request): the credential is wrong, expired or revoked.
    Rejected {
        /// The vendor's own message, trimmed and redacted.
        vendor_message: Option<String>,
    },
    /// 403: the credential is valid but lacks permission (or the address is not allow-listed).
    Forbidden {
        /// The vendor's own message, trimmed and redacted.
        vendor_message: Option<String>,
    },
    /// The vendor's host name did not resolve.
    HostNotFound,
    /// Nothing accepted the connection.
    ConnectionRefused,
    /// No answer in time (vendors that silently drop non-allow-listed addresses end here).
    TimedOut,
    /// TLS failed (certificate or handshake).
    Tls,
    /// 429.
    RateLimited {
        /// From `Retry-After` (seconds or HTTP date).
        retry_after: Option<Duration>,
    },
    /// Any other answer or failure.
    Unexpected {
        /// The HTTP status, when there was an answer.
        status: Option<u16>,
        /// What happened, in words (no body text beyond a redacted, trimmed vendor message).
        summary: String,
    },
    /// A form value cannot work (unknown region, the vendor does not know the user name).
    InvalidSettings {
        /// The form field to show the message beside.
        field: String,
        /// Why.
        message: String,
    },
}

impl CheckOutcome {
    /// Whether the credential works.
    pub fn is_ok(&self) -> bool {
        matches!(self, CheckOutcome::Authenticated { .. })
    }

    /// A stable class name.
    pub fn class(&self) -> &'static str {
        match self {
            CheckOutcome::Authenticated { .. } => "authenticated",
            CheckOutcome::Rejected { .. } => "rejected",
            CheckOutcome::Forbidden { .. } => "forbidden",
            CheckOutcome::HostNotFound => "host_not_found",
            CheckOutcome::ConnectionRefused => "connection_refused",
            CheckOutcome::TimedOut => "timed_out",
            CheckOutcome::Tls => "tls",
            CheckOutcome::RateLimited { .. } => "rate_limited",
            CheckOutcome::Unexpected { .. } => "unexpected",
            CheckOutcome::InvalidSettings { .. } => "invalid_settings",
        }
    }

    /// A precise human message (no secrets).
    pub fn message(&self) -> String {
        match self {
            CheckOutcome::Authenticated { detail: Some(d) } => format!("Connected ({d})."),
            CheckOutcome::Authenticated { detail: None } => "Connected.".into(),
            CheckOutcome::Rejected { vendor_message } => with_vendor(
                "The vendor rejected the credential: check the values and that the key is active",
                vendor_message,
            ),
            CheckOutcome::Forbidden { vendor_message } => with_vendor(
                "The credential is valid but not allowed to do this (permissions, or an IP allow-list on the vendor side)",
                vendor_message,
            ),
            CheckOutcome::HostNotFound => "The vendor's host name was not found (DNS).".into(),
            CheckOutcome::ConnectionRefused => "The vendor's server refused the connection.".into(),
            CheckOutcome::TimedOut => "The vendor did not answer in time. Some vendors silently drop requests from addresses that are not on their allow-list.".into(),
            CheckOutcome::Tls => "The secure connection to the vendor failed (certificate or TLS handshake).".into(),
            CheckOutcome::RateLimited { retry_after } => rate_limited_text(*retry_after),
            CheckOutcome::Unexpected { status: Some(s), summary } => {
                format!("The vendor answered with HTTP {s}: {summary}")
            }
            CheckOutcome::Unexpected { status: None, summary } => summary.clone(),
            CheckOutcome::InvalidSettings { field, message } => format!("{field}: {message}"),
        }
    }
}

fn with_vendor(text: &str, vendor_message: &Option<String>) -> String {
    match vendor_message {
        Some(m) => format!("{text}. The vendor said: “{m}”"),
        None => format!("{text}."),
    }
}

fn rate_limited_text(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(
            "The vendor's rate limit was reached; retry in {} s.",
            d.as_secs().max(1)
        ),
        None => "The vendor's rate limit was reached; retry later.".into(),
    }
}

/// A tool's answer: shaped JSON text, capped.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    /// JSON text (the MCP `content[0].text`).
    pub text: String,
    /// The same as a value (MCP `structuredContent`), when it is an object.
    pub structured: Option<serde_json::Value>,
    /// Items or text were left out (the output says so too).
    pub truncated: bool,
    /// The tool reported a failure (an upstream MCP server's `isError: true`); the text says
    /// what happened.
    pub is_error: bool,
}

/// Why a tool call failed. Messages name the vendor, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No tool of that name in the definition.
    #[error("unknown tool")]
    UnknownTool,
    /// The arguments do not match the tool's input schema.
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    /// 401: the stored credential no longer works.
    #[error("credential rejected")]
    Rejected {
        /// The vendor's message, trimmed and redacted.
        vendor_message: Option<String>,
    },
    /// 403.
    #[error("forbidden")]
    Forbidden {
        /// The vendor's message, trimmed and redacted.
        vendor_message: Option<String>,
    },
    /// 404.
    #[error("not found")]
    NotFound {
        /// The vendor's message, trimmed and redacted.
        vendor_message: Option<String>,
    },
    /// 429, or the definition's own rate limit.
    #[error("rate limited")]
    RateLimited {
        /// When to retry.
        retry_after: Option<Duration>,
    },
    /// No answer in time.
    #[error("timed out")]
    TimedOut,
    /// Transport failure of the given class.
    #[error("unreachable: {0}")]
    Unreachable(OutboundError),
    /// Another 4xx/5xx.
    #[error("vendor error {status}")]
    VendorError {
        /// HTTP status.
        status: u16,
        /// The vendor's message, trimmed and redacted (HTML summarised).
        vendor_message: Option<String>,
    },
    /// A stored setting cannot work (discovery failed, unknown region).
    #[error("invalid settings: {field}")]
    InvalidSettings {
        /// The form field.
        field: String,
        /// Why.
        message: String,
    },
    /// Anything else (unreadable answer, a definition that cannot be rendered).
    #[error("unexpected: {0}")]
    Unexpected(String),
    /// The connection's circuit breaker is open: the vendor failed repeatedly (timed out, 5xx,
    /// unreachable), so the call was answered at once without reaching it.
    #[error("circuit open")]
    CircuitOpen {
        /// Time left before a trial call is let through; `None` while one is deciding.
        retry_in: Option<Duration>,
    },
}

impl From<CallError> for CheckOutcome {
    /// A call's failure as a check's outcome (a check that had to refresh a token first).
    fn from(e: CallError) -> Self {
        super::engine::answer::check_outcome(e)
    }
}

impl CallError {
    /// A stable class name.
    pub fn class(&self) -> &'static str {
        match self {
            CallError::UnknownTool => "unknown_tool",
            CallError::InvalidArguments(_) => "invalid_arguments",
            CallError::Rejected { .. } => "rejected",
            CallError::Forbidden { .. } => "forbidden",
            CallError::NotFound { .. } => "not_found",
            CallError::RateLimited { .. } => "rate_limited",
            CallError::TimedOut => "timed_out",
            CallError::Unreachable(_) => "unreachable",
            CallError::VendorError { .. } => "vendor_error",
            CallError::InvalidSettings { .. } => "invalid_settings",
            CallError::Unexpected(_) => "unexpected",
            CallError::CircuitOpen { .. } => "circuit_open",
        }
    }

    /// A message for the model and the user, naming the vendor.
    pub fn message(&self, vendor_name: &str) -> String {
        let said = |m: &Option<String>| match m {
            Some(m) => format!(" {vendor_name} said: “{m}”"),
            None => String::new(),
        };
        match self {
            CallError::UnknownTool => format!("{vendor_name} has no such tool."),
            CallError::InvalidArguments(why) => format!("Invalid arguments: {why}"),
            CallError::Rejected { vendor_message } => format!(
                "{vendor_name} rejected the stored credential (HTTP 401); update the connection.{}",
                said(vendor_message)
            ),
            CallError::Forbidden { vendor_message } => format!(
                "{vendor_name} refused this request (HTTP 403): the credential lacks the permission.{}",
                said(vendor_message)
            ),
            CallError::NotFound { vendor_message } => format!(
                "{vendor_name} found no such record (HTTP 404).{}",
                said(vendor_message)
            ),
            CallError::RateLimited { retry_after } => {
                format!("{vendor_name}: {}", rate_limited_text(*retry_after))
            }
            CallError::TimedOut => format!("{vendor_name} did not answer in time."),
            CallError::Unreachable(e) => format!("{vendor_name} could not be reached: {e}."),
            CallError::VendorError {
                status,
                vendor_message,
            } => format!(
                "{vendor_name} answered with an error (HTTP {status}).{}",
                said(vendor_message)
            ),
            CallError::InvalidSettings { field, message } => {
                format!("The {vendor_name} connection's setting `{field}` does not work: {message}")
            }
            CallError::Unexpected(why) => format!("{vendor_name}: {why}"),
            CallError::CircuitOpen { retry_in: Some(wait) } => format!(
                "{vendor_name} is failing (it timed out, answered with server errors or could not be reached several times in a row); the gateway pauses calls to it for {} s. Retry after that.",
                wait.as_secs().max(1)
            ),
            CallError::CircuitOpen { retry_in: None } => format!(
                "{vendor_name} is failing; the gateway is trying one call to see whether it is back. Retry in a few seconds."
            ),
        }
    }
}
