//! Microsoft 365 fake: the Microsoft identity platform's authorization-code flow with PKCE and
//! Microsoft Graph v1.0 behind it.
//!
//! * `GET /{tenant}/oauth2/v2.0/authorize` checks the request (known tenant and client,
//!   `response_type=code`, a redirect URI, S256 `code_challenge`, `offline_access`) and shows a
//!   tiny consent page; its **Accept** button posts back and is redirected to
//!   `redirect_uri?code=…&state=…` (**Cancel**: `error=access_denied`).
//! * `POST /{tenant}/oauth2/v2.0/token`: `authorization_code` checks the code (single use), the
//!   redirect URI, the client secret and the PKCE verifier; `refresh_token` replaces the refresh
//!   token it is given (the old one stops working) — or answers `invalid_grant` while
//!   [`refuse_refresh`] is on.
//! * `/v1.0/…` accepts only access tokens it issued: organization, users (with `$filter`,
//!   `$select`, `$top` and `@odata.nextLink` pages), sign-in activity, licence details, mailbox
//!   settings, groups and members, subscribed SKUs, sign-in logs, revoking sessions and
//!   enabling/disabling accounts.

use std::net::SocketAddr;

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::common::{self, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};

/// The gateway app's client id the fake knows.
pub const CLIENT_ID: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";
/// Its client secret.
pub const CLIENT_SECRET: &str = "fake-m365-secret~0123456789abcdef";
/// The customer tenant's verified domain.
pub const TENANT_DOMAIN: &str = "contoso.onmicrosoft.com";
/// The customer tenant's id.
pub const TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            // Graph first: next-page links are absolute on it.
            real_origins: vec![
                "https://graph.microsoft.com".into(),
                "https://login.microsoftonline.com".into(),
            ],
            data: crate::microsoft365_data::seed(),
            handle,
            exempt: |r| r.path.contains("/oauth2/"),
            credential: |r| {
                r.header("authorization")
                    .map(|a| a.trim_start_matches("Bearer ").to_owned())
            },
        },
        options,
        addr,
    )
    .await
}

/// While on, the token endpoint refuses every refresh token with `invalid_grant` (a revoked
/// consent, an expired or rotated-away token).
pub fn refuse_refresh(fake: &FakeVendor, refuse: bool) {
    fake.update_data(|data| data["refuse_refresh"] = json!(refuse));
}

/// The `expires_in` of the access tokens issued from now on (3599 s by default; below the
/// gateway's refresh margin every call refreshes).
pub fn set_token_lifetime(fake: &FakeVendor, seconds: u64) {
    fake.update_data(|data| data["expires_in"] = json!(seconds));
}

/// How many refresh grants the token endpoint answered with tokens.
pub fn refreshes(fake: &FakeVendor) -> u64 {
    fake.data()["refreshes"].as_u64().unwrap_or(0)
}

fn known_tenant(tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case(TENANT_DOMAIN)
        || tenant.eq_ignore_ascii_case("contoso.com")
        || tenant.eq_ignore_ascii_case(TENANT_ID)
}

fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    common::json(
        status,
        json!({"error": code, "error_description": description, "error_codes": [], "timestamp": "2026-12-15 10:00:00Z"}),
    )
}

fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    common::json(
        status,
        json!({"error": {"code": code, "message": message, "innerError": {"request-id": "00000000-0000-4000-8000-000000000000"}}}),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The error page Microsoft shows for a bad authorize request (it never redirects to an
/// unverified redirect URI).
fn error_page(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!doctype html><title>Sign in to your account</title><h1>Sorry, but we're having trouble signing you in.</h1><p>{}</p>",
            escape(message)
        )),
    )
        .into_response()
}

/// The authorize request's parameters, or what is wrong with it.
fn authorize_params(tenant: &str, req: &Req) -> Result<Map<String, Value>, String> {
    let page = |message: &str| message.to_owned();
    let q = &req.query;
    if !known_tenant(tenant) {
        return Err(page(&format!("AADSTS90002: Tenant '{tenant}' not found.")));
    }
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return Err(page(
            "AADSTS700016: Application with identifier was not found in the directory.",
        ));
    }
    if q.get("response_type").map(String::as_str) != Some("code") {
        return Err(page(
            "AADSTS900144: The request body must contain the following parameter: 'response_type'.",
        ));
    }
    let Some(redirect_uri) = q.get("redirect_uri").filter(|r| r.starts_with("http")) else {
        return Err(page(
            "AADSTS50011: The redirect URI specified in the request does not match.",
        ));
    };
    if q.get("code_challenge").is_none_or(|c| c.len() != 43)
        || q.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        return Err(page(
            "AADSTS9002325: Proof Key for Code Exchange is required (S256).",
        ));
    }
    let scopes = q.get("scope").cloned().unwrap_or_default();
    if !scopes.split(' ').any(|s| s == "offline_access") {
        return Err(page(
            "The fake expects offline_access (a refresh token) to be asked for.",
        ));
    }
    let mut map = Map::new();
    for key in ["redirect_uri", "state", "code_challenge", "scope"] {
        map.insert(key.into(), json!(q.get(key).cloned().unwrap_or_default()));
    }
    map.insert("tenant".into(), json!(tenant));
    map.insert("redirect_uri".into(), json!(redirect_uri));
    Ok(map)
}

fn authorize(shared: &Shared, tenant: &str, req: &Req) -> Response {
    let params = match authorize_params(tenant, req) {
        Ok(p) => p,
        Err(message) => return error_page(&message),
    };
    if req.method == "GET" {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(req.query.iter())
            .finish();
        let action = escape(&format!("{}?{query}", req.path));
        return Html(format!(
            "<!doctype html><html lang=\"en\"><head><title>Permissions requested</title></head><body>\
             <main><h1>Permissions requested</h1><p>The MCP gateway wants to read users, groups, licences, sign-in logs and mailbox settings of {} and manage user sign-ins.</p>\
             <form method=\"post\" action=\"{action}\">\
             <button type=\"submit\" name=\"decision\" value=\"accept\">Accept</button> \
             <button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button></form></main></body></html>",
            escape(tenant)
        ))
        .into_response();
    }
    let form: std::collections::BTreeMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    let redirect_uri = params["redirect_uri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let state = params["state"].as_str().unwrap_or_default().to_owned();
    let Ok(mut target) = url::Url::parse(&redirect_uri) else {
        return (StatusCode::BAD_REQUEST, "AADSTS50011: invalid redirect_uri").into_response();
    };
    if form.get("decision").map(String::as_str) != Some("accept") {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair(
                "error_description",
                "AADSTS65004: User declined to consent to access the app.",
            )
            .append_pair("state", &state);
        return Redirect::to(target.as_str()).into_response();
    }
    let mut data = lock(&shared.data);
    let n = data["issued"].as_u64().unwrap_or(0) + 1;
    data["issued"] = json!(n);
    let code = format!("0.AX0Afake-code-{n:06}");
    let mut entry = params;
    entry.insert("code".into(), json!(code));
    if let Some(codes) = data["codes"].as_array_mut() {
        codes.push(Value::Object(entry));
    }
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &state)
        .append_pair("session_state", "fake-session");
    Redirect::to(target.as_str()).into_response()
}

fn issue(data: &mut Value, scope: &str) -> Value {
    let n = data["issued"].as_u64().unwrap_or(0) + 1;
    data["issued"] = json!(n);
    let access = format!("eyJ0eXAiOiJKV1QiLCJub25jZSI6ImZha2UifQ.fake-m365-access-{n:06}");
    let refresh = format!("0.AX0Afake-m365-refresh-{n:06}");
    for (list, value) in [("access_tokens", &access), ("refresh_tokens", &refresh)] {
        if let Some(a) = data[list].as_array_mut() {
            a.push(json!(value));
        }
    }
    let lifetime = data["expires_in"].as_u64().unwrap_or(3599);
    json!({"token_type": "Bearer", "scope": scope, "expires_in": lifetime, "ext_expires_in": lifetime,
        "access_token": access, "refresh_token": refresh})
}

fn token(shared: &Shared, tenant: &str, req: &Req) -> Response {
    if req.header("content-type") != Some("application/x-www-form-urlencoded") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: form body expected",
        );
    }
    if !known_tenant(tenant) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS90002: Tenant not found.",
        );
    }
    let form: std::collections::BTreeMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != CLIENT_ID || get("client_secret") != CLIENT_SECRET {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided.",
        );
    }
    let mut data = lock(&shared.data);
    match get("grant_type") {
        "authorization_code" => {
            let Some(index) = data["codes"]
                .as_array()
                .and_then(|c| c.iter().position(|x| x["code"] == get("code")))
            else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired or was already used.");
            };
            let entry = data["codes"]
                .as_array_mut()
                .map(|c| c.remove(index))
                .unwrap_or(Value::Null);
            if entry["redirect_uri"] != get("redirect_uri") {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "AADSTS50148: The redirect_uri does not match the one of the authorization request.");
            }
            let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()));
            if entry["code_challenge"] != challenge.as_str() {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.");
            }
            let scope = entry["scope"].as_str().unwrap_or_default().to_owned();
            common::json(StatusCode::OK, issue(&mut data, &scope))
        }
        "refresh_token" => {
            if data["refuse_refresh"] == true {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "AADSTS700082: The refresh token has expired due to inactivity.",
                );
            }
            let presented = get("refresh_token").to_owned();
            let known = data["refresh_tokens"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| *x == presented.as_str()));
            if !known {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "AADSTS9002313: Invalid request. The refresh token is not valid.",
                );
            }
            if let Some(r) = data["refresh_tokens"].as_array_mut() {
                r.retain(|x| *x != presented.as_str());
            }
            data["refreshes"] = json!(data["refreshes"].as_u64().unwrap_or(0) + 1);
            let scope = get("scope").to_owned();
            common::json(StatusCode::OK, issue(&mut data, &scope))
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "AADSTS70003: The app requested an unsupported grant type.",
        ),
    }
}

fn handle(shared: &Shared, req: &Req) -> Response {
    let seg = req.segments();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    match (req.method.as_str(), s.as_slice()) {
        ("GET" | "POST", [tenant, "oauth2", "v2.0", "authorize"]) => {
            return authorize(shared, tenant, req)
        }
        ("POST", [tenant, "oauth2", "v2.0", "token"]) => return token(shared, tenant, req),
        _ => {}
    }
    let bearer = req
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap_or("");
    let known = lock(&shared.data)["access_tokens"]
        .as_array()
        .is_some_and(|t| t.iter().any(|x| x == bearer));
    if !known {
        return graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        );
    }
    match s.as_slice() {
        ["v1.0", rest @ ..] => crate::microsoft365_data::graph(shared, req, rest),
        _ => graph_error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            "Unknown API version.",
        ),
    }
}

/// A Graph page of `items` (`$top`, `$skiptoken`), with an absolute `@odata.nextLink` on Graph's
/// real origin when more remain.
pub(crate) fn page(shared: &Shared, req: &Req, items: Vec<Value>) -> Response {
    let skip: usize = req
        .query
        .get("$skiptoken")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let size = page_size(shared, req.query.get("$top"), 100);
    let total = items.len();
    let out: Vec<Value> = items
        .into_iter()
        .skip(skip)
        .take(size)
        .map(|i| select(req, i))
        .collect();
    let mut body = json!({"@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#{}", req.path.rsplit('/').next().unwrap_or("")), "value": out});
    if skip + size < total {
        let kept: Vec<(String, String)> = req
            .query
            .iter()
            .filter(|(k, _)| k.as_str() != "$skiptoken")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .append_pair("$skiptoken", &(skip + size).to_string())
            .finish();
        body["@odata.nextLink"] = json!(format!("{}{}?{query}", shared.public_origin, req.path));
    }
    common::json(StatusCode::OK, body)
}

/// `$select`: only the listed properties (Graph returns its default set without it).
pub(crate) fn select(req: &Req, item: Value) -> Value {
    let Some(wanted) = req.query.get("$select") else {
        return item;
    };
    let Value::Object(map) = item else {
        return item;
    };
    let keep: Vec<&str> = wanted.split(',').map(str::trim).collect();
    Value::Object(
        map.into_iter()
            .filter(|(k, _)| keep.contains(&k.as_str()) || k.starts_with('@'))
            .collect(),
    )
}

/// Graph's error for a missing object.
pub(crate) fn not_found(what: &str) -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!("Resource '{what}' does not exist or one of its queried reference-property objects are not present."),
    )
}

/// Graph's error for an unsupported query.
pub(crate) fn bad_request(message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", message)
}
