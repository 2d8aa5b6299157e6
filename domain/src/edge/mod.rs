//! The gateway's front door: who a request comes from when a reverse proxy may stand in front,
//! how much each address may ask of the cheap-to-abuse endpoints, and how long a request may take.
//!
//! Decisions only (no HTTP framework): `server::middleware` applies them. Deployment guidance is in
//! `docs/deployment.md`; the keys in `docs/configuration.md`; the requirements (security.md WEB-6,
//! AS-13, AUD-2) in `docs/security-status.md`.

mod client_address;

use std::time::Duration;

pub use client_address::{
    is_acceptable_request_id, rate_limit_key, ClientAddress, ForwardedHeader, TrustedProxies,
    REQUEST_ID_MAX_LEN,
};

/// What the front door is configured with.
#[derive(Debug, Clone)]
pub struct EdgeSettings {
    /// The reverse proxies whose forwarding headers (and `X-Request-Id`) are believed.
    pub trusted_proxies: TrustedProxies,
    /// Which forwarding header those proxies set.
    pub forwarded_header: ForwardedHeader,
    /// Requests per minute and client address, per group of endpoints.
    pub rate_limits: RateLimits,
    /// Longest time a portal or OAuth request may take (not `/v1/mcp`, whose streams are
    /// long-lived by design).
    pub request_timeout: Duration,
}

impl Default for EdgeSettings {
    fn default() -> Self {
        Self {
            trusted_proxies: TrustedProxies::none(),
            forwarded_header: ForwardedHeader::XForwardedFor,
            rate_limits: RateLimits::default(),
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECONDS),
        }
    }
}

/// Default of `request_timeout_seconds`: longer than the outbound client's own time limits (a
/// metadata document or an identity provider answering slowly still gets its answer through).
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 30;

/// The groups of endpoints limited per client address (security.md WEB-6). Each is cheap to call
/// and costly to answer: a database row, a fetched document, a session write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limited {
    /// `POST /token` (client authentication, code and refresh redemption).
    Token,
    /// `GET /authorize` and `/authorize/continue` (may fetch a metadata document, writes the
    /// pending request into the session).
    Authorize,
    /// Provider sign-in starts (`/auth/microsoft/login`, `/auth/auth0/login|signup`) and their
    /// callbacks (each callback redeems a code at the provider).
    SignIn,
    /// `POST /oauth/consent`, the consent answer.
    Consent,
    /// `/auth/admin-consent` and its callback (each start writes an onboarding row operators see).
    AdminConsent,
}

impl Limited {
    /// Every group, for building one limiter each.
    pub const ALL: [Limited; 5] = [
        Limited::Token,
        Limited::Authorize,
        Limited::SignIn,
        Limited::Consent,
        Limited::AdminConsent,
    ];

    /// The group's name in logs and in its configuration key (`rate_limit_<name>_per_minute`).
    pub fn as_str(self) -> &'static str {
        match self {
            Limited::Token => "token",
            Limited::Authorize => "authorize",
            Limited::SignIn => "sign_in",
            Limited::Consent => "consent",
            Limited::AdminConsent => "admin_consent",
        }
    }
}

/// Requests per minute per client address, for each [`Limited`] group. The burst equals the
/// per-minute figure (GCRA: a full bucket holds a minute's worth, refilled evenly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `/token`.
    pub token: u32,
    /// `/authorize`.
    pub authorize: u32,
    /// Sign-in starts and callbacks.
    pub sign_in: u32,
    /// The consent answer.
    pub consent: u32,
    /// Admin-consent starts and callbacks.
    pub admin_consent: u32,
}

impl Default for RateLimits {
    /// Generous for an office behind one NAT address, tight for a script.
    fn default() -> Self {
        Self {
            token: 120,
            authorize: 60,
            sign_in: 30,
            consent: 30,
            admin_consent: 10,
        }
    }
}

impl RateLimits {
    /// The per-minute figure of `group`.
    pub fn per_minute(&self, group: Limited) -> u32 {
        match group {
            Limited::Token => self.token,
            Limited::Authorize => self.authorize,
            Limited::SignIn => self.sign_in,
            Limited::Consent => self.consent,
            Limited::AdminConsent => self.admin_consent,
        }
    }
}
