//! Reading a vendor's answer when it is not a success: the vendor's own message (trimmed,
//! redacted of the connection's secrets, HTML summarised), `Retry-After`, and the mapping of a
//! status to [`CallError`] / [`CheckOutcome`].

use std::time::Duration;

use reqwest::{header::HeaderMap, StatusCode};
use serde_json::Value;
use time::OffsetDateTime;

use crate::{
    outbound::{OutboundError, OutboundResponse},
    vendors::{CallError, CheckOutcome},
};

/// Longest vendor message passed on.
const MAX_MESSAGE: usize = 300;

/// Pointers tried after the definition's own (`error_messages`).
const DEFAULT_POINTERS: &[&str] = &[
    "/errors/0/detail",
    "/errors/0/title",
    "/errors/0/message",
    "/errors/0",
    "/error_description",
    "/message",
    "/Message",
    "/error",
    "/resultCode",
];

/// Known secret values of the call (stored secrets, the current access token), replaced by
/// `[redacted]` wherever vendor text is passed on (MCP-7, VAULT-7).
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(secrets: Vec<String>) -> Self {
        // Very short values would redact ordinary words; no real credential is that short.
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self { secrets }
    }

    pub fn add(&mut self, secret: String) {
        if secret.len() >= 4 {
            self.secrets.push(secret);
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[redacted]");
            }
        }
        out
    }
}

fn trim(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() > MAX_MESSAGE {
        let cut: String = collapsed.chars().take(MAX_MESSAGE).collect();
        format!("{cut}…")
    } else {
        collapsed
    }
}

fn is_html(headers: &HeaderMap, body: &[u8]) -> bool {
    let ct = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let start = String::from_utf8_lossy(&body[..body.len().min(64)])
        .trim_start()
        .to_ascii_lowercase();
    ct.contains("html") || start.starts_with("<!doctype html") || start.starts_with("<html")
}

/// A summary of an HTML page: its `<title>`, never its markup.
fn summarise_html(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    let title = lower.find("<title>").and_then(|start| {
        let rest = &text[start + 7..];
        rest.to_ascii_lowercase()
            .find("</title>")
            .map(|end| trim(&rest[..end]))
    });
    match title {
        Some(t) if !t.is_empty() => format!("an HTML page titled “{t}” instead of JSON"),
        _ => "an HTML page instead of JSON".into(),
    }
}

/// The vendor's message from an error answer: JSON pointers first, then plain text; HTML is
/// summarised. Trimmed and redacted.
pub(crate) fn vendor_message(
    response: &OutboundResponse,
    pointers: &[String],
    redactor: &Redactor,
) -> Option<String> {
    if response.body.is_empty() {
        return None;
    }
    if is_html(&response.headers, &response.body) {
        return Some(redactor.apply(&summarise_html(&response.body)));
    }
    let text = match serde_json::from_slice::<Value>(&response.body) {
        Ok(json) => pointers
            .iter()
            .map(String::as_str)
            .chain(DEFAULT_POINTERS.iter().copied())
            .find_map(|p| match json.pointer(p) {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                _ => None,
            })?,
        Err(_) => String::from_utf8_lossy(&response.body).into_owned(),
    };
    let text = trim(&redactor.apply(&text));
    (!text.is_empty()).then_some(text)
}

/// `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3), relative to `now`.
pub(crate) fn retry_after(headers: &HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let at = OffsetDateTime::from(at);
    let secs = (at - now).whole_seconds().max(0);
    Some(Duration::from_secs(secs as u64))
}

/// A non-success answer as a tool-call error.
pub(crate) fn call_error(
    response: &OutboundResponse,
    pointers: &[String],
    redactor: &Redactor,
    now: OffsetDateTime,
) -> CallError {
    let vendor_message = vendor_message(response, pointers, redactor);
    match response.status {
        StatusCode::UNAUTHORIZED => CallError::Rejected { vendor_message },
        StatusCode::FORBIDDEN => CallError::Forbidden { vendor_message },
        StatusCode::NOT_FOUND => CallError::NotFound { vendor_message },
        StatusCode::TOO_MANY_REQUESTS => CallError::RateLimited {
            retry_after: retry_after(&response.headers, now),
        },
        status => CallError::VendorError {
            status: status.as_u16(),
            vendor_message,
        },
    }
}

/// A transport failure as a tool-call error.
pub(crate) fn transport_call_error(error: OutboundError) -> CallError {
    match error {
        OutboundError::TimedOut => CallError::TimedOut,
        other => CallError::Unreachable(other),
    }
}

/// A tool-call error as a check outcome (the check runs through the same request path).
pub(crate) fn check_outcome(error: CallError) -> CheckOutcome {
    match error {
        CallError::Rejected { vendor_message } => CheckOutcome::Rejected { vendor_message },
        CallError::Forbidden { vendor_message } => CheckOutcome::Forbidden { vendor_message },
        CallError::RateLimited { retry_after } => CheckOutcome::RateLimited { retry_after },
        CallError::TimedOut | CallError::Unreachable(OutboundError::TimedOut) => {
            CheckOutcome::TimedOut
        }
        CallError::Unreachable(OutboundError::HostNotFound) => CheckOutcome::HostNotFound,
        CallError::Unreachable(OutboundError::ConnectionRefused) => CheckOutcome::ConnectionRefused,
        CallError::Unreachable(OutboundError::Tls) => CheckOutcome::Tls,
        CallError::Unreachable(other) => CheckOutcome::Unexpected {
            status: None,
            summary: format!("The vendor could not be reached: {other}."),
        },
        CallError::NotFound { vendor_message } => CheckOutcome::Unexpected {
            status: Some(404),
            summary: vendor_message.unwrap_or_else(|| "not found".into()),
        },
        CallError::VendorError {
            status,
            vendor_message,
        } => CheckOutcome::Unexpected {
            status: Some(status),
            summary: vendor_message.unwrap_or_else(|| "the vendor reported an error".into()),
        },
        CallError::InvalidSettings { field, message } => {
            CheckOutcome::InvalidSettings { field, message }
        }
        CallError::UnknownTool
        | CallError::InvalidArguments(_)
        | CallError::Unexpected(_)
        | CallError::CircuitOpen { .. } => CheckOutcome::Unexpected {
            status: None,
            summary: error_text(&error),
        },
    }
}

fn error_text(error: &CallError) -> String {
    match error {
        CallError::Unexpected(s) | CallError::InvalidArguments(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use reqwest::header::HeaderValue;

    fn response(status: u16, ct: &str, body: &str) -> OutboundResponse {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_str(ct).unwrap(),
        );
        OutboundResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn secrets_in_vendor_messages_are_redacted() {
        let r = Redactor::new(vec!["ITG.secret-key-123".into()]);
        let resp = response(
            401,
            "application/json",
            r#"{"errors":[{"detail":"Key ITG.secret-key-123 is invalid"}]}"#,
        );
        let msg = vendor_message(&resp, &[], &r).unwrap();
        assert_eq!(msg, "Key [redacted] is invalid");
    }

    #[test]
    fn html_is_summarised_never_returned() {
        let r = Redactor::new(vec![]);
        let resp = response(502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><script>x</script></body></html>");
        let msg = vendor_message(&resp, &[], &r).unwrap();
        assert_eq!(msg, "an HTML page titled “502 Bad Gateway” instead of JSON");
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = time::macros::datetime!(2026-01-01 00:00:00 UTC);
        let mut h = HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Thu, 01 Jan 2026 00:01:00 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(60)));
    }
}
