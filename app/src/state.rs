//! Server-side state shared by the axum routes and the server functions (feature `ssr`).

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use axum::extract::{ConnectInfo, FromRef};
use domain::{
    audit::RequestContext,
    auth::oidc::IdentityProviders,
    config::Settings,
    operators::{self, OperatorSources},
    users::User,
};
use leptos::prelude::*;
use sea_orm::DatabaseConnection;

use crate::error::PortalError;

/// Everything a request handler may need: one `Arc`, so the clone every `State` extractor and
/// middleware layer makes is one reference count (it was a clone of every field below — about 40
/// reference counts per layer — a measurable part of a `/v1/mcp` call's CPU; bench/README.md).
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl AppState {
    pub fn new(inner: AppStateInner) -> Self {
        Self(Arc::new(inner))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;

    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// The fields of [`AppState`].
pub struct AppStateInner {
    /// The database (SQLite or PostgreSQL).
    pub db: DatabaseConnection,
    /// The validated configuration.
    pub settings: Arc<Settings>,
    /// Leptos' rendering options (site root, output name).
    pub leptos_options: LeptosOptions,
    /// Set once shutdown has begun: readiness answers 503 from then on.
    pub draining: Arc<AtomicBool>,
    /// The configured identity providers (Entra, Auth0).
    pub identity_providers: IdentityProviders,
    /// Dynamic client registrations per client IP (security.md AS-11): a burst of
    /// [`REGISTRATIONS_PER_MINUTE`], refilled at that rate. Per process; each replica counts its
    /// own.
    pub registration_limiter: Arc<governor::DefaultKeyedRateLimiter<std::net::IpAddr>>,
    /// Vendor connections: database, vault, vendor engine and catalog.
    pub connections: domain::connections::Deps,
    /// Access-token checks of `/v1/mcp`, cached by token hash for at most a second
    /// (`domain::oauth::token_cache`).
    pub access_tokens: domain::oauth::AccessTokenCache,
    /// Users' resolved tools, shared with `/v1/mcp`; changes made through the portal invalidate it.
    pub tool_cache: domain::connections::tools::ToolCache,
    /// What supplies `/v1/mcp`'s tools (vendor connections); the transport talks to it only
    /// through this trait.
    pub tools: Arc<dyn domain::mcp::ToolProvider>,
    /// The `/v1/mcp` endpoint over [`AppState::tools`]: session keys, this replica's ended
    /// sessions and in-flight calls.
    pub mcp: Arc<domain::mcp::McpEndpoint>,
    /// The one outbound HTTP guard (security.md MCP-4), built from `settings.outbound` at
    /// start-up: every request to a vendor or a client's metadata document goes through it.
    pub outbound: domain::outbound::Outbound,
}

/// How many `/register` calls one IP address may make per minute.
pub const REGISTRATIONS_PER_MINUTE: u32 = 20;

/// The limiter for [`AppState::registration_limiter`].
pub fn registration_limiter() -> Arc<governor::DefaultKeyedRateLimiter<std::net::IpAddr>> {
    let per_minute =
        std::num::NonZeroU32::new(REGISTRATIONS_PER_MINUTE).unwrap_or(std::num::NonZeroU32::MIN);
    Arc::new(governor::RateLimiter::keyed(governor::Quota::per_minute(
        per_minute,
    )))
}

impl AppState {
    /// Where operators come from (configuration and grants).
    pub fn operator_sources(&self) -> OperatorSources<'_> {
        OperatorSources {
            configured: &self.settings.operators,
            auth0_issuer: self
                .settings
                .identity_providers
                .auth0
                .as_ref()
                .map(|a| a.issuer.as_str()),
        }
    }

    /// Whether `user` is an operator (checked on every request: revocation is immediate).
    pub async fn is_operator(&self, user: &User) -> Result<bool, PortalError> {
        operators::is_operator(&self.db, self.operator_sources(), user.id)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "operator check failed");
                PortalError::Internal
            })
    }

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

/// The signed-in user, or `Unauthorized` (HTTP 401).
pub fn current_user() -> Result<User, PortalError> {
    maybe_current_user().ok_or_else(|| with_status(PortalError::Unauthorized))
}

/// Sets the HTTP status of the current server-function response to match `error` (a refusal is
/// a 401/403/400 on the wire, not a generic 500) and returns it.
pub fn with_status(error: PortalError) -> PortalError {
    crate::pages::outcome::set_status(match &error {
        PortalError::Unauthorized => 401,
        PortalError::Forbidden | PortalError::Refused(_) => 403,
        PortalError::NotFound(_) => 404,
        PortalError::Invalid(_) | PortalError::Fields(_) => 400,
        PortalError::Internal | PortalError::Transport(_) => 500,
    });
    error
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

/// The request id (the gateway's own, or a trusted proxy's) and client address of a request, for
/// the audit log.
pub fn request_context_of(parts: &http::request::Parts) -> RequestContext {
    RequestContext {
        request_id: parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        // The address decided by the server's client-address layer (trusted proxies applied);
        // the TCP peer only when that layer did not run.
        ip: parts
            .extensions
            .get::<domain::edge::ClientAddress>()
            .map(|c| c.ip.to_string())
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<std::net::SocketAddr>>()
                    .map(|c| c.0.ip().to_string())
            }),
    }
}

/// [`request_context_of`] for the current server function or page.
pub fn request_context() -> RequestContext {
    use_context::<http::request::Parts>()
        .map(|parts| request_context_of(&parts))
        .unwrap_or_default()
}

/// Maps a refusal of the organisations domain onto the wire (logging database failures only).
pub fn org_error(error: domain::organizations::OrgError) -> PortalError {
    use domain::organizations::OrgError;
    with_status(match error {
        OrgError::Db(e) => {
            tracing::error!(error = %e, "organisation operation failed");
            PortalError::Internal
        }
        e @ (OrgError::NotInOrganization | OrgError::NotAllowed(_) | OrgError::PlanLimit(_)) => {
            PortalError::Refused(e.to_string())
        }
        OrgError::NotFound(message) => PortalError::NotFound(message),
        e @ (OrgError::Invalid(_)
        | OrgError::AlreadyInOrganization(_)
        | OrgError::Invitation(_)) => PortalError::Invalid(e.to_string()),
    })
}

/// Logs a database failure and answers a generic 500.
pub fn db_error(error: impl std::fmt::Display) -> PortalError {
    tracing::error!(error = %error, "database operation failed");
    with_status(PortalError::Internal)
}

/// Parses an id sent by the browser (400 when it is not one).
pub fn parse_id(value: &str) -> Result<uuid::Uuid, PortalError> {
    uuid::Uuid::parse_str(value.trim()).map_err(|_| {
        with_status(PortalError::Invalid(
            "That is not a valid id; reload the page.".into(),
        ))
    })
}

/// The signed-in user if they are an operator; `Unauthorized` / `Forbidden` otherwise.
pub async fn current_operator() -> Result<User, PortalError> {
    let user = current_user()?;
    if app_state()?.is_operator(&user).await? {
        Ok(user)
    } else {
        Err(with_status(PortalError::Forbidden))
    }
}
