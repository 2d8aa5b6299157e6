//! Security headers on every response (security.md WEB-5), and a fresh CSP nonce per request
//! that Leptos stamps on its hydration scripts.

use app::state::{AppState, CspNonce};
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

/// Builds the Content-Security-Policy for an HTML page with this nonce.
///
/// `'wasm-unsafe-eval'` allows compiling the hydration WebAssembly without allowing JS `eval`;
/// no inline script runs without the nonce; nothing may frame the portal. `form_action` lists
/// where a form submission may end up: Chrome applies `form-action` to the redirects after a
/// submission too, and sign-out (POST) or the onboarding form (GET) continue at the identity
/// provider.
pub fn content_security_policy(nonce: &str, form_action: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
         form-action {form_action}; object-src 'none'"
    )
}

/// `'self'` plus the origins of the configured identity providers.
pub fn form_action_sources(settings: &domain::config::Settings) -> String {
    let providers = &settings.identity_providers;
    let mut sources = vec!["'self'".to_owned()];
    let origins = [
        providers.entra.as_ref().map(|e| e.authority.origin()),
        providers.auth0.as_ref().map(|a| a.issuer.origin()),
    ];
    for origin in origins.into_iter().flatten() {
        let origin = origin.ascii_serialization();
        if !sources.contains(&origin) {
            sources.push(origin);
        }
    }
    sources.join(" ")
}

/// Whether `path` is part of the authorization flow an MCP client opens in a popup: the
/// authorization endpoint, the consent popup, and the portal sign-in it passes through.
pub fn opens_in_client_popup(path: &str) -> bool {
    path == app::routes::AUTHORIZE
        || path.starts_with("/authorize/")
        || path.starts_with("/oauth/")
        || path.starts_with("/auth/")
}

/// Adds the headers; HTML responses also get the CSP and `Cache-Control: no-store` (pages show
/// personal data and must not be kept by shared caches or the back button after sign-out).
pub async fn security_headers(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let in_sign_in_popup = opens_in_client_popup(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // MCP clients (claude.ai, ChatGPT, browser-based clients) run the authorization in a popup
    // and watch it through `window.opener` / `popup.closed`. `same-origin` would cut that link
    // the moment the popup reaches the gateway (the client then reports the sign-in as
    // cancelled), so the pages of that flow opt out; every other page keeps `same-origin`.
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static(if in_sign_in_popup {
            "unsafe-none"
        } else {
            "same-origin"
        }),
    );
    if state.settings.public_url.is_https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // A page may allow one more form target (the consent popup: its client's redirect URI).
    let extra_form_action = headers
        .remove(app::pages::outcome::FORM_ACTION_HEADER)
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .filter(|source| {
            !source.is_empty()
                && source
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'\'' | b'"'))
        });
    if is_html {
        let mut form_action = form_action_sources(&state.settings);
        if let Some(extra) = extra_form_action {
            form_action.push(' ');
            form_action.push_str(&extra);
        }
        let csp = content_security_policy(&nonce, &form_action);
        if let Ok(csp) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
