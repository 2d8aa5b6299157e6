//! Sign-in with an OpenID provider (Microsoft Entra ID, multi-tenant; Auth0), on the `openidconnect`
//! crate: authorization code + PKCE (S256) + `state` + `nonce` (security.md OIDC-2), full ID-token
//! validation (OIDC-1), Entra's tenant-templated issuer (OIDC-4), JWKS refetch on an unknown `kid`
//! (OIDC-6). What the crate does not do, and is written here:
//!
//! * loading the discovery document: Entra's `organizations` document names the literal issuer
//!   `…/{tenantid}/v2.0`, which `discover_async` refuses (openidconnect-rs#216);
//! * the JWKS cache with refresh (the crate keeps a client's JWKS forever, openidconnect-rs#232);
//! * the `azp` rule for several audiences (the crate leaves it to the application);
//! * Entra's `iss` = template with `tid`, checked after the signature.
//!
//! Upstream tokens are dropped as soon as the ID token is verified: they are never stored, logged
//! or handed to anyone (OIDC-8).

mod client;
mod jwks;
mod pending;

pub use client::{OidcClient, VerifiedSignIn};
pub use pending::{
    AuthorizeOptions, PendingSignIn, PendingSignIns, Purpose, PENDING_SIGN_IN_LIFETIME,
};

use std::sync::Arc;

use crate::{config::Settings, users::Provider};

/// Scopes requested from every provider: identity only (name and email for display).
pub const SCOPES: [&str; 2] = ["profile", "email"];

/// Callback paths on the gateway (registered as redirect URIs at the providers).
pub const ENTRA_CALLBACK_PATH: &str = "/auth/microsoft/callback";
/// See [`ENTRA_CALLBACK_PATH`].
pub const AUTH0_CALLBACK_PATH: &str = "/auth/auth0/callback";
/// Where Microsoft's admin-consent endpoint returns to.
pub const ADMIN_CONSENT_CALLBACK_PATH: &str = "/auth/admin-consent/callback";
/// Where an identity provider returns after an RP-initiated sign-out.
pub const SIGNED_OUT_PATH: &str = "/signed-out";

/// The configured identity providers.
#[derive(Clone, Default)]
pub struct IdentityProviders {
    /// Microsoft Entra ID, when configured.
    pub entra: Option<Arc<OidcClient>>,
    /// Auth0, when configured.
    pub auth0: Option<Arc<OidcClient>>,
}

impl IdentityProviders {
    /// Clients for the providers in `settings` (nothing is fetched yet: a provider that is down
    /// at start does not stop the gateway; its sign-in reports it until it is back).
    pub fn from_settings(settings: &Settings) -> Result<Self, OidcError> {
        let providers = &settings.identity_providers;
        Ok(Self {
            entra: providers
                .entra
                .as_ref()
                .map(|entra| OidcClient::entra(entra, &settings.public_url).map(Arc::new))
                .transpose()?,
            auth0: providers
                .auth0
                .as_ref()
                .map(|auth0| OidcClient::auth0(auth0, &settings.public_url).map(Arc::new))
                .transpose()?,
        })
    }

    /// The client of `provider`, if configured.
    pub fn get(&self, provider: Provider) -> Option<&Arc<OidcClient>> {
        match provider {
            Provider::Entra => self.entra.as_ref(),
            Provider::Auth0 => self.auth0.as_ref(),
            Provider::Dev => None,
        }
    }
}

/// Why a sign-in with an identity provider failed. Messages name the problem, never a token.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be reached or answered nonsense (discovery, JWKS, token endpoint
    /// down): try again later.
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider's discovery document does not match the configuration.
    #[error("the identity provider's configuration does not match: {0}")]
    Misconfigured(String),
    /// The token endpoint refused the code (expired, replayed, or not ours).
    #[error("the identity provider refused the authorization code: {0}")]
    CodeRejected(String),
    /// The ID token failed validation (signature, issuer, audience, expiry, nonce, tenant claims).
    #[error("the ID token is not valid: {0}")]
    InvalidIdToken(String),
    /// Building the HTTP client failed.
    #[error("HTTP client: {0}")]
    Http(String),
}
