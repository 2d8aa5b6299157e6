//! Server-side state shared by the axum routes and the server functions (feature `ssr`).

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use axum::extract::FromRef;
use domain::{config::Settings, users::User};
use leptos::prelude::*;
use sea_orm::DatabaseConnection;

use crate::error::PortalError;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database (SQLite or PostgreSQL).
    pub db: DatabaseConnection,
    /// The validated configuration.
    pub settings: Arc<Settings>,
    /// Leptos' rendering options (site root, output name).
    pub leptos_options: LeptosOptions,
    /// Set once shutdown has begun: readiness answers 503 from then on.
    pub draining: Arc<AtomicBool>,
}

impl AppState {
    /// Whether graceful shutdown has begun.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The signed-in user of the current request, resolved once per request by the server's session
/// middleware and stored in the request extensions.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// The CSP nonce of the current response, chosen by the server's security-headers middleware.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// Hands the response's CSP nonce to Leptos so the hydration scripts carry it.
pub fn provide_request_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(value)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(value));
    }
}

/// The application state, provided to every server function and page by the server.
pub fn app_state() -> Result<AppState, PortalError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        PortalError::Internal
    })
}

/// The signed-in user, or `Unauthorized`.
pub fn current_user() -> Result<User, PortalError> {
    maybe_current_user().ok_or(PortalError::Unauthorized)
}

/// The signed-in user, if any.
pub fn maybe_current_user() -> Option<User> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CurrentUser>().map(|u| u.0.clone()))
}

/// The request's session (tower-sessions puts it in the request extensions).
pub fn session() -> Result<tower_sessions::Session, PortalError> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<tower_sessions::Session>().cloned())
        .ok_or_else(|| {
            tracing::error!("session layer missing");
            PortalError::Internal
        })
}
