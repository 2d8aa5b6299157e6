//! The vendor side of `oauth2_authorization_code` (RFC 6749 §4.1 with PKCE S256, RFC 7636):
//! the consent URL the browser is sent to, redeeming the code, and the refresh grant (§6). The
//! engine holds no state for this scheme: tokens come sealed with the connection and are kept
//! fresh by `connections::vendor_oauth`, which stores what these functions return.
//!
//! The token endpoint is reached through the outbound guard like every vendor request; the
//! consent URL is given to a browser, and goes through the same `outbound_origin_overrides`
//! mapping (tests and air-gapped installs point the vendor's login host at a stand-in).

use base64::{engine::general_purpose::STANDARD, Engine as _};
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use time::OffsetDateTime;
use url::Url;

use super::{answer, auth, Engine};
use crate::vendors::{
    AuthorizationCodeSpec, CallError, ClientAuth, ConnectionCredentials, VendorDefinition,
};

/// The sealed secret holding the access token (a name no form field can have: fields are
/// `[a-zA-Z0-9_]+`).
pub const ACCESS_TOKEN: &str = "oauth.access_token";
/// The sealed secret holding the refresh token.
pub const REFRESH_TOKEN: &str = "oauth.refresh_token";
/// The sealed secret holding the access token's expiry (Unix seconds).
pub const EXPIRES_AT: &str = "oauth.expires_at";

/// The gateway's own app at a vendor (operator configuration `vendor_oauth.<slug>`).
#[derive(Clone)]
pub struct OAuthApp {
    /// The app's client id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: SecretString,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<hidden>")
            .finish()
    }
}

/// Tokens from the vendor's token endpoint.
pub struct TokenSet {
    /// The access token.
    pub access_token: SecretString,
    /// The refresh token, when the vendor sent one (absent: keep the previous one).
    pub refresh_token: Option<SecretString>,
    /// When the access token expires (from `expires_in`, 1 hour when absent).
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Why the token endpoint gave no tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    /// `invalid_grant` (RFC 6749 §5.2): the code or refresh token is expired, revoked or spent;
    /// only a new consent helps ("needs reconnecting").
    #[error("the vendor refused the grant")]
    InvalidGrant {
        /// The vendor's description, trimmed and redacted.
        vendor_message: Option<String>,
    },
    /// `invalid_client`, `unauthorized_client` or 401: the operator's app settings are refused.
    #[error("the vendor refused the gateway's app")]
    ClientRejected {
        /// The vendor's description, trimmed and redacted.
        vendor_message: Option<String>,
    },
    /// Anything else: unreachable, timed out, 5xx, an unreadable answer.
    #[error("{0}")]
    Failed(CallError),
}

/// What redeeming one authorization code sends besides the client (RFC 6749 §4.1.3, RFC 7636
/// §4.5).
#[derive(Clone, Copy)]
pub struct Redemption<'a> {
    /// The code from the callback.
    pub code: &'a str,
    /// The PKCE verifier whose S256 challenge went with the authorization request.
    pub verifier: &'a str,
    /// The redirect URI of the authorization request.
    pub redirect_uri: &'a str,
}

fn spec(def: &VendorDefinition) -> Result<&AuthorizationCodeSpec, CallError> {
    def.authorization_code().ok_or_else(|| {
        CallError::Unexpected("the vendor is not connected by consent (authorization code)".into())
    })
}

impl Engine {
    /// The URL of the vendor's consent page for `settings` (the connection's non-secret form
    /// values), after `outbound_origin_overrides`.
    pub fn authorize_url(
        &self,
        def: &VendorDefinition,
        settings: &ConnectionCredentials,
        app: &OAuthApp,
        redirect_uri: &str,
        state: &str,
        code_challenge: &str,
    ) -> Result<Url, CallError> {
        let spec = spec(def)?;
        let mut url = auth::render_url(def, &spec.authorize_url, settings)?;
        url.query_pairs_mut()
            .append_pair("client_id", &app.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_mode", "query")
            .append_pair("scope", &spec.scopes.join(" "))
            .append_pair("state", state)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(self.inner.outbound.effective_url(&url))
    }

    /// Redeems an authorization code (RFC 6749 §4.1.3) with the PKCE verifier.
    pub async fn redeem_code(
        &self,
        def: &VendorDefinition,
        settings: &ConnectionCredentials,
        app: &OAuthApp,
        redemption: Redemption<'_>,
        now: OffsetDateTime,
    ) -> Result<TokenSet, GrantError> {
        let form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", redemption.code.to_owned()),
            ("redirect_uri", redemption.redirect_uri.to_owned()),
            ("code_verifier", redemption.verifier.to_owned()),
        ];
        self.grant(def, settings, app, form, now).await
    }

    /// Uses a refresh token (RFC 6749 §6); the answer may carry a new refresh token (rotation).
    pub async fn refresh_grant(
        &self,
        def: &VendorDefinition,
        settings: &ConnectionCredentials,
        app: &OAuthApp,
        refresh_token: &SecretString,
        now: OffsetDateTime,
    ) -> Result<TokenSet, GrantError> {
        let form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.expose_secret().to_owned()),
        ];
        self.grant(def, settings, app, form, now).await
    }

    async fn grant(
        &self,
        def: &VendorDefinition,
        settings: &ConnectionCredentials,
        app: &OAuthApp,
        mut form: Vec<(&str, String)>,
        now: OffsetDateTime,
    ) -> Result<TokenSet, GrantError> {
        let spec = spec(def).map_err(GrantError::Failed)?;
        let url = auth::render_url(def, &spec.token_url, settings).map_err(GrantError::Failed)?;
        let mut request = reqwest::Request::new(reqwest::Method::POST, url);
        form.push(("scope", spec.scopes.join(" ")));
        let mut redact = auth::secret_values(settings);
        redact.push(app.client_secret.expose_secret().to_owned());
        redact.extend(
            form.iter()
                .filter(|(k, _)| *k != "scope")
                .map(|(_, v)| v.clone()),
        );
        match spec.client_auth {
            ClientAuth::Body => {
                form.push(("client_id", app.client_id.clone()));
                form.push((
                    "client_secret",
                    app.client_secret.expose_secret().to_owned(),
                ));
            }
            ClientAuth::Basic => {
                let basic = STANDARD.encode(format!(
                    "{}:{}",
                    app.client_id,
                    app.client_secret.expose_secret()
                ));
                let mut v = HeaderValue::from_str(&format!("Basic {basic}")).map_err(|_| {
                    GrantError::Failed(CallError::Unexpected("bad client credentials".into()))
                })?;
                v.set_sensitive(true);
                request.headers_mut().insert(AUTHORIZATION, v);
            }
        }
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let headers = request.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(body.into());
        let response = self.send(def, request).await.map_err(GrantError::Failed)?;
        let redactor = answer::Redactor::new(redact);
        let pointers = ["/error_description".to_owned(), "/error".to_owned()];
        if !response.status.is_success() {
            let json: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
            let code = json.get("error").and_then(Value::as_str).unwrap_or("");
            let vendor_message = answer::vendor_message(&response, &pointers, &redactor);
            let status = response.status.as_u16();
            return Err(match code {
                "invalid_grant" => GrantError::InvalidGrant { vendor_message },
                "invalid_client" | "unauthorized_client" => {
                    GrantError::ClientRejected { vendor_message }
                }
                _ if status == 401 => GrantError::ClientRejected { vendor_message },
                _ => GrantError::Failed(answer::call_error(&response, &pointers, &redactor, now)),
            });
        }
        token_set(&response.body, now).map_err(GrantError::Failed)
    }
}

/// Reads a successful token answer (RFC 6749 §5.1).
fn token_set(body: &[u8], now: OffsetDateTime) -> Result<TokenSet, CallError> {
    let json: Value = serde_json::from_slice(body)
        .map_err(|_| CallError::Unexpected("the token endpoint did not answer with JSON".into()))?;
    let text = |key: &str| {
        json.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(|s| SecretString::from(s.to_owned()))
    };
    let access_token = text("access_token").ok_or_else(|| {
        CallError::Unexpected("the token endpoint's answer has no access_token".into())
    })?;
    let lifetime = json
        .get("expires_in")
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .unwrap_or(3600)
        .clamp(0, 86_400);
    Ok(TokenSet {
        access_token,
        refresh_token: text("refresh_token"),
        expires_at: now + time::Duration::seconds(lifetime),
    })
}
