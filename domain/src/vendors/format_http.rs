//! The HTTP part of the definition format: `[base_url]` and `[auth]`, with every template
//! checked against the form's fields.

use std::{collections::BTreeMap, ops::Range};

use serde::Deserialize;
use toml::Spanned;

use super::{
    catalog::CatalogError,
    definition::*,
    format::{form_template, header_name, Ctx},
    template::json_vars,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBaseUrl {
    url: Option<String>,
    field: Option<String>,
    map: Option<BTreeMap<String, String>>,
    discover: Option<RawDiscover>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDiscover {
    url: String,
    pointer: String,
    #[serde(default)]
    append: String,
    allowed_hosts: Vec<String>,
    field: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuth {
    scheme: String,
    headers: Option<BTreeMap<String, String>>,
    username: Option<String>,
    password: Option<String>,
    token: Option<String>,
    header: Option<String>,
    value: Option<String>,
    token_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
    client_auth: Option<String>,
    method: Option<String>,
    body: Option<toml::Value>,
    form: Option<BTreeMap<String, String>>,
    token_pointer: Option<String>,
    expires_in_pointer: Option<String>,
    expires_at_pointer: Option<String>,
    prefix: Option<String>,
    authorize_url: Option<String>,
    scopes: Option<Vec<String>>,
    pkce: Option<String>,
    provider: Option<String>,
}

fn client_auth(
    ctx: &Ctx,
    span: Range<usize>,
    value: Option<&str>,
) -> Result<ClientAuth, CatalogError> {
    match value {
        None | Some("body") => Ok(ClientAuth::Body),
        Some("basic") => Ok(ClientAuth::Basic),
        Some(other) => Err(ctx.err(
            span,
            format!("client_auth `{other}` (expected body or basic)"),
        )),
    }
}

/// `oauth2_authorization_code`: both endpoints absolute https templates over the form, at least
/// one scope, PKCE S256 only (`plain` would let an intercepted code be redeemed), and who shows
/// the consent page. The client id and secret are the operator's (`vendor_oauth.<slug>`), never
/// form fields: one app registration serves every connection.
fn authorization_code(
    ctx: &Ctx,
    span: Range<usize>,
    a: &RawAuth,
    form: &[FormField],
) -> Result<AuthorizationCodeSpec, CatalogError> {
    let endpoint = |value: &Option<String>, key: &str| {
        let text = value.as_deref().ok_or_else(|| {
            ctx.err(
                span.clone(),
                format!("auth scheme `oauth2_authorization_code` needs `{key}`"),
            )
        })?;
        if !text.starts_with("https://") {
            return Err(ctx.err(span.clone(), format!("`{key}` must start with https://")));
        }
        form_template(ctx, span.clone(), text, form)
    };
    let scopes = a.scopes.clone().unwrap_or_default();
    if scopes.is_empty()
        || scopes
            .iter()
            .any(|s| s.is_empty() || s.contains(char::is_whitespace))
    {
        return Err(ctx.err(
            span,
            "`scopes` needs at least one scope, each without spaces",
        ));
    }
    if a.pkce.as_deref().is_some_and(|p| p != "S256") {
        return Err(ctx.err(span, "`pkce` can only be \"S256\" (plain is refused)"));
    }
    let provider = a.provider.clone().filter(|p| !p.trim().is_empty()).ok_or_else(|| {
        ctx.err(span.clone(), "auth scheme `oauth2_authorization_code` needs `provider` (who shows the consent page)")
    })?;
    Ok(AuthorizationCodeSpec {
        authorize_url: endpoint(&a.authorize_url, "authorize_url")?,
        token_url: endpoint(&a.token_url, "token_url")?,
        scopes,
        client_auth: client_auth(ctx, span.clone(), a.client_auth.as_deref())?,
        provider,
    })
}

fn https_url(ctx: &Ctx, span: Range<usize>, text: &str) -> Result<String, CatalogError> {
    match url::Url::parse(text) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some() => Ok(text.to_owned()),
        _ => Err(ctx.err(span, format!("`{text}` is not an https URL"))),
    }
}

pub(super) fn convert_base_url(
    ctx: &Ctx,
    raw: Spanned<RawBaseUrl>,
    form: &[FormField],
) -> Result<BaseUrl, CatalogError> {
    let span = raw.span();
    let b = raw.into_inner();
    match (b.url, b.field, b.map, b.discover) {
        (Some(url), None, None, None) => {
            let t = form_template(ctx, span.clone(), &url, form)?;
            // A URL field (checked https at connect time) may be followed by a fixed path:
            // `{url}/api/v1` for vendors whose instance has its own host (Hudu, SentinelOne).
            let url_field_then_path = t.leading_var_then_text().is_some_and(|(var, rest)| {
                form.iter()
                    .any(|f| f.name == var && matches!(f.kind, FieldKind::Url))
                    && rest.starts_with('/')
                    && !rest.contains(['?', '#', '@', '\\'])
            });
            if !url.starts_with("https://") && t.single_var().is_none() && !url_field_then_path {
                return Err(ctx.err(
                    span,
                    "[base_url] url must start with https://, or be a URL field followed by a path (`{url}/api`)",
                ));
            }
            Ok(BaseUrl::Template(t))
        }
        (None, Some(field), Some(map), None) => {
            let Some(FieldKind::Select { options }) =
                form.iter().find(|f| f.name == field).map(|f| &f.kind)
            else {
                return Err(ctx.err(
                    span,
                    format!("[base_url] field `{field}` is not a select field of the form"),
                ));
            };
            for (value, _) in options {
                if !map.contains_key(value) {
                    return Err(ctx.err(
                        span,
                        format!("[base_url] map has no URL for option `{value}`"),
                    ));
                }
            }
            for url in map.values() {
                https_url(ctx, span.clone(), url)?;
            }
            Ok(BaseUrl::Map { field, map })
        }
        (None, None, None, Some(d)) => {
            if d.allowed_hosts.is_empty() {
                return Err(ctx.err(span, "[base_url.discover] needs allowed_hosts"));
            }
            if let Some(f) = &d.field {
                if !form.iter().any(|g| &g.name == f) {
                    return Err(ctx.err(
                        span,
                        format!("[base_url.discover] field `{f}` is not a form field"),
                    ));
                }
            }
            Ok(BaseUrl::Discover {
                url: form_template(ctx, span, &d.url, form)?,
                pointer: d.pointer,
                append: d.append,
                allowed_hosts: d.allowed_hosts,
                field: d.field,
            })
        }
        _ => Err(ctx.err(
            span,
            "[base_url] needs exactly one of: url; field + map; discover",
        )),
    }
}

pub(super) fn convert_auth(
    ctx: &Ctx,
    raw: Spanned<RawAuth>,
    form: &[FormField],
) -> Result<AuthScheme, CatalogError> {
    let span = raw.span();
    let a = raw.into_inner();
    let t = |text: &str| form_template(ctx, span.clone(), text, form);
    let need = |v: &Option<String>, key: &str| {
        v.as_deref()
            .ok_or_else(|| {
                ctx.err(
                    span.clone(),
                    format!("auth scheme `{}` needs `{key}`", a.scheme),
                )
            })
            .and_then(t)
    };
    let (scheme, used): (AuthScheme, &[&str]) = match a.scheme.as_str() {
        "headers" => {
            let Some(headers) = &a.headers else {
                return Err(ctx.err(span, "auth scheme `headers` needs `headers`"));
            };
            let mut out = Vec::new();
            for (name, value) in headers {
                out.push((header_name(ctx, span.clone(), name)?, t(value)?));
            }
            (AuthScheme::Headers(out), &["headers"])
        }
        "basic" => (AuthScheme::Basic { username: need(&a.username, "username")?, password: need(&a.password, "password")? }, &["username", "password"]),
        "bearer" => (AuthScheme::Bearer { token: need(&a.token, "token")? }, &["token"]),
        "api_key_header" => {
            let header = a.header.clone().ok_or_else(|| ctx.err(span.clone(), "auth scheme `api_key_header` needs `header`"))?;
            (AuthScheme::ApiKeyHeader { header: header_name(ctx, span.clone(), &header)?, value: need(&a.value, "value")? }, &["header", "value"])
        }
        "oauth2_client_credentials" | "oauth2_password" => {
            let password_grant = a.scheme == "oauth2_password";
            let spec = TokenSpec {
                token_url: need(&a.token_url, "token_url")?,
                client_id: need(&a.client_id, "client_id")?,
                client_secret: a.client_secret.as_deref().map(t).transpose()?,
                username: if password_grant { Some(need(&a.username, "username")?) } else { None },
                password: if password_grant { Some(need(&a.password, "password")?) } else { None },
                scope: a.scope.clone(),
                client_auth: match a.client_auth.as_deref() {
                    None | Some("body") => ClientAuth::Body,
                    Some("basic") => ClientAuth::Basic,
                    Some(other) => return Err(ctx.err(span, format!("client_auth `{other}` (expected body or basic)"))),
                },
            };
            if password_grant {
                (AuthScheme::OAuth2Password(spec), &["token_url", "client_id", "client_secret", "scope", "client_auth", "username", "password"])
            } else {
                (AuthScheme::OAuth2ClientCredentials(spec), &["token_url", "client_id", "client_secret", "scope", "client_auth"])
            }
        }
        "token_exchange" => (
            AuthScheme::TokenExchange(convert_exchange(ctx, span.clone(), &a, form)?),
            &["token_url", "method", "body", "form", "headers", "token_pointer", "expires_in_pointer", "expires_at_pointer", "header", "prefix"],
        ),
        "oauth2_authorization_code" => (
            AuthScheme::OAuth2AuthorizationCode(authorization_code(ctx, span.clone(), &a, form)?),
            &["token_url", "client_auth", "authorize_url", "scopes", "pkce", "provider"],
        ),
        other => {
            return Err(ctx.err(span, format!(
                "unknown auth scheme `{other}` (headers, basic, bearer, api_key_header, oauth2_client_credentials, oauth2_password, oauth2_authorization_code, token_exchange)"
            )))
        }
    };
    let present = [
        ("headers", a.headers.is_some()),
        ("username", a.username.is_some()),
        ("password", a.password.is_some()),
        ("token", a.token.is_some()),
        ("header", a.header.is_some()),
        ("value", a.value.is_some()),
        ("token_url", a.token_url.is_some()),
        ("client_id", a.client_id.is_some()),
        ("client_secret", a.client_secret.is_some()),
        ("scope", a.scope.is_some()),
        ("client_auth", a.client_auth.is_some()),
        ("method", a.method.is_some()),
        ("body", a.body.is_some()),
        ("form", a.form.is_some()),
        ("token_pointer", a.token_pointer.is_some()),
        ("expires_in_pointer", a.expires_in_pointer.is_some()),
        ("expires_at_pointer", a.expires_at_pointer.is_some()),
        ("prefix", a.prefix.is_some()),
        ("authorize_url", a.authorize_url.is_some()),
        ("scopes", a.scopes.is_some()),
        ("pkce", a.pkce.is_some()),
        ("provider", a.provider.is_some()),
    ];
    if let Some((key, _)) = present.iter().find(|(k, p)| *p && !used.contains(k)) {
        return Err(ctx.err(
            span,
            format!("`{key}` does not apply to auth scheme `{}`", a.scheme),
        ));
    }
    Ok(scheme)
}

fn json_pointer(ctx: &Ctx, span: Range<usize>, key: &str, p: &str) -> Result<String, CatalogError> {
    if p.starts_with('/') {
        Ok(p.to_owned())
    } else {
        Err(ctx.err(
            span,
            format!("`{key}` = `{p}` is not a JSON pointer (start with /)"),
        ))
    }
}

/// `scheme = "token_exchange"`: the request that trades the form's credential for a token, and
/// where the token and its lifetime are in the answer.
fn convert_exchange(
    ctx: &Ctx,
    span: Range<usize>,
    a: &RawAuth,
    form: &[FormField],
) -> Result<ExchangeSpec, CatalogError> {
    let err = |reason: String| ctx.err(span.clone(), reason);
    let t = |text: &str| form_template(ctx, span.clone(), text, form);
    let url_text = a
        .token_url
        .as_deref()
        .ok_or_else(|| err("auth scheme `token_exchange` needs `token_url`".into()))?;
    if !(url_text.starts_with('/') || url_text.starts_with("https://") || url_text.starts_with('{'))
    {
        return Err(err(format!(
            "token_url `{url_text}` must be a path starting with / or an https URL"
        )));
    }
    let method = match a
        .method
        .as_deref()
        .unwrap_or("POST")
        .to_ascii_uppercase()
        .as_str()
    {
        "POST" => Method::Post,
        "GET" => Method::Get,
        "PUT" => Method::Put,
        other => {
            return Err(err(format!(
                "token exchange method `{other}` (expected POST, GET or PUT)"
            )))
        }
    };
    let body = match (&a.body, &a.form) {
        (Some(_), Some(_)) => {
            return Err(err(
                "a token exchange sends `body` or `form`, not both".into()
            ))
        }
        (Some(toml::Value::Table(table)), None) => {
            let json = serde_json::to_value(table).unwrap_or(serde_json::Value::Null);
            let vars = json_vars(&json).map_err(err)?;
            if let Some(var) = vars.iter().find(|v| !form.iter().any(|f| &f.name == *v)) {
                return Err(err(format!(
                    "the token exchange body references `{var}`, which is not a form field"
                )));
            }
            ExchangeBody::Json(json)
        }
        (Some(_), None) => return Err(err("the token exchange `body` must be a table".into())),
        (None, Some(fields)) => ExchangeBody::Form(
            fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), t(v)?)))
                .collect::<Result<_, CatalogError>>()?,
        ),
        (None, None) => ExchangeBody::None,
    };
    if method == Method::Get && !matches!(body, ExchangeBody::None) {
        return Err(err("a GET token exchange cannot send a body".into()));
    }
    let headers = a
        .headers
        .iter()
        .flatten()
        .map(|(n, v)| Ok((header_name(ctx, span.clone(), n)?, t(v)?)))
        .collect::<Result<_, CatalogError>>()?;
    let token_pointer = json_pointer(
        ctx,
        span.clone(),
        "token_pointer",
        a.token_pointer
            .as_deref()
            .ok_or_else(|| err("auth scheme `token_exchange` needs `token_pointer`".into()))?,
    )?;
    let expiry = match (&a.expires_in_pointer, &a.expires_at_pointer) {
        (Some(_), Some(_)) => {
            return Err(err(
                "give `expires_in_pointer` or `expires_at_pointer`, not both".into(),
            ))
        }
        (Some(p), None) => {
            TokenExpiry::InSeconds(json_pointer(ctx, span.clone(), "expires_in_pointer", p)?)
        }
        (None, Some(p)) => {
            TokenExpiry::At(json_pointer(ctx, span.clone(), "expires_at_pointer", p)?)
        }
        (None, None) => TokenExpiry::Default,
    };
    let header = header_name(
        ctx,
        span.clone(),
        a.header.as_deref().unwrap_or("Authorization"),
    )?;
    let prefix = a.prefix.clone().unwrap_or_else(|| "Bearer ".into());
    if prefix.chars().any(char::is_control) {
        return Err(err("`prefix` cannot contain control characters".into()));
    }
    Ok(ExchangeSpec {
        method,
        url: t(url_text)?,
        body,
        headers,
        token_pointer,
        expiry,
        header,
        prefix,
    })
}
