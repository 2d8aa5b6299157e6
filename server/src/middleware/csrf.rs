//! Refuses state-changing requests that come from another site (security.md WEB-4).
//!
//! Fetch Metadata first: browsers send `Sec-Fetch-Site` and page scripts cannot forge it; only
//! `same-origin` (and `none`, a user-typed navigation) may write. Without it, the `Origin` header
//! must be the gateway's public origin. A request with neither did not come from a browser, so it
//! cannot carry a victim's cookies by accident and is let through. SameSite=Lax on the session
//! cookie is defence in depth, not the control. (OWASP CSRF Prevention Cheat Sheet, "Fetch
//! Metadata" and "Verifying Origin with standard headers".)

use app::state::AppState;
use axum::{
    extract::{Request, State},
    http::{header::ORIGIN, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::error::ApiError;

/// The decision for one request's headers.
pub fn is_same_origin_write_allowed(
    sec_fetch_site: Option<&str>,
    origin: Option<&str>,
    public_origin: &str,
) -> bool {
    match (sec_fetch_site, origin) {
        (Some(site), _) => matches!(site, "same-origin" | "none"),
        (None, Some(origin)) => origin == public_origin,
        (None, None) => true,
    }
}

/// Middleware applying [`is_same_origin_write_allowed`] to every non-safe method.
pub async fn refuse_cross_site_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let site = headers
        .get("sec-fetch-site")
        .map(|v| v.to_str().unwrap_or("invalid"));
    let origin = headers.get(ORIGIN).map(|v| v.to_str().unwrap_or("invalid"));
    if is_same_origin_write_allowed(site, origin, &state.settings.public_url.origin()) {
        next.run(request).await
    } else {
        tracing::warn!(sec_fetch_site = ?site, origin = ?origin, "refused a cross-site write");
        ApiError::CrossSiteRequest.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "https://gw.example.com";

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(is_same_origin_write_allowed(
            Some("same-origin"),
            Some("https://evil.example"),
            ME
        ));
        assert!(is_same_origin_write_allowed(Some("none"), None, ME));
        assert!(!is_same_origin_write_allowed(
            Some("cross-site"),
            Some(ME),
            ME
        ));
        assert!(!is_same_origin_write_allowed(
            Some("same-site"),
            Some(ME),
            ME
        ));
    }

    #[test]
    fn otherwise_the_origin_must_be_ours() {
        assert!(is_same_origin_write_allowed(None, Some(ME), ME));
        assert!(!is_same_origin_write_allowed(
            None,
            Some("https://evil.example"),
            ME
        ));
        assert!(!is_same_origin_write_allowed(None, Some("null"), ME));
        assert!(!is_same_origin_write_allowed(
            None,
            Some("https://gw.example.com.evil.example"),
            ME
        ));
        assert!(is_same_origin_write_allowed(None, None, ME));
    }
}
