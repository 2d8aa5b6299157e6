//! The request id of the request being handled, for code that tells a user "quote this reference"
//! without the request at hand (the sign-in outcome notices, the generic 500 body). Set by
//! [`remember_request_id`] right inside the request-id layer, as a task-local value: handlers run
//! in the task of their request.

use axum::{extract::Request, middleware::Next, response::Response};

use super::client_address::REQUEST_ID;

tokio::task_local! {
    static CURRENT: String;
}

/// Middleware: makes the request's id (already set by `SetRequestIdLayer`) available to
/// [`current_request_id`] while the request is handled.
pub async fn remember_request_id(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match id {
        Some(id) => CURRENT.scope(id, next.run(request)).await,
        None => next.run(request).await,
    }
}

/// The id of the request being handled in this task, if any.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}
