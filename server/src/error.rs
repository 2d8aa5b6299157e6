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
                "Something went wrong on our side. Please try again."
            }
        }
        .to_owned();
        (status, body).into_response()
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
