//! Where a connection's requests go and how they are authenticated: base URL (template, region
//! map or discovery, cached per (connection, version)), auth headers for every scheme, and the
//! OAuth 2.0 token request. Tokens are cached in `tokens.rs`; token exchanges are in
//! `exchange.rs`.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use secrecy::ExposeSecret;
use serde_json::Value;
use time::OffsetDateTime;
use url::Url;

use super::{answer, lock, CacheKey, Engine};
use crate::vendors::{
    AuthScheme, BaseUrl, CallError, ClientAuth, ConnectionCredentials, FieldKind, HttpSpec,
    Template, TokenSpec, VendorDefinition,
};

/// Bytes left as they are in a path segment: RFC 3986 unreserved. Everything else, `/`, `%`,
/// `?` and `#` included, is percent-encoded, so an argument is always exactly one segment.
pub(super) const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// An argument or field value as one path segment; `.`/`..`/empty would change the path's
/// shape even encoded (`%2e%2e` is a dot-segment to URL parsers), so they are refused.
pub(super) fn segment(value: &str) -> Result<String, CallError> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(CallError::InvalidArguments(format!(
            "`{value}` cannot be used as a path segment"
        )));
    }
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}

pub(super) fn invalid(field: &str, message: &str) -> CallError {
    CallError::InvalidSettings {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// Renders a connection-level URL template (base URL, token URL, discovery URL): a select
/// field's value (re-checked against its options) and a URL field go in as they are (a URL
/// field followed by more text without its trailing `/`); other values are encoded as a path
/// segment, or as a query value after `?`.
pub(super) fn render_url(
    def: &VendorDefinition,
    template: &Template,
    creds: &ConnectionCredentials,
) -> Result<Url, CallError> {
    for var in template.vars() {
        let value = creds.value(var);
        let ok = match (def.field(var).map(|f| &f.kind), value) {
            (Some(FieldKind::Select { options }), Some(v)) => options.iter().any(|(o, _)| o == v),
            (Some(_), Some(v)) => segment(v).is_ok(),
            _ => false,
        };
        if !ok {
            return Err(invalid(var, "is missing or not one of the allowed values"));
        }
    }
    let whole = template.single_var().is_some();
    let text = template
        .render_with(|name, in_query| {
            let value = creds.value(name)?;
            Some(match def.field(name).map(|f| &f.kind) {
                Some(FieldKind::Select { .. }) => value.to_owned(),
                // `https://host/` + `/api/v1` must not become `https://host//api/v1`.
                Some(FieldKind::Url) if !whole => value.trim_end_matches('/').to_owned(),
                Some(FieldKind::Url) => value.to_owned(),
                _ if in_query => url::form_urlencoded::byte_serialize(value.as_bytes()).collect(),
                _ => utf8_percent_encode(value, SEGMENT).to_string(),
            })
        })
        .ok_or_else(|| invalid("", "a value is missing"))?;
    let field = template.vars().next().unwrap_or("");
    Url::parse(&text).map_err(|_| invalid(field, "does not make a valid URL"))
}

fn host_allowed(url: &Url, allowed: &[String]) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    url.scheme() == "https"
        && allowed
            .iter()
            .any(|pattern| match pattern.strip_prefix("*.") {
                Some(suffix) => host.len() > suffix.len() && host.ends_with(&format!(".{suffix}")),
                None => host == pattern,
            })
}

fn join(base: &str, tail: &str) -> String {
    if tail.is_empty() {
        base.to_owned()
    } else {
        format!(
            "{}/{}",
            base.trim_end_matches('/'),
            tail.trim_start_matches('/')
        )
    }
}

impl Engine {
    /// The connection's base URL.
    pub(super) async fn base_url(
        &self,
        def: &VendorDefinition,
        spec: &HttpSpec,
        creds: &ConnectionCredentials,
        now: OffsetDateTime,
    ) -> Result<Url, CallError> {
        match &spec.base_url {
            BaseUrl::Template(t) => render_url(def, t, creds),
            BaseUrl::Map { field, map } => creds
                .value(field)
                .and_then(|v| map.get(v))
                .and_then(|u| Url::parse(u).ok())
                .ok_or_else(|| invalid(field, "is missing or not one of the allowed values")),
            BaseUrl::Discover {
                url,
                pointer,
                append,
                allowed_hosts,
                field,
            } => {
                let key: CacheKey = (creds.connection_id, creds.version);
                if let Some(found) = lock(&self.inner.bases).get(&key) {
                    return Ok(found.clone());
                }
                let blame = field.as_deref().unwrap_or("");
                let request =
                    reqwest::Request::new(reqwest::Method::GET, render_url(def, url, creds)?);
                let response = self.send(def, request).await?;
                let redactor = answer::Redactor::new(secret_values(creds));
                if matches!(response.status.as_u16(), 400 | 404) {
                    let said = answer::vendor_message(&response, &spec.error_pointers, &redactor);
                    return Err(invalid(
                        blame,
                        &said.unwrap_or_else(|| "the vendor does not know this value".into()),
                    ));
                }
                if !response.status.is_success() {
                    return Err(answer::call_error(
                        &response,
                        &spec.error_pointers,
                        &redactor,
                        now,
                    ));
                }
                let found = serde_json::from_slice::<Value>(&response.body)
                    .ok()
                    .and_then(|j| {
                        j.pointer(pointer)
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .and_then(|u| Url::parse(&join(&u, append)).ok())
                    .filter(|u| host_allowed(u, allowed_hosts))
                    .ok_or_else(|| {
                        invalid(
                            blame,
                            "the vendor's discovery answer named no usable address",
                        )
                    })?;
                let mut bases = lock(&self.inner.bases);
                bases.retain(|k, _| k.0 != creds.connection_id);
                bases.insert(key, found.clone());
                Ok(found)
            }
        }
    }

    /// The auth headers of one request; the access token (if any) is added to `redactor`.
    pub(super) async fn auth_headers(
        &self,
        def: &VendorDefinition,
        spec: &HttpSpec,
        creds: &ConnectionCredentials,
        base: &Url,
        now: OffsetDateTime,
        redactor: &mut answer::Redactor,
    ) -> Result<Vec<(HeaderName, HeaderValue)>, CallError> {
        let field = |t: &Template| render_field(t, creds);
        let pairs: Vec<(String, String)> = match &spec.auth {
            AuthScheme::Headers(list) => list
                .iter()
                .map(|(n, t)| Ok((n.clone(), field(t)?)))
                .collect::<Result<_, CallError>>()?,
            AuthScheme::Basic { username, password } => {
                let encoded = STANDARD.encode(format!("{}:{}", field(username)?, field(password)?));
                redactor.add(encoded.clone());
                vec![("Authorization".into(), format!("Basic {encoded}"))]
            }
            AuthScheme::Bearer { token } => {
                vec![("Authorization".into(), format!("Bearer {}", field(token)?))]
            }
            AuthScheme::ApiKeyHeader { header, value } => vec![(header.clone(), field(value)?)],
            AuthScheme::OAuth2ClientCredentials(t) | AuthScheme::OAuth2Password(t) => {
                let token = self.token(def, spec, t, creds, base, now).await?;
                redactor.add(token.clone());
                vec![("Authorization".into(), format!("Bearer {token}"))]
            }
            AuthScheme::TokenExchange(x) => {
                let token = self
                    .cached_token(creds, now, || self.exchange(def, spec, x, creds, base, now))
                    .await?;
                redactor.add(token.clone());
                vec![(x.header.clone(), format!("{}{token}", x.prefix))]
            }
            // Kept fresh by the connections side before the call; the engine only sends it.
            AuthScheme::OAuth2AuthorizationCode(_) => {
                let token = creds
                    .secrets
                    .get(super::authorization_code::ACCESS_TOKEN)
                    .map(|t| t.expose_secret().to_owned())
                    .ok_or(CallError::Rejected {
                        vendor_message: Some("the connection has no access token yet".into()),
                    })?;
                vec![("Authorization".into(), format!("Bearer {token}"))]
            }
        };
        pairs
            .into_iter()
            .map(|(name, value)| {
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| CallError::Unexpected("bad header name".into()))?;
                let mut value = HeaderValue::from_str(&value).map_err(|_| {
                    invalid("", "a credential contains characters a header cannot carry")
                })?;
                value.set_sensitive(true);
                Ok((name, value))
            })
            .collect()
    }

    async fn token(
        &self,
        def: &VendorDefinition,
        spec: &HttpSpec,
        t: &TokenSpec,
        creds: &ConnectionCredentials,
        base: &Url,
        now: OffsetDateTime,
    ) -> Result<String, CallError> {
        self.cached_token(creds, now, || {
            self.fetch_oauth_token(def, spec, t, creds, base, now)
        })
        .await
    }

    async fn fetch_oauth_token(
        &self,
        def: &VendorDefinition,
        spec: &HttpSpec,
        t: &TokenSpec,
        creds: &ConnectionCredentials,
        base: &Url,
        now: OffsetDateTime,
    ) -> Result<(String, OffsetDateTime), CallError> {
        let url = if t.token_url.as_str().starts_with('/') {
            base.join(t.token_url.as_str())
                .map_err(|_| invalid("", "bad token URL"))?
        } else {
            render_url(def, &t.token_url, creds)?
        };
        let mut form: Vec<(&str, String)> = Vec::new();
        let client_id = render_field(&t.client_id, creds)?;
        let client_secret = t
            .client_secret
            .as_ref()
            .map(|s| render_field(s, creds))
            .transpose()?;
        let mut request = reqwest::Request::new(reqwest::Method::POST, url);
        match (&t.username, &t.password) {
            (Some(u), Some(p)) => {
                form.push(("grant_type", "password".into()));
                form.push(("username", render_field(u, creds)?));
                form.push(("password", render_field(p, creds)?));
            }
            _ => form.push(("grant_type", "client_credentials".into())),
        }
        match t.client_auth {
            ClientAuth::Body => {
                form.push(("client_id", client_id));
                if let Some(s) = client_secret {
                    form.push(("client_secret", s));
                }
            }
            ClientAuth::Basic => {
                let basic =
                    STANDARD.encode(format!("{client_id}:{}", client_secret.unwrap_or_default()));
                let mut v = HeaderValue::from_str(&format!("Basic {basic}"))
                    .map_err(|_| invalid("", "bad client credentials"))?;
                v.set_sensitive(true);
                request.headers_mut().insert(AUTHORIZATION, v);
            }
        }
        if let Some(scope) = &t.scope {
            form.push(("scope", scope.clone()));
        }
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        request.headers_mut().insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        *request.body_mut() = Some(body.into());
        let response = self.send(def, request).await?;
        let redactor = answer::Redactor::new(secret_values(creds));
        if !response.status.is_success() {
            let json: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
            let code = json.get("error").and_then(Value::as_str).unwrap_or("");
            // RFC 6749 §5.2: a refused client or grant is a 400 (or 401) with these codes.
            if response.status.as_u16() == 401
                || (response.status.as_u16() == 400
                    && matches!(
                        code,
                        "invalid_client" | "invalid_grant" | "unauthorized_client"
                    ))
            {
                return Err(CallError::Rejected {
                    vendor_message: answer::vendor_message(
                        &response,
                        &spec.error_pointers,
                        &redactor,
                    ),
                });
            }
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
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                CallError::Unexpected("the token endpoint's answer has no access_token".into())
            })?
            .to_owned();
        let lifetime = json
            .get("expires_in")
            .and_then(Value::as_i64)
            .unwrap_or(3600)
            .clamp(0, 86_400);
        Ok((token, now + time::Duration::seconds(lifetime)))
    }
}

/// A header or form value from the connection's fields (no encoding).
pub(super) fn render_field(
    t: &Template,
    creds: &ConnectionCredentials,
) -> Result<String, CallError> {
    match t.vars().find(|v| creds.value(v).is_none()) {
        Some(missing) => Err(invalid(missing, "is missing")),
        None => t
            .render(|n| creds.value(n).map(str::to_owned))
            .ok_or_else(|| invalid("", "is missing")),
    }
}

/// The connection's secret values, for redaction.
pub(super) fn secret_values(creds: &ConnectionCredentials) -> Vec<String> {
    creds
        .secrets
        .values()
        .map(|s| s.expose_secret().to_owned())
        .collect()
}
