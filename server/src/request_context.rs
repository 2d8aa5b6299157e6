//! The audit context of a request (request id, client IP) as an extractor.

use app::state::request_context_of;
use axum::{extract::FromRequestParts, http::request::Parts};
use domain::audit::RequestContext;

/// Extracts the [`RequestContext`] of the current request.
pub struct Ctx(pub RequestContext);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx(request_context_of(parts)))
    }
}
