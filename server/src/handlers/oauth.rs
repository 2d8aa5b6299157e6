//! The MCP authorization server's HTTP endpoints (the resource-server side — protected-resource
//! metadata and the bearer guard — is [`super::mcp_auth`]). Thin:
//! each parses the request, makes one `domain::oauth` call and maps the result to the RFC's
//! response shape (JSON errors with RFC 6749 codes, never an HTML error page — except the
//! authorization endpoint's page for an invalid client or redirect URI, which must not
//! redirect).

use std::collections::HashMap;

use app::{
    routes,
    state::{AppState, CurrentUser},
};
use axum::{
    body::Bytes,
    extract::{Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    Extension, Form, Json,
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use domain::{
    oauth::{
        authorize::{self, AuthorizationQuery, AuthorizeError, PendingAuthorizations},
        clients::{self, ClientCredentials, RegistrationRequest},
        grants::{self, CodeExchange, RefreshRequest},
        scopes, OAuthError, Scopes,
    },
    OffsetDateTime,
};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use crate::request_context::Ctx;

use domain::oauth::authorize::PENDING_SESSION_KEY as PENDING_KEY;

fn oauth_json(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(body),
    )
        .into_response()
}

fn oauth_error(error: &OAuthError) -> Response {
    let status = if error.code == "invalid_client" {
        StatusCode::UNAUTHORIZED
    } else if error.code == "server_error" {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::BAD_REQUEST
    };
    oauth_json(
        status,
        json!({ "error": error.code, "error_description": error.description }),
    )
}

/// `GET /.well-known/oauth-authorization-server` and `/.well-known/openid-configuration`
/// (RFC 8414: the same document at both).
pub async fn authorization_server_metadata(State(state): State<AppState>) -> Response {
    let issuer = &state.settings.oauth.issuer;
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}{}", routes::AUTHORIZE),
        "token_endpoint": format!("{issuer}{}", routes::TOKEN),
        "registration_endpoint": format!("{issuer}{}", routes::REGISTER),
        "revocation_endpoint": format!("{issuer}{}", routes::REVOKE),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "scopes_supported": scopes::SUPPORTED,
        "client_id_metadata_document_supported": true,
        "authorization_response_iss_parameter_supported": true,
    }))
    .into_response()
}

/// `POST /register` (RFC 7591), at most [`app::state::REGISTRATIONS_PER_MINUTE`] per client IP
/// and minute (429 with `Retry-After` beyond).
pub async fn register(State(state): State<AppState>, Ctx(context): Ctx, body: Bytes) -> Response {
    if let Some(ip) = context
        .ip
        .as_deref()
        .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
    {
        // Keyed like the other limits: the client address (trusted proxies applied), IPv6 by /64.
        if let Err(not_until) = state
            .registration_limiter
            .check_key(&domain::edge::rate_limit_key(ip))
        {
            let wait = not_until
                .wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ))
                .as_secs()
                .max(1);
            let mut response = oauth_json(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"error": "temporarily_unavailable", "error_description": "too many registrations from this address; try again shortly"}),
            );
            if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
    }
    let request: RegistrationRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return oauth_error(&OAuthError::new(
                "invalid_client_metadata",
                format!("the body must be a JSON client metadata object: {e}"),
            ))
        }
    };
    match clients::register(&state.db, request, &context, OffsetDateTime::now_utc()).await {
        Ok(registered) => oauth_json(StatusCode::CREATED, json!(registered)),
        Err(e) => oauth_error(&e),
    }
}

/// A page on the gateway for an authorization request that cannot be answered to the client
/// (no redirect: security.md AS-4).
fn error_page(message: &str) -> Response {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>This application cannot connect · MCP Gateway</title><link rel=\"stylesheet\" href=\"/pkg/mcp-gateway.css\"></head>\
         <body><main class=\"auth-page\"><div class=\"card auth-card\"><h1>This application cannot connect</h1>\
         <div class=\"alert alert-error\" role=\"alert\"><p>{escaped}</p></div>\
         <p>You can close this window. Nothing was shared with the application.</p></div></main></body></html>"
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

async fn pending(session: &Session) -> Result<PendingAuthorizations, Response> {
    session
        .get::<PendingAuthorizations>(PENDING_KEY)
        .await
        .map(Option::unwrap_or_default)
        .map_err(|e| {
            tracing::error!(error = %e, "reading the session failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })
}

async fn save(session: &Session, pending: &PendingAuthorizations) -> Result<(), Response> {
    session.insert(PENDING_KEY, pending).await.map_err(|e| {
        tracing::error!(error = %e, "writing the session failed");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })
}

/// `GET /authorize`: validates, keeps the request server-side, then signs the user in (portal
/// sign-in) and asks for consent unless this user approved this client already.
pub async fn authorize(
    State(state): State<AppState>,
    session: Session,
    user: Option<Extension<CurrentUser>>,
    Ctx(context): Ctx,
    Query(query): Query<AuthorizationQuery>,
) -> Response {
    let oauth = &state.settings.oauth;
    let user = user.map(|u| u.0 .0);
    let now = OffsetDateTime::now_utc();
    let signed_in = user.as_ref().map(|u| u.id);
    let (_, request) = match authorize::validate(
        &state.db,
        oauth,
        &state.outbound,
        &query,
        signed_in,
        now,
    )
    .await
    {
        Ok(valid) => valid,
        Err(AuthorizeError::Page(message)) => return error_page(&message),
        Err(AuthorizeError::Redirect { location }) => {
            return Redirect::to(&location).into_response()
        }
    };
    let mut all = match pending(&session).await {
        Ok(all) => all,
        Err(response) => return response,
    };
    let id = all.add(request, now);
    if let Err(response) = save(&session, &all).await {
        return response;
    }
    continue_authorization(&state, &session, user, &context, &id).await
}

/// Query of `/authorize/continue`.
#[derive(Debug, Deserialize)]
pub struct ContinueQuery {
    request: String,
}

/// `GET /authorize/continue?request=…`: where sign-in returns to.
pub async fn authorize_continue(
    State(state): State<AppState>,
    session: Session,
    user: Option<Extension<CurrentUser>>,
    Ctx(context): Ctx,
    Query(query): Query<ContinueQuery>,
) -> Response {
    continue_authorization(
        &state,
        &session,
        user.map(|u| u.0 .0),
        &context,
        &query.request,
    )
    .await
}

async fn continue_authorization(
    state: &AppState,
    session: &Session,
    user: Option<domain::users::User>,
    context: &domain::audit::RequestContext,
    id: &str,
) -> Response {
    let here = format!(
        "{}?request={}",
        routes::AUTHORIZE_CONTINUE,
        routes::encode_query_value(id)
    );
    let Some(user) = user else {
        return Redirect::to(&routes::login_with_next(&here)).into_response();
    };
    let now = OffsetDateTime::now_utc();
    let mut all = match pending(session).await {
        Ok(all) => all,
        Err(response) => return response,
    };
    let Some(stored) = all.get(id, now).cloned() else {
        return error_page("This authorization request expired or was already answered. Start again from the application.");
    };
    let scopes = Scopes::parse_stored(&stored.request.scopes);
    let consented = match authorize::has_consent(
        &state.db,
        user.id,
        &stored.request.client_id,
        &scopes,
    )
    .await
    {
        Ok(consented) => consented,
        Err(e) => {
            tracing::error!(error = %e, "consent lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if !consented {
        return Redirect::to(&format!(
            "{}?request={}",
            routes::OAUTH_CONSENT,
            routes::encode_query_value(id)
        ))
        .into_response();
    }
    let Some(request) = all.take(id, &stored.csrf, now) else {
        return error_page("This authorization request expired. Start again from the application.");
    };
    if let Err(response) = save(session, &all).await {
        return response;
    }
    match authorize::approve(
        &state.db,
        &state.settings.oauth,
        &user,
        &request,
        context,
        now,
    )
    .await
    {
        Ok(location) => Redirect::to(&location).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "approving the authorization failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The consent form.
#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    request: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
}

/// `POST /oauth/consent`: Allow or Deny. The CSRF token is bound to this session and this
/// request, single use; the answer is a 303 to the validated redirect URI.
pub async fn consent_decision(
    State(state): State<AppState>,
    session: Session,
    user: Option<Extension<CurrentUser>>,
    Ctx(context): Ctx,
    Form(form): Form<ConsentForm>,
) -> Response {
    let Some(Extension(CurrentUser(user))) = user else {
        return (StatusCode::UNAUTHORIZED, "Sign in to the portal first.").into_response();
    };
    let now = OffsetDateTime::now_utc();
    let mut all = match pending(&session).await {
        Ok(all) => all,
        Err(response) => return response,
    };
    let Some(request) = all.take(&form.request, &form.csrf, now) else {
        return (
            StatusCode::FORBIDDEN,
            "This consent form is not valid any more (expired, already answered, or from another session). Start again from the application.",
        )
            .into_response();
    };
    if let Err(response) = save(&session, &all).await {
        return response;
    }
    let oauth = &state.settings.oauth;
    match form.decision.as_str() {
        "allow" => match authorize::approve(&state.db, oauth, &user, &request, &context, now).await
        {
            Ok(location) => Redirect::to(&location).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "approving the authorization failed");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        },
        _ => Redirect::to(&authorize::deny(oauth, &request)).into_response(),
    }
}

/// The client credentials of a token or revocation request: Basic (RFC 6749 §2.3.1, with its
/// form-encoding) or the body, never both.
fn credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<ClientCredentials, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        });
    match basic {
        Some(encoded) => {
            if form.contains_key("client_secret") {
                return Err(OAuthError::invalid_request(
                    "use one client authentication method, not two",
                ));
            }
            let decoded = STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| OAuthError::invalid_client("malformed Basic credentials"))?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or_else(|| OAuthError::invalid_client("malformed Basic credentials"))?;
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| OAuthError::invalid_client("malformed Basic credentials"))
            };
            Ok(ClientCredentials {
                client_id: Some(decode(id)?),
                client_secret: Some(decode(secret)?),
                basic: true,
            })
        }
        None => Ok(ClientCredentials {
            client_id: form.get("client_id").cloned(),
            client_secret: form.get("client_secret").cloned(),
            basic: false,
        }),
    }
}

/// `POST /token`.
pub async fn token(
    State(state): State<AppState>,
    Ctx(context): Ctx,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let oauth = &state.settings.oauth;
    let now = OffsetDateTime::now_utc();
    let result = async {
        let client = clients::authenticate(
            &state.db,
            oauth,
            &state.outbound,
            &credentials(&headers, &form)?,
            OffsetDateTime::now_utc(),
        )
        .await?;
        let param = |name: &str| form.get(name).cloned();
        let response = match form.get("grant_type").map(String::as_str) {
            Some("authorization_code") => {
                let code =
                    param("code").ok_or_else(|| OAuthError::invalid_request("code is required"))?;
                grants::exchange_code(
                    &state.db,
                    oauth,
                    &client,
                    CodeExchange {
                        code,
                        redirect_uri: param("redirect_uri"),
                        code_verifier: param("code_verifier"),
                        resource: param("resource"),
                    },
                    &context,
                    now,
                )
                .await?
            }
            Some("refresh_token") => {
                let refresh_token = param("refresh_token")
                    .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
                grants::refresh(
                    &state.db,
                    oauth,
                    &state.settings.master_key,
                    &client,
                    RefreshRequest {
                        refresh_token,
                        scope: param("scope"),
                        resource: param("resource"),
                    },
                    &context,
                    now,
                )
                .await?
            }
            Some("client_credentials") => {
                grants::client_credentials(
                    &state.db,
                    oauth,
                    &client,
                    form.get("scope").map(String::as_str),
                    form.get("resource").map(String::as_str),
                    now,
                )
                .await?
            }
            Some(_) => {
                return Err(OAuthError::new(
                    "unsupported_grant_type",
                    "supported: authorization_code, refresh_token, client_credentials",
                ))
            }
            None => return Err(OAuthError::invalid_request("grant_type is required")),
        };
        clients::touch(&state.db, &client.id, now).await?;
        Ok::<_, OAuthError>(response)
    }
    .await;
    match result {
        Ok(response) => oauth_json(StatusCode::OK, json!(response)),
        Err(e) => oauth_error(&e),
    }
}

/// `POST /revoke` (RFC 7009): 200 whether or not the token was known.
pub async fn revoke(
    State(state): State<AppState>,
    Ctx(context): Ctx,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let oauth = &state.settings.oauth;
    let result = async {
        let client = clients::authenticate(
            &state.db,
            oauth,
            &state.outbound,
            &credentials(&headers, &form)?,
            OffsetDateTime::now_utc(),
        )
        .await?;
        let token = form
            .get("token")
            .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
        grants::revoke_token(
            &state.db,
            &client,
            token,
            &context,
            OffsetDateTime::now_utc(),
        )
        .await?;
        Ok::<_, OAuthError>(())
    }
    .await;
    match result {
        Ok(()) => oauth_json(StatusCode::OK, json!({})),
        Err(e) => oauth_error(&e),
    }
}
