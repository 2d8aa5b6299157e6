//! Per-address rate limits of the endpoints where abuse is cheap (security.md WEB-6): one GCRA
//! limiter per [`Limited`] group, keyed by the request's [`ClientAddress`] (IPv6 by its /64),
//! answering `429 Too Many Requests` with `Retry-After`.
//!
//! Per process: each replica counts its own, so N replicas allow N times the configured rate
//! (documented in docs/deployment.md). Rejected: `tower_governor` (its key extractors either trust
//! forwarding headers from anyone or ignore them; the trusted-proxy decision is ours) and a
//! database-backed counter (a write per request on exactly the endpoints being protected).

use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};

use app::routes as paths;
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use domain::edge::{rate_limit_key, ClientAddress, Limited, RateLimits};
use governor::{clock::Clock as _, DefaultKeyedRateLimiter, Quota, RateLimiter};

/// How many checks pass between two sweeps of idle keys (keeps memory bounded under a flood of
/// addresses without a background task).
const SWEEP_EVERY: u64 = 4096;

/// One group's limiter.
#[derive(Clone)]
pub struct GroupLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    checks: Arc<AtomicU64>,
}

impl GroupLimiter {
    /// A limiter for `group` at the configured rate.
    pub fn new(group: Limited, limits: &RateLimits) -> Self {
        let per_minute = NonZeroU32::new(limits.per_minute(group)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            checks: Arc::new(AtomicU64::new(0)),
        }
    }

    /// `Ok` when `ip` may go on; otherwise how many whole seconds (at least one) to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        match self.limiter.check_key(&rate_limit_key(ip)) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
                Err((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
            }
        }
    }
}

/// The limiters of every group, built once per application from its settings.
#[derive(Clone)]
pub struct RateLimiters {
    token: GroupLimiter,
    authorize: GroupLimiter,
    sign_in: GroupLimiter,
    consent: GroupLimiter,
    admin_consent: GroupLimiter,
}

impl RateLimiters {
    /// One limiter per group at the configured rates.
    pub fn new(limits: &RateLimits) -> Self {
        Self {
            token: GroupLimiter::new(Limited::Token, limits),
            authorize: GroupLimiter::new(Limited::Authorize, limits),
            sign_in: GroupLimiter::new(Limited::SignIn, limits),
            consent: GroupLimiter::new(Limited::Consent, limits),
            admin_consent: GroupLimiter::new(Limited::AdminConsent, limits),
        }
    }

    fn group(&self, group: Limited) -> &GroupLimiter {
        match group {
            Limited::Token => &self.token,
            Limited::Authorize => &self.authorize,
            Limited::SignIn => &self.sign_in,
            Limited::Consent => &self.consent,
            Limited::AdminConsent => &self.admin_consent,
        }
    }
}

/// The group a request belongs to, by method and exact path (paths from `app::routes`, the ones
/// the routers serve). The consent page itself (`GET /oauth/consent`) is a page like any other;
/// its answer (`POST`) is limited.
pub fn limited_group(method: &Method, path: &str) -> Option<Limited> {
    match path {
        paths::TOKEN => Some(Limited::Token),
        paths::AUTHORIZE | paths::AUTHORIZE_CONTINUE => Some(Limited::Authorize),
        paths::MICROSOFT_LOGIN
        | paths::MICROSOFT_CALLBACK
        | paths::AUTH0_LOGIN
        | paths::AUTH0_SIGNUP
        | paths::AUTH0_CALLBACK => Some(Limited::SignIn),
        paths::OAUTH_CONSENT if method == Method::POST => Some(Limited::Consent),
        paths::ADMIN_CONSENT | paths::ADMIN_CONSENT_CALLBACK => Some(Limited::AdminConsent),
        _ => None,
    }
}

/// Middleware over the whole router, outside the session layer (a refused request costs no
/// session read): limits the requests of a [`Limited`] group by their [`ClientAddress`]. A request
/// without one (a router driven without a socket) is not limited.
pub async fn limit(
    State(limiters): State<Arc<RateLimiters>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(group) = limited_group(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let Some(address) = request.extensions().get::<ClientAddress>().copied() else {
        return next.run(request).await;
    };
    match limiters.group(group).check(address.ip) {
        Ok(()) => next.run(request).await,
        Err(retry_after) => {
            tracing::info!(
                group = group.as_str(),
                client = %address.ip,
                retry_after,
                "rate limit reached"
            );
            too_many_requests(group, retry_after)
        }
    }
}

/// 429 with `Retry-After`: an OAuth error object at `/token` (clients parse those), a short text
/// elsewhere (a browser shows it).
fn too_many_requests(group: Limited, retry_after: u64) -> Response {
    let mut response = match group {
        Limited::Token => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CACHE_CONTROL, "no-store")],
            Json(serde_json::json!({
                "error": "temporarily_unavailable",
                "error_description": "too many requests from this address; try again later",
            })),
        )
            .into_response(),
        _ => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many requests from your address. Try again in {retry_after} seconds."),
        )
            .into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn each_limited_route_belongs_to_its_group_and_pages_to_none() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(limited_group(&post, "/token"), Some(Limited::Token));
        assert_eq!(limited_group(&get, "/authorize"), Some(Limited::Authorize));
        assert_eq!(
            limited_group(&get, "/authorize/continue"),
            Some(Limited::Authorize)
        );
        for path in [
            "/auth/microsoft/login",
            "/auth/microsoft/callback",
            "/auth/auth0/login",
            "/auth/auth0/signup",
            "/auth/auth0/callback",
        ] {
            assert_eq!(limited_group(&get, path), Some(Limited::SignIn), "{path}");
        }
        assert_eq!(
            limited_group(&post, "/oauth/consent"),
            Some(Limited::Consent)
        );
        assert_eq!(limited_group(&get, "/oauth/consent"), None);
        assert_eq!(
            limited_group(&get, "/auth/admin-consent"),
            Some(Limited::AdminConsent)
        );
        assert_eq!(
            limited_group(&get, "/auth/admin-consent/callback"),
            Some(Limited::AdminConsent)
        );
        for path in [
            "/settings",
            "/auth/login",
            "/v1/mcp",
            "/register",
            "/health",
        ] {
            assert_eq!(limited_group(&get, path), None, "{path}");
        }
    }

    #[test]
    fn a_limiter_refuses_the_request_after_the_burst_and_names_a_wait() {
        let limits = RateLimits {
            token: 2,
            ..RateLimits::default()
        };
        let limiter = GroupLimiter::new(Limited::Token, &limits);
        let ip = IpAddr::from([192, 0, 2, 1]);
        assert_eq!(limiter.check(ip), Ok(()));
        assert_eq!(limiter.check(ip), Ok(()));
        let wait = limiter.check(ip).unwrap_err();
        assert!((1..=30).contains(&wait), "{wait}");
        // Another address has its own bucket.
        assert_eq!(limiter.check(IpAddr::from([192, 0, 2, 2])), Ok(()));
    }
}
