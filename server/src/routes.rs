//! The router: health, static assets, and the portal (Leptos pages, server functions, sign-in
//! routes) behind the session layer. Paths come from `app::routes`.

use std::sync::OnceLock;

use app::{routes as paths, shell, state::AppState, App};
use axum::{
    extract::RawQuery,
    http::{header, HeaderValue, StatusCode},
    middleware::{from_fn, from_fn_with_state},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post, MethodRouter},
    Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{
    handlers::{audit, auth, health, idp, mcp, mcp_auth, oauth, vendor_health, vendor_oauth},
    middleware::{
        client_address, csrf, current_user, page_redirects, rate_limit, request_id,
        security_headers, strict_json,
    },
};

/// Largest accepted request body on portal routes (forms, server functions).
pub const PORTAL_BODY_LIMIT: usize = 64 * 1024;

/// Largest accepted `/v1/mcp` message (tool arguments can carry ticket notes and the like).
pub const MCP_BODY_LIMIT: usize = 1024 * 1024;

/// The Leptos route list, generated once per process.
///
/// Generating it flips a process-wide flag in leptos_server (`IS_SUPPRESSING_RESOURCE_LOAD`) that
/// stops resources from loading anywhere in the process while it runs; a second generation while
/// pages are being rendered (several gateways in one process, as in the test suite) would leave
/// those pages' `<Suspense>` waiting forever. Found by the API tests hanging intermittently.
fn leptos_route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The portal routes, before the session layer is applied (see `sessions::layer`).
pub fn portal(state: &AppState) -> Router<AppState> {
    let leptos_routes = leptos_route_list();
    let context_state = state.clone();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/", get(|| async { Redirect::to(paths::SETTINGS) }))
        .route(paths::DEV_LOGIN, post(auth::dev_login))
        .route(paths::LOGOUT, post(auth::logout))
        .route(paths::LOGOUT_EVERYWHERE, post(auth::logout_everywhere))
        .route(paths::ORGANISATION_AUDIT_EXPORT, get(audit::export_csv))
        // Behind the session layer (unlike `/health`): operators only.
        .route(paths::HEALTH_VENDORS, get(vendor_health::vendor_health))
        .route(paths::AUTHORIZE, get(oauth::authorize))
        .route(paths::AUTHORIZE_CONTINUE, get(oauth::authorize_continue))
        .route(paths::OAUTH_CONSENT, post(oauth::consent_decision))
        .route(paths::MICROSOFT_LOGIN, get(idp::microsoft_login))
        .route(paths::MICROSOFT_CALLBACK, get(idp::microsoft_callback))
        .route(paths::AUTH0_LOGIN, get(idp::auth0_login))
        .route(paths::AUTH0_SIGNUP, get(idp::auth0_signup))
        .route(paths::AUTH0_CALLBACK, get(idp::auth0_callback))
        .route(
            domain::connections::vendor_oauth::CALLBACK_PATH,
            get(vendor_oauth::consent_callback),
        )
        .route(paths::ADMIN_CONSENT, get(idp::admin_consent))
        .route(
            paths::ADMIN_CONSENT_CALLBACK,
            get(idp::admin_consent_callback),
        )
        .leptos_routes_with_context(
            state,
            leptos_routes,
            move || provide_context(context_state.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(from_fn(page_redirects::redirects_are_redirects))
        .layer(from_fn(strict_json::refuse_unknown_fields))
        .layer(from_fn(current_user::require_sign_in_for_pages))
        .layer(from_fn_with_state(
            state.clone(),
            current_user::resolve_current_user,
        ))
}

/// Wraps the session-enabled portal with everything shared by all routes.
pub fn app(state: AppState, portal_with_sessions: Router<AppState>) -> Router {
    let portal_with_sessions = portal_with_sessions
        .layer(from_fn_with_state(
            state.clone(),
            csrf::refuse_cross_site_writes,
        ))
        .layer(RequestBodyLimitLayer::new(PORTAL_BODY_LIMIT))
        .layer(request_time_limit(&state));
    let site_root = state.leptos_options.site_root.to_string();
    let pkg = format!("/{}", state.leptos_options.site_pkg_dir);
    let assets = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("public, max-age=300"),
        ))
        .service(ServeDir::new(format!("{site_root}{pkg}")));
    Router::new()
        .route("/health", get(health::health))
        .route("/health/ready", get(health::ready))
        .nest_service(&pkg, assets)
        .route_service("/favicon.svg", ServeDir::new(&site_root))
        .merge(oauth_endpoints(&state))
        .merge(moved_pages())
        .merge(portal_with_sessions)
        .layer(from_fn_with_state(
            // One `Arc` (the state is cloned for every request; the groups hold ten).
            std::sync::Arc::new(rate_limit::RateLimiters::new(
                &state.settings.edge.rate_limits,
            )),
            rate_limit::limit,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            security_headers::security_headers,
        ))
        .layer(CompressionLayer::new())
        .layer(
            ServiceBuilder::new()
                .layer(from_fn_with_state(
                    state.clone(),
                    client_address::identify_client,
                ))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(make_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(from_fn(request_id::remember_request_id)),
        )
        .with_state(state)
}

/// The inbound time limit of the portal and OAuth routes (`request_timeout_seconds`): a request
/// still unanswered then gets `503 Service Unavailable` and its handler is dropped (an open
/// database transaction rolls back). Never on `/v1/mcp`, whose SSE streams are long-lived by design.
fn request_time_limit(state: &AppState) -> TimeoutLayer {
    TimeoutLayer::with_status_code(
        StatusCode::SERVICE_UNAVAILABLE,
        state.settings.edge.request_timeout,
    )
}

/// The portal's old paths (`paths::MOVED_PAGES`), each a permanent redirect to its new one. Outside
/// the session layer: answering needs nobody's session, and the new page asks for sign-in itself.
fn moved_pages() -> Router<AppState> {
    paths::MOVED_PAGES
        .into_iter()
        .fold(Router::new(), |router, (old, new)| {
            router.route(old, moved_to(new))
        })
}

/// `308 Permanent Redirect` to `to`, with the request's query string kept (the audit page's
/// filters are a GET form, so shared links carry them). 308 rather than 301: a client must not
/// turn the request into another method.
fn moved_to(to: &'static str) -> MethodRouter<AppState> {
    get(move |RawQuery(query): RawQuery| permanent_redirect(to, query))
}

/// The redirect itself. The query comes from an already parsed URI, so it is always a valid
/// header value; should it not be, the bare path is still a correct answer (and unlike
/// `Redirect::permanent`, an odd query cannot make it panic).
async fn permanent_redirect(to: &'static str, query: Option<String>) -> Response {
    let location = match query.filter(|q| !q.is_empty()) {
        Some(query) => {
            HeaderValue::try_from(format!("{to}?{query}")).unwrap_or(HeaderValue::from_static(to))
        }
        None => HeaderValue::from_static(to),
    };
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response()
}

/// The authorization server's machine endpoints and `/v1/mcp`: no session, no portal CSRF
/// check (clients are not browsers; PKCE and client authentication protect them), CORS for
/// browser-based clients (none on `/authorize`, which is a portal route).
fn oauth_endpoints(state: &AppState) -> Router<AppState> {
    use axum::http::{header, Method};
    use tower_http::cors::{Any, CorsLayer};
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("mcp-protocol-version"),
            header::HeaderName::from_static("mcp-session-id"),
            header::HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([
            header::WWW_AUTHENTICATE,
            header::HeaderName::from_static("mcp-session-id"),
        ]);
    let endpoint = || {
        post(mcp::post_mcp)
            .get(mcp::get_mcp)
            .delete(mcp::delete_mcp)
            .fallback(mcp::method_not_allowed)
    };
    let mcp = Router::new()
        .route(paths::MCP, endpoint())
        // One connection's tools only (its own resource and metadata).
        .route(paths::CONNECTION_MCP, endpoint())
        .layer(from_fn_with_state(
            state.clone(),
            mcp_auth::require_access_token,
        ))
        .layer(from_fn_with_state(state.clone(), mcp::check_origin))
        // Its own limit, enforced by the handler's body extractor so the 413 is JSON.
        .layer(axum::extract::DefaultBodyLimit::max(MCP_BODY_LIMIT));
    Router::new()
        .route(
            paths::PROTECTED_RESOURCE_METADATA,
            get(mcp_auth::protected_resource_metadata),
        )
        .route(
            "/.well-known/oauth-protected-resource/v1/mcp",
            get(mcp_auth::protected_resource_metadata),
        )
        .route(
            "/.well-known/oauth-protected-resource/v1/{slug}/mcp",
            get(mcp_auth::connection_resource_metadata),
        )
        .route(
            paths::AS_METADATA,
            get(oauth::authorization_server_metadata),
        )
        .route(
            paths::OPENID_CONFIGURATION,
            get(oauth::authorization_server_metadata),
        )
        .route(paths::TOKEN, post(oauth::token))
        .route(paths::REGISTER, post(oauth::register))
        .route(paths::REVOKE, post(oauth::revoke))
        .layer(RequestBodyLimitLayer::new(PORTAL_BODY_LIMIT))
        .layer(request_time_limit(state))
        .merge(mcp)
        .layer(cors)
}

/// The path as logged: an invite link's token is a credential (it lets anyone join the organisation), so
/// `/invite/<token>` is logged as `/invite/…`.
fn loggable_path(path: &str) -> &str {
    if path.starts_with(paths::INVITE) && path.len() > paths::INVITE.len() + 1 {
        "/invite/…"
    } else {
        path
    }
}

/// One span per request: method, path (never the query: it may carry codes or tokens; never an
/// invite link's token), request id.
fn make_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %loggable_path(request.uri().path()),
        request_id = %request_id,
        user_id = tracing::field::Empty,
    )
}
