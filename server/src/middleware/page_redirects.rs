//! Redirects decided while a page renders are HTTP redirects for every client.
//!
//! `leptos_axum::redirect` (and with it `<Redirect>` rendered on the server) sets `302` only when
//! the request's `Accept` names `text/html`; any other client (curl, a monitor, a script sending
//! `Accept: */*`) got `200 OK` with a `Location` header and the page's "Taking you…" body, which
//! no HTTP client follows. For page requests this layer turns any 2xx carrying `Location` into a
//! `302 Found` with an empty body. Server functions (`/api/…`) are left alone: their JavaScript
//! client reads Leptos' redirect header from a 2xx on purpose.

use axum::{
    body::Body,
    extract::Request,
    http::{header, Method, StatusCode},
    middleware::Next,
    response::Response,
};

/// The prefix of Leptos server-function endpoints.
const SERVER_FN_PREFIX: &str = "/api/";

/// Middleware: see the module documentation.
pub async fn redirects_are_redirects(request: Request, next: Next) -> Response {
    let is_page = matches!(*request.method(), Method::GET | Method::HEAD)
        && !request.uri().path().starts_with(SERVER_FN_PREFIX);
    let response = next.run(request).await;
    if !is_page
        || !response.status().is_success()
        || !response.headers().contains_key(header::LOCATION)
    {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.status = StatusCode::FOUND;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove("serverfnredirect");
    Response::from_parts(parts, Body::empty())
}
