//! `ApiError`: the one place where failures become HTTP responses.
//!
//! Internal errors are logged once, here, with their full cause chain, and the client gets a
//! generic body — never database or library messages (security.md WEB-8, VAULT-7).

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// Failures of the server's own routes.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 404: the route exists but is switched off (e.g. the development sign-in).
    #[error("not found")]
    NotFound,
    /// 400: a malformed request; the message says what is wrong (static text, never input).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// 401: the route needs a signed-in user.
    #[error("not signed in")]
    Unauthorized,
    /// 403: the caller's role or plan does not allow it; the message says which.
    #[error("refused: {0}")]
    Refused(String),
    /// 400: the request's values are not acceptable; the message says why (never echoes input).
    #[error("invalid: {0}")]
    Invalid(String),
    /// 403: a state-changing request from another site (CSRF defence, WEB-4).
    #[error("cross-site request refused")]
    CrossSiteRequest,
    /// 500: anything unexpected; logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) | ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Refused(_) => StatusCode::FORBIDDEN,
            ApiError::CrossSiteRequest => StatusCode::FORBIDDEN,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body: String = match &self {
            ApiError::NotFound => "Not found.",
            ApiError::BadRequest(message) => message,
            ApiError::Unauthorized => "Sign in to the portal first.",
            ApiError::Refused(message) | ApiError::Invalid(message) => message.as_str(),
            ApiError::CrossSiteRequest => "This request came from another site and was refused.",
            ApiError::Internal(error) => {
                tracing::error!(error = ?error, "request failed");
                return (status, internal_error_text()).into_response();
            }
        }
        .to_owned();
        (status, body).into_response()
    }
}

/// The body of a 500: the class of problem and the request's id, which the logs carry with the
/// full error (security.md WEB-8).
fn internal_error_text() -> String {
    match crate::middleware::request_id::current_request_id() {
        Some(id) => format!("Something went wrong on our side. Please try again. Reference: {id}"),
        None => "Something went wrong on our side. Please try again.".to_owned(),
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        ApiError::Internal(anyhow::Error::new(e).context("database error"))
    }
}

impl From<domain::users::UsersError> for ApiError {
    fn from(e: domain::users::UsersError) -> Self {
        match e {
            domain::users::UsersError::Db(e) => e.into(),
        }
    }
}

impl From<tower_sessions::session::Error> for ApiError {
    fn from(e: tower_sessions::session::Error) -> Self {
        ApiError::Internal(anyhow::Error::new(e).context("session store error"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use axum::{body::Body, http::Request, middleware::from_fn, routing::get, Router};
    use tower::ServiceExt as _;

    use super::*;

    #[tokio::test]
    async fn a_500_names_the_request_id_and_never_the_error() {
        let router = Router::new()
            .route(
                "/",
                get(|| async {
                    Err::<(), _>(ApiError::Internal(anyhow::anyhow!(
                        "connection to postgres://db.internal:5432 refused"
                    )))
                }),
            )
            .layer(from_fn(crate::middleware::request_id::remember_request_id));
        let response = router
            .oneshot(
                Request::get("/")
                    .header("x-request-id", "req-42")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("Reference: req-42"), "{text}");
        assert!(!text.contains("postgres"), "{text}");
    }
}
