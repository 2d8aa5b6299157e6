//! Token exchanges (`scheme = "token_exchange"`): one request built from the connection's form
//! fields (JSON or form body, extra headers) whose answer carries a token and, optionally, its
//! lifetime in seconds or its expiry time. The token is cached like an OAuth token
//! ([`Engine::cached_token`]) and dropped after a 401. A refusal (400, 401 or 403), or an answer
//! without a token (a second factor was asked for, say), is `rejected` with the vendor's words.

use reqwest::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use time::{
    format_description::well_known::{Iso8601, Rfc3339},
    OffsetDateTime, PrimitiveDateTime,
};
use url::Url;

use super::{
    answer,
    auth::{invalid, render_field, render_url, secret_values},
    Engine,
};
use crate::vendors::{
    template::render_json, CallError, ConnectionCredentials, ExchangeBody, ExchangeSpec, HttpSpec,
    TokenExpiry, VendorDefinition,
};

/// Lifetime of a token whose answer does not say.
const DEFAULT_LIFETIME: time::Duration = time::Duration::hours(1);
/// Longest lifetime believed (a token is re-exchanged at least daily).
const MAX_LIFETIME: time::Duration = time::Duration::days(1);

impl Engine {
    /// Sends the exchange request and reads the token and its expiry from the answer.
    pub(super) async fn exchange(
        &self,
        def: &VendorDefinition,
        spec: &HttpSpec,
        x: &ExchangeSpec,
        creds: &ConnectionCredentials,
        base: &Url,
        now: OffsetDateTime,
    ) -> Result<(String, OffsetDateTime), CallError> {
        let url = if x.url.as_str().starts_with('/') {
            base.join(x.url.as_str())
                .map_err(|_| invalid("", "bad token URL"))?
        } else {
            render_url(def, &x.url, creds)?
        };
        let mut request = reqwest::Request::new(x.method.as_reqwest(), url);
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, template) in &x.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| CallError::Unexpected("bad header name".into()))?;
            let mut value =
                HeaderValue::from_str(&render_field(template, creds)?).map_err(|_| {
                    invalid("", "a credential contains characters a header cannot carry")
                })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let body = match &x.body {
            ExchangeBody::None => None,
            ExchangeBody::Json(template) => {
                let value = |name: &str| creds.value(name).map(|v| Value::String(v.to_owned()));
                let json = render_json(template, &value)
                    .ok_or_else(|| invalid("", "a value of the token request is missing"))?;
                Some(("application/json", json.to_string()))
            }
            ExchangeBody::Form(fields) => {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                for (name, template) in fields {
                    form.append_pair(name, &render_field(template, creds)?);
                }
                Some(("application/x-www-form-urlencoded", form.finish()))
            }
        };
        if let Some((content_type, text)) = body {
            request
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            *request.body_mut() = Some(text.into());
        }
        let response = self.send(def, request).await?;
        let redactor = answer::Redactor::new(secret_values(creds));
        let said = || answer::vendor_message(&response, &spec.error_pointers, &redactor);
        if matches!(response.status.as_u16(), 400 | 401 | 403) {
            return Err(CallError::Rejected {
                vendor_message: said(),
            });
        }
        if !response.status.is_success() {
            return Err(answer::call_error(
                &response,
                &spec.error_pointers,
                &redactor,
                now,
            ));
        }
        let json: Value = serde_json::from_slice(&response.body).map_err(|_| {
            CallError::Unexpected("the token endpoint did not answer with JSON".into())
        })?;
        let token = json
            .pointer(&x.token_pointer)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| CallError::Rejected {
                vendor_message: said().or_else(|| {
                    Some(
                        "the vendor answered without a token (is a second factor required?)".into(),
                    )
                }),
            })?
            .to_owned();
        Ok((token, expires_at(&json, &x.expiry, now)))
    }
}

/// When a token from this answer expires: what the answer says, within (now, now + a day];
/// an hour when it says nothing readable.
fn expires_at(json: &Value, expiry: &TokenExpiry, now: OffsetDateTime) -> OffsetDateTime {
    let said = match expiry {
        TokenExpiry::Default => None,
        TokenExpiry::InSeconds(p) => json
            .pointer(p)
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()))
            .map(|secs| now + time::Duration::seconds(secs)),
        TokenExpiry::At(p) => json.pointer(p).and_then(Value::as_str).and_then(timestamp),
    };
    match said {
        Some(at) if at > now => at.min(now + MAX_LIFETIME),
        // Already expired by our clock: usable for this call, fetched again next time.
        Some(_) => now,
        None => now + DEFAULT_LIFETIME,
    }
}

/// An RFC 3339 / ISO 8601 timestamp; one without an offset is UTC.
fn timestamp(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .ok()
        .or_else(|| {
            PrimitiveDateTime::parse(text, &Iso8601::DEFAULT)
                .ok()
                .map(PrimitiveDateTime::assume_utc)
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    #[test]
    fn expiry_is_read_as_seconds_or_a_timestamp_and_bounded() {
        let at = |v: Value, e: TokenExpiry| expires_at(&v, &e, NOW);
        let secs = TokenExpiry::InSeconds("/expires_in".into());
        let stamp = TokenExpiry::At("/ExpirationDate".into());
        assert_eq!(
            at(json!({"expires_in": 900}), secs.clone()),
            datetime!(2026-06-01 12:15 UTC)
        );
        assert_eq!(
            at(json!({"expires_in": "900"}), secs.clone()),
            datetime!(2026-06-01 12:15 UTC)
        );
        assert_eq!(
            at(
                json!({"ExpirationDate": "2026-06-01T13:30:00Z"}),
                stamp.clone()
            ),
            datetime!(2026-06-01 13:30 UTC)
        );
        assert_eq!(
            at(
                json!({"ExpirationDate": "2026-06-01T14:30:00+01:00"}),
                stamp.clone()
            ),
            datetime!(2026-06-01 13:30 UTC)
        );
        // No offset: UTC; fractional seconds as .NET writes them.
        assert_eq!(
            at(
                json!({"ExpirationDate": "2026-06-01T13:30:00.1234567"}),
                stamp.clone()
            ),
            datetime!(2026-06-01 13:30:00.1234567 UTC)
        );
        // Unreadable or absent: an hour; far future: a day; past: now.
        assert_eq!(
            at(json!({"ExpirationDate": "soon"}), stamp.clone()),
            datetime!(2026-06-01 13:00 UTC)
        );
        assert_eq!(
            at(json!({}), TokenExpiry::Default),
            datetime!(2026-06-01 13:00 UTC)
        );
        assert_eq!(
            at(json!({"expires_in": 10_000_000}), secs),
            datetime!(2026-06-02 12:00 UTC)
        );
        assert_eq!(
            at(json!({"ExpirationDate": "2020-01-01T00:00:00Z"}), stamp),
            NOW
        );
    }
}
