//! One configured OpenID provider: discovery, authorization URL, code exchange, ID-token checks.

use std::time::Duration;

use openidconnect::{
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
        CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
        CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
        CoreTokenIntrospectionResponse, CoreTokenType,
    },
    AdditionalClaims, AuthType, AuthUrl, AuthenticationFlow, AuthorizationCode,
    ClaimsVerificationError, Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointNotSet, EndpointSet, IdToken, IdTokenClaims, IdTokenFields, IdTokenVerifier, IssuerUrl,
    JsonWebKeySetUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError,
    Scope, SignatureVerificationError, StandardErrorResponse, StandardTokenResponse,
    TokenResponse as _, TokenUrl,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::RwLock;
use url::Url;

use super::{
    jwks::JwksCache, AuthorizeOptions, OidcError, PendingSignIn, Purpose, AUTH0_CALLBACK_PATH,
    ENTRA_CALLBACK_PATH, SCOPES,
};
use crate::{
    config::{Auth0Settings, EntraSettings, PublicUrl},
    tenants::TenantId,
    users::{DisplayName, Email, Identity, Profile, Provider},
};

/// Claims beyond the standard ones: Entra's tenant and object ids, directory role template ids
/// (`wids`, emitted when the app registration asks for directory roles) and whether the tenant
/// owns the email's domain (`xms_edov`, an optional claim).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wids: Option<Vec<String>>,
    /// A boolean, though some tenants send it as the string `"true"`; anything else is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    xms_edov: Option<serde_json::Value>,
}

impl ProviderClaims {
    fn email_domain_verified(&self) -> bool {
        match &self.xms_edov {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true") || s == "1",
            Some(serde_json::Value::Number(n)) => n.as_u64() == Some(1),
            _ => false,
        }
    }
}
impl AdditionalClaims for ProviderClaims {}

type Claims = IdTokenClaims<ProviderClaims, CoreGenderClaim>;
type ProviderIdToken = IdToken<
    ProviderClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponse = StandardTokenResponse<
    IdTokenFields<
        ProviderClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
type ConfiguredClient = Client<
    ProviderClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointNotSet,
>;

/// Largest discovery document accepted.
const MAX_DISCOVERY_BYTES: usize = 256 * 1024;
/// Discovery documents are refetched after this long.
const DISCOVERY_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);
/// Clock skew tolerated on `iat` (security.md OIDC-1: at most 5 minutes).
const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);
/// An ID token issued longer ago than this (plus skew) is refused: it was just issued.
const MAX_ID_TOKEN_AGE: time::Duration = time::Duration::minutes(10);
/// Microsoft's tenant of personal accounts (not an organisation; never onboarded).
pub const CONSUMER_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

#[derive(Debug, Clone)]
enum Flavor {
    /// Issuer = `{authority}/{tenantid}/v2.0`, with the user's `tid` substituted.
    Entra { issuer_template: String },
    /// Issuer compared exactly (with its trailing slash).
    Auth0 { issuer: String },
}

/// The parts of a discovery document the gateway uses (deserialised by hand: see the module docs).
#[derive(Debug, Clone, Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    authorization_endpoint: Url,
    token_endpoint: Url,
    jwks_uri: Url,
    #[serde(default)]
    end_session_endpoint: Option<Url>,
}

#[derive(Debug, Clone)]
struct Discovered {
    document: DiscoveryDocument,
    fetched_at: std::time::Instant,
}

/// A configured provider.
pub struct OidcClient {
    provider: Provider,
    flavor: Flavor,
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect_uri: RedirectUrl,
    discovery_url: Url,
    /// Entra only: the authority (`https://login.microsoftonline.com`).
    authority: Option<Url>,
    logout: bool,
    http: reqwest::Client,
    discovered: RwLock<Option<Discovered>>,
    jwks: JwksCache,
}

/// A sign-in whose ID token passed every check.
#[derive(Debug, Clone)]
pub struct VerifiedSignIn {
    /// Who (immutable key).
    pub identity: Identity,
    /// Name and email for display.
    pub profile: Profile,
    /// Entra: the user's tenant.
    pub tenant_id: Option<TenantId>,
    /// How to name the account in messages: the UPN or email, else the subject.
    pub account: String,
    /// Entra: the directory role template ids of the user (`wids`), lower case; empty when the
    /// token carries none.
    pub directory_roles: Vec<String>,
}

/// An HTTP client for talking to identity providers: no redirects followed, bounded time.
fn http_client() -> Result<reqwest::Client, OidcError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("mcp-gateway/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| OidcError::Http(e.to_string()))
}

fn redirect_uri(public_url: &PublicUrl, path: &str) -> Result<RedirectUrl, OidcError> {
    RedirectUrl::new(public_url.join(path)).map_err(|e| OidcError::Http(e.to_string()))
}

fn join(base: &Url, suffix: &str) -> String {
    format!("{}{suffix}", base.as_str().trim_end_matches('/'))
}

impl OidcClient {
    /// Microsoft Entra ID through the `organizations` endpoint.
    pub fn entra(settings: &EntraSettings, public_url: &PublicUrl) -> Result<Self, OidcError> {
        let authority = settings.authority.clone();
        let discovery_url = Url::parse(&join(
            &authority,
            "/organizations/v2.0/.well-known/openid-configuration",
        ))
        .map_err(|e| OidcError::Http(e.to_string()))?;
        Ok(Self {
            provider: Provider::Entra,
            flavor: Flavor::Entra {
                issuer_template: join(&authority, "/{tenantid}/v2.0"),
            },
            client_id: ClientId::new(settings.client_id.clone()),
            client_secret: ClientSecret::new(settings.client_secret.expose_secret().to_owned()),
            redirect_uri: redirect_uri(public_url, ENTRA_CALLBACK_PATH)?,
            discovery_url,
            authority: Some(authority),
            logout: settings.logout,
            http: http_client()?,
            discovered: RwLock::new(None),
            jwks: JwksCache::default(),
        })
    }

    /// Auth0 (issuer with its trailing slash).
    pub fn auth0(settings: &Auth0Settings, public_url: &PublicUrl) -> Result<Self, OidcError> {
        let issuer = settings.issuer.as_str().to_owned();
        let discovery_url = settings
            .issuer
            .join(".well-known/openid-configuration")
            .map_err(|e| OidcError::Http(e.to_string()))?;
        Ok(Self {
            provider: Provider::Auth0,
            flavor: Flavor::Auth0 { issuer },
            client_id: ClientId::new(settings.client_id.clone()),
            client_secret: ClientSecret::new(settings.client_secret.expose_secret().to_owned()),
            redirect_uri: redirect_uri(public_url, AUTH0_CALLBACK_PATH)?,
            discovery_url,
            authority: None,
            logout: settings.logout,
            http: http_client()?,
            discovered: RwLock::new(None),
            jwks: JwksCache::default(),
        })
    }

    /// Which provider this is.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The configured issuer (Auth0) or issuer template (Entra), for identities and messages.
    pub fn issuer(&self) -> &str {
        match &self.flavor {
            Flavor::Entra { issuer_template } => issuer_template,
            Flavor::Auth0 { issuer } => issuer,
        }
    }

    /// The discovery document, fetched on first use and after [`DISCOVERY_MAX_AGE`].
    async fn discovery(&self) -> Result<DiscoveryDocument, OidcError> {
        if let Some(d) = self.discovered.read().await.as_ref() {
            if d.fetched_at.elapsed() < DISCOVERY_MAX_AGE {
                return Ok(d.document.clone());
            }
        }
        let mut slot = self.discovered.write().await;
        if let Some(d) = slot.as_ref() {
            if d.fetched_at.elapsed() < DISCOVERY_MAX_AGE {
                return Ok(d.document.clone());
            }
        }
        match self.fetch_discovery().await {
            Ok(document) => {
                *slot = Some(Discovered {
                    document: document.clone(),
                    fetched_at: std::time::Instant::now(),
                });
                Ok(document)
            }
            Err(e) => match slot.as_ref() {
                // A stale document beats none while the provider is briefly unreachable.
                Some(d) if matches!(e, OidcError::Unavailable(_)) => {
                    tracing::warn!(error = %e, "refreshing the discovery document failed; using the cached one");
                    Ok(d.document.clone())
                }
                _ => Err(e),
            },
        }
    }

    async fn fetch_discovery(&self) -> Result<DiscoveryDocument, OidcError> {
        let unavailable = |e: String| {
            OidcError::Unavailable(format!("discovery document {}: {e}", self.discovery_url))
        };
        let response = self
            .http
            .get(self.discovery_url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("HTTP {}", response.status())));
        }
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_DISCOVERY_BYTES {
                return Err(unavailable("larger than 256 KiB".into()));
            }
        }
        let document: DiscoveryDocument = serde_json::from_slice(&body)
            .map_err(|e| unavailable(format!("not a discovery document ({e})")))?;
        let expected = self.issuer();
        if document.issuer != expected {
            return Err(OidcError::Misconfigured(format!(
                "the discovery document at {} names the issuer `{}`, expected `{expected}`",
                self.discovery_url, document.issuer
            )));
        }
        Ok(document)
    }

    fn client(&self, discovery: &DiscoveryDocument) -> ConfiguredClient {
        // The issuer and keys given here are not used: ID tokens are verified by `verify`.
        let issuer = IssuerUrl::from_url(discovery.authorization_endpoint.clone());
        Client::new(
            self.client_id.clone(),
            issuer,
            CoreJsonWebKeySet::new(Vec::new()),
        )
        .set_client_secret(self.client_secret.clone())
        .set_auth_uri(AuthUrl::from_url(discovery.authorization_endpoint.clone()))
        .set_token_uri(TokenUrl::from_url(discovery.token_endpoint.clone()))
        .set_redirect_uri(self.redirect_uri.clone())
        // Both Entra and Auth0 (its default for regular web apps) take the secret in the body.
        .set_auth_type(AuthType::RequestBody)
    }

    /// Starts a sign-in: the provider's authorization URL and what to keep until the callback.
    pub async fn begin(
        &self,
        options: &AuthorizeOptions,
        return_to: &crate::auth::ReturnPath,
        purpose: Purpose,
        now: OffsetDateTime,
    ) -> Result<(Url, PendingSignIn), OidcError> {
        let discovery = self.discovery().await?;
        let client = self.client(&discovery);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in SCOPES {
            request = request.add_scope(Scope::new(scope.to_owned()));
        }
        if let Some(connection) = &options.connection {
            request = request.add_extra_param("connection", connection.clone());
        }
        if options.signup {
            request = request.add_extra_param("screen_hint", "signup");
        }
        if let Some(hint) = &options.login_hint {
            request = request.add_extra_param("login_hint", hint.clone());
        }
        let (url, state, nonce) = request.url();
        let pending = PendingSignIn {
            provider: self.provider.as_str().to_owned(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to: return_to.as_str().to_owned(),
            purpose,
            started_at: now.unix_timestamp(),
        };
        Ok((url, pending))
    }

    /// Redeems the code and verifies the ID token; the provider's tokens are dropped here.
    pub async fn complete(
        &self,
        pending: &PendingSignIn,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<VerifiedSignIn, OidcError> {
        let discovery = self.discovery().await?;
        let client = self.client(&discovery);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => OidcError::CodeRejected(format!(
                    "{}{}",
                    r.error().as_ref(),
                    r.error_description()
                        .map(|d| format!(": {}", first_line(d)))
                        .unwrap_or_default()
                )),
                RequestTokenError::Parse(e, _) => OidcError::InvalidIdToken(format!(
                    "the token response could not be read ({})",
                    e.inner()
                )),
                other => OidcError::Unavailable(format!("token endpoint: {other}")),
            })?;
        let id_token = response.id_token().ok_or_else(|| {
            OidcError::InvalidIdToken("the token response has no ID token".into())
        })?;
        let nonce = Nonce::new(pending.nonce.clone());
        let claims = self.verify(&discovery, id_token, &nonce, now).await?;
        self.identify(&claims)
    }

    async fn verify(
        &self,
        discovery: &DiscoveryDocument,
        id_token: &ProviderIdToken,
        nonce: &Nonce,
        now: OffsetDateTime,
    ) -> Result<Claims, OidcError> {
        let jwks_url = JsonWebKeySetUrl::from_url(discovery.jwks_uri.clone());
        let (keys, fresh) = self.jwks.keys(&jwks_url, &self.http, false).await?;
        match self.check(id_token, nonce, keys, now) {
            // A key we do not know yet: the provider may have rolled its keys over (OIDC-6).
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) if !fresh => {
                let (keys, _) = self.jwks.keys(&jwks_url, &self.http, true).await?;
                self.check(id_token, nonce, keys, now)
            }
            other => other,
        }
        .map_err(|e| OidcError::InvalidIdToken(e.to_string()))
    }

    fn check(
        &self,
        id_token: &ProviderIdToken,
        nonce: &Nonce,
        keys: CoreJsonWebKeySet,
        now: OffsetDateTime,
    ) -> Result<Claims, ClaimsVerificationError> {
        let (issuer, issuer_is_exact) = match &self.flavor {
            // Entra: the issuer depends on the tenant; checked against `tid` in `identify`.
            Flavor::Entra { issuer_template } => (issuer_template.clone(), false),
            Flavor::Auth0 { issuer } => (issuer.clone(), true),
        };
        let issuer = IssuerUrl::new(issuer)
            .map_err(|e| ClaimsVerificationError::Other(format!("issuer: {e}")))?;
        let verifier: IdTokenVerifier<'_, CoreJsonWebKey> =
            IdTokenVerifier::new_confidential_client(
                self.client_id.clone(),
                self.client_secret.clone(),
                issuer,
                keys,
            )
            // RS256 only: never `none`, never an HMAC keyed with something public (OIDC-1).
            .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256])
            .require_issuer_match(issuer_is_exact)
            .set_issue_time_verifier_fn(move |iat| {
                let iat = OffsetDateTime::from_unix_timestamp(iat.timestamp())
                    .map_err(|_| "issued-at is out of range".to_owned())?;
                if iat > now + CLOCK_SKEW {
                    Err(format!("issued in the future ({iat})"))
                } else if iat < now - MAX_ID_TOKEN_AGE - CLOCK_SKEW {
                    Err(format!("issued too long ago ({iat})"))
                } else {
                    Ok(())
                }
            });
        let claims = id_token.claims(&verifier, nonce)?.clone();
        // `azp` (OIDC Core §3.1.3.7 items 4–5), which the crate leaves to the application.
        let several_audiences = claims.audiences().len() > 1;
        match claims.authorized_party() {
            Some(azp) if azp.as_str() != self.client_id.as_str() => {
                return Err(ClaimsVerificationError::InvalidAudience(format!(
                    "authorized party `{}` is not this client",
                    azp.as_str()
                )))
            }
            None if several_audiences => {
                return Err(ClaimsVerificationError::InvalidAudience(
                    "several audiences but no authorized party".into(),
                ))
            }
            _ => {}
        }
        Ok(claims)
    }

    /// Who signed in, after the provider-specific checks.
    fn identify(&self, claims: &Claims) -> Result<VerifiedSignIn, OidcError> {
        let invalid = |m: String| OidcError::InvalidIdToken(m);
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned());
        let preferred = claims.preferred_username().map(|u| u.as_str().to_owned());
        let email = claims.email().and_then(|e| Email::parse(e.as_str()).ok());
        match &self.flavor {
            Flavor::Entra { issuer_template } => {
                let extra = claims.additional_claims();
                let tid = extra
                    .tid
                    .as_deref()
                    .ok_or_else(|| invalid("the ID token has no tenant id (tid)".into()))?;
                let tenant_id = TenantId::parse(tid)
                    .ok_or_else(|| invalid(format!("the tenant id `{tid}` is not a GUID")))?;
                let expected = issuer_template.replace("{tenantid}", tenant_id.as_str());
                // Exact comparison with the tenant's issuer: a token of tenant A claiming tenant B
                // (or a v1 `sts.windows.net` issuer) is refused (OIDC-4).
                if claims.issuer().as_str() != expected || tid != tenant_id.as_str() {
                    return Err(invalid(format!(
                        "the issuer `{}` does not belong to tenant {tenant_id}",
                        claims.issuer().as_str()
                    )));
                }
                if tenant_id.as_str() == CONSUMER_TENANT {
                    return Err(invalid(
                        "personal Microsoft accounts cannot sign in; use a work or school account"
                            .into(),
                    ));
                }
                let oid = extra
                    .oid
                    .as_deref()
                    .and_then(TenantId::parse)
                    .ok_or_else(|| invalid("the ID token has no valid object id (oid)".into()))?;
                let account = preferred
                    .clone()
                    .or_else(|| email.as_ref().map(|e| e.as_str().to_owned()))
                    .unwrap_or_else(|| oid.as_str().to_owned());
                let directory_roles = extra
                    .wids
                    .iter()
                    .flatten()
                    .filter_map(|w| TenantId::parse(w))
                    .map(|w| w.as_str().to_owned())
                    .collect();
                Ok(VerifiedSignIn {
                    identity: Identity {
                        provider: Provider::Entra,
                        issuer: tenant_id.as_str().to_owned(),
                        subject: oid.as_str().to_owned(),
                    },
                    profile: Profile {
                        display_name: display_name(name, &account),
                        // Entra sends no `email_verified`; `xms_edov` says the tenant owns the
                        // domain (the `email` attribute itself is editable by its admins).
                        email_verified: email.is_some() && extra.email_domain_verified(),
                        email,
                    },
                    tenant_id: Some(tenant_id),
                    account,
                    directory_roles,
                })
            }
            Flavor::Auth0 { issuer } => {
                let subject = claims.subject().as_str().to_owned();
                if subject.is_empty() || subject.len() > 512 {
                    return Err(invalid("the subject (sub) is empty or too long".into()));
                }
                let account = email
                    .as_ref()
                    .map(|e| e.as_str().to_owned())
                    .unwrap_or_else(|| subject.clone());
                let name = name.or(claims
                    .nickname()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned()));
                Ok(VerifiedSignIn {
                    identity: Identity {
                        provider: Provider::Auth0,
                        issuer: issuer.clone(),
                        subject,
                    },
                    profile: Profile {
                        display_name: display_name(name, &account),
                        email_verified: email.is_some() && claims.email_verified() == Some(true),
                        email,
                    },
                    tenant_id: None,
                    account,
                    directory_roles: Vec::new(),
                })
            }
        }
    }

    /// Where to send the browser to also sign out at the provider, if configured and offered.
    pub async fn logout_url(&self, post_logout_redirect: &str) -> Option<Url> {
        if !self.logout {
            return None;
        }
        let discovery = self.discovery().await.ok()?;
        let mut url = discovery.end_session_endpoint?;
        url.query_pairs_mut()
            .append_pair("client_id", self.client_id.as_str())
            .append_pair("post_logout_redirect_uri", post_logout_redirect);
        Some(url)
    }

    /// Entra: Microsoft's admin-consent URL for this application.
    pub fn admin_consent_url(
        &self,
        tenant_hint: Option<&TenantId>,
        redirect_uri: &str,
        state: &str,
    ) -> Option<Url> {
        let authority = self.authority.as_ref()?;
        let tenant = tenant_hint.map_or("organizations", TenantId::as_str);
        let mut url = Url::parse(&join(authority, &format!("/{tenant}/v2.0/adminconsent"))).ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", self.client_id.as_str())
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state)
            .append_pair("scope", "openid profile email");
        Some(url)
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

fn display_name(name: Option<String>, account: &str) -> DisplayName {
    name.and_then(|n| DisplayName::lenient(&n))
        .or_else(|| DisplayName::lenient(account))
        .unwrap_or_else(DisplayName::unnamed)
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
