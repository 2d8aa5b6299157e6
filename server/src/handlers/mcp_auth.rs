//! The resource-server side of the MCP endpoints (`/v1/mcp` and each connection's
//! `/v1/{slug}/mcp`): their protected-resource metadata (RFC 9728), the bearer guard and the
//! `WWW-Authenticate` challenges (RFC 6750). A token is issued for one endpoint (its `resource`,
//! RFC 8707) and is refused at the others.

use app::state::AppState;
use axum::{
    extract::{Path, Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use domain::{
    connections::ConnectionSlug,
    oauth::{resource, scopes, OAuthSettings, Scopes},
    OffsetDateTime,
};
use serde_json::json;

/// The MCP endpoint a request came through, put in the request extensions by
/// [`require_access_token`] once the token is known to be issued for it.
#[derive(Debug, Clone)]
pub struct McpRoute {
    /// `Some(slug)` on `/v1/{slug}/mcp`: only that connection's tools.
    pub connection: Option<ConnectionSlug>,
}

impl McpRoute {
    /// This endpoint's protected-resource metadata URL (named in challenges; built only for one).
    pub fn resource_metadata_url(&self, oauth: &OAuthSettings) -> String {
        oauth.resource_metadata_url_for(self.connection.as_ref())
    }
}

fn metadata(state: &AppState, connection: Option<&ConnectionSlug>) -> Response {
    let oauth = &state.settings.oauth;
    let name = match connection {
        None => "MCP Gateway".to_owned(),
        Some(slug) => format!("MCP Gateway — {slug}"),
    };
    Json(json!({
        "resource": oauth.resource_for(connection),
        "authorization_servers": [oauth.issuer],
        "scopes_supported": scopes::SUPPORTED,
        "bearer_methods_supported": ["header"],
        "resource_name": name,
    }))
    .into_response()
}

/// `GET /.well-known/oauth-protected-resource[/v1/mcp]` (RFC 9728).
pub async fn protected_resource_metadata(State(state): State<AppState>) -> Response {
    metadata(&state, None)
}

/// `GET /.well-known/oauth-protected-resource/v1/{slug}/mcp`: the metadata of one connection's
/// endpoint (404 for a path that is not one).
pub async fn connection_resource_metadata(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Response {
    match resource::endpoint_of_path(&format!("/v1/{slug}/mcp")) {
        Some(Some(slug)) => metadata(&state, Some(&slug)),
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "not_found", "error_description": "no such MCP endpoint"})),
        )
            .into_response(),
    }
}

/// The `WWW-Authenticate` challenge of an MCP endpoint (RFC 6750, RFC 9728).
fn challenge(resource_metadata_url: &str, error: Option<&str>) -> Response {
    let mut value = format!(
        "Bearer resource_metadata=\"{resource_metadata_url}\", scope=\"{}\"",
        scopes::CHALLENGE
    );
    if let Some(error) = error {
        value.push_str(&format!(
            ", error=\"invalid_token\", error_description=\"{error}\""
        ));
    }
    let body = json!({"error": "invalid_token", "error_description": error.unwrap_or("a bearer token is required")});
    with_challenge(StatusCode::UNAUTHORIZED, body, &value)
}

/// A JSON error `body` with `status` and the `WWW-Authenticate` `challenge`.
fn with_challenge(status: StatusCode, body: serde_json::Value, challenge: &str) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// The resource-server guard of the MCP endpoints: a bearer access token issued by this gateway
/// for *this* endpoint, in the `Authorization` header only (never the query), checked through the
/// in-memory [`domain::oauth::AccessTokenCache`] (the database is asked again once the last check
/// of that token is a second old, so a revocation on any replica applies within a second). The
/// grant and the [`McpRoute`] are handed to the handler in the request extensions.
pub async fn require_access_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let oauth = &state.settings.oauth;
    // The routes are `/v1/mcp` and `/v1/{slug}/mcp`; a slug that is not one is not an endpoint.
    let Some(connection) = resource::endpoint_of_path(request.uri().path()) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": "No such MCP endpoint"}})),
        )
            .into_response();
    };
    let route = McpRoute { connection };
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        });
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return challenge(&route.resource_metadata_url(oauth), None);
    };
    match state
        .access_tokens
        .validate(&state.db, oauth, &token, OffsetDateTime::now_utc())
        .await
    {
        Ok(Ok(grant)) if !oauth.is_resource_for(&grant.resource, route.connection.as_ref()) => {
            challenge(
                &route.resource_metadata_url(oauth),
                Some("token not issued for this resource"),
            )
        }
        Ok(Ok(grant)) => {
            if let Some(user_id) = grant.user_id {
                tracing::Span::current().record("user_id", tracing::field::display(user_id));
            }
            request.extensions_mut().insert(grant);
            request.extensions_mut().insert(route);
            next.run(request).await
        }
        Ok(Err(invalid)) => challenge(
            &route.resource_metadata_url(oauth),
            Some(&invalid.to_string()),
        ),
        Err(e) => {
            tracing::error!(error = %e, "token validation failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// 403 `insufficient_scope` for step-up (RFC 6750 §3.1; MCP "Scope Challenge Handling"), for the
/// MCP endpoint to answer a tool the token's scopes do not cover. `scope` names what the request
/// needs together with what is already granted, so the client re-authorizes once.
pub fn insufficient_scope(resource_metadata_url: &str, granted: &Scopes, needed: &str) -> Response {
    let wanted = granted
        .union(&Scopes::parse_stored(needed))
        .to_string_value();
    let value = format!(
        "Bearer error=\"insufficient_scope\", scope=\"{wanted}\", resource_metadata=\"{resource_metadata_url}\", error_description=\"this tool needs {needed}\""
    );
    with_challenge(
        StatusCode::FORBIDDEN,
        json!({"error": "insufficient_scope", "scope": wanted}),
        &value,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_up_names_the_needed_and_the_granted_scopes() {
        let response = insufficient_scope(
            "https://gw.example.com/.well-known/oauth-protected-resource/v1/mcp",
            &Scopes::parse_stored("mcp:read"),
            "mcp:write",
        );
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            "Bearer error=\"insufficient_scope\", scope=\"mcp:read mcp:write\", resource_metadata=\"https://gw.example.com/.well-known/oauth-protected-resource/v1/mcp\", error_description=\"this tool needs mcp:write\""
        );
    }
}
