//! The authorization endpoint: validating a request (security.md AS-1, AS-3, AS-4, AS-8), the
//! per-(user, client) consent (AS-10, MCP-2), and the authorization response with `iss`
//! (AS-9).
//!
//! Order matters: the client and the redirect URI are validated first. Until both are, every
//! problem is an error *page* (never a redirect: no open redirector). After, errors go back to
//! the validated redirect URI with `state` and `iss` only when that URI is trusted: the client is
//! pre-registered, or the signed-in user approved it before. Anybody can register a client with
//! any https redirect URI, so for the others an error is a page too (OAuth 2.1 §7.13.2,
//! security.md AS-4). A user's own Deny on the consent page still redirects: they were shown
//! the application and where it will send them.

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use super::{
    clients::{self, Client, ClientKind},
    hash, new_secret, pkce, redirect, resource, OAuthSettings, Scopes,
};
use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    entity::{oauth_codes, oauth_consents, oauth_grants},
    users::User,
};

/// The query of `/authorize`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizationQuery {
    /// Must be `code`.
    pub response_type: Option<String>,
    /// The client.
    pub client_id: Option<String>,
    /// Where to send the answer (optional only when the client registered exactly one).
    pub redirect_uri: Option<String>,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// Must be `S256`.
    pub code_challenge_method: Option<String>,
    /// Echoed back.
    pub state: Option<String>,
    /// Space-separated.
    pub scope: Option<String>,
    /// RFC 8707.
    pub resource: Option<String>,
}

/// A request that passed every check, kept server-side while the user signs in and consents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAuthorization {
    /// The client.
    pub client_id: String,
    /// The validated redirect URI (as the client sent it).
    pub redirect_uri: String,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// Echoed back.
    pub state: Option<String>,
    /// Granted scopes (space-separated).
    pub scopes: String,
    /// The canonical resource.
    pub resource: String,
}

/// Why an authorization request fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Shown as an error page on the gateway (no redirect): unknown client, bad redirect URI.
    Page(String),
    /// Sent to the validated redirect URI.
    Redirect {
        /// The error response URL (with `error`, `error_description`, `state`, `iss`).
        location: String,
    },
}

/// The authorization response (or error) URL for `redirect_uri`, with `iss` (RFC 9207).
pub fn response_url(
    settings: &OAuthSettings,
    redirect_uri: &str,
    params: &[(&str, &str)],
    state: Option<&str>,
) -> String {
    match Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in params {
                    query.append_pair(k, v);
                }
                if let Some(state) = state {
                    query.append_pair("state", state);
                }
                query.append_pair("iss", &settings.issuer);
            }
            url.to_string()
        }
        Err(_) => redirect_uri.to_owned(),
    }
}

/// Whether errors may be redirected to `client`'s validated redirect URI before the user has
/// approved this request: pre-registered clients, and clients `user` approved before.
pub async fn trusts_redirects(
    db: &DatabaseConnection,
    client: &Client,
    user: Option<Uuid>,
) -> Result<bool, DbErr> {
    if client.kind == ClientKind::PreRegistered {
        return Ok(true);
    }
    let Some(user_id) = user else {
        return Ok(false);
    };
    Ok(
        oauth_consents::Entity::find_by_id((user_id, client.id.clone()))
            .one(db)
            .await?
            .is_some(),
    )
}

/// Validates `/authorize`'s query for the signed-in `user`, if any (it decides whether errors
/// after the redirect URI may be redirected, see [`trusts_redirects`]).
pub async fn validate(
    db: &DatabaseConnection,
    settings: &OAuthSettings,
    outbound: &crate::outbound::Outbound,
    query: &AuthorizationQuery,
    user: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<(Client, PendingAuthorization), AuthorizeError> {
    let client_id = query
        .client_id
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            AuthorizeError::Page("The request names no client (client_id is missing).".into())
        })?;
    let client = clients::find_or_fetch(db, settings, outbound, client_id, now)
        .await
        .map_err(|e| match e {
            clients::LookupError::Document(problem) => AuthorizeError::Page(format!(
                "The application's metadata document cannot be used: {problem}."
            )),
            clients::LookupError::Db(e) => {
                tracing::error!(error = %e, "client lookup failed");
                AuthorizeError::Page("The authorization server failed; try again.".into())
            }
        })?
        .filter(|c| c.kind != ClientKind::Service)
        .ok_or_else(|| {
            AuthorizeError::Page(
                "This application is not registered with the gateway (unknown client_id). Add the gateway again in the application."
                    .into(),
            )
        })?;
    let redirect_uri = match query.redirect_uri.as_deref() {
        Some(uri) if redirect::matches(&client.redirect_uris, uri) => uri.to_owned(),
        Some(_) => {
            return Err(AuthorizeError::Page(
                "The redirect URI is not one this application registered, so the gateway will not send you there."
                    .into(),
            ))
        }
        None if client.redirect_uris.len() == 1 && !client.redirect_uris[0].starts_with("http://") => {
            client.redirect_uris[0].clone()
        }
        None => {
            return Err(AuthorizeError::Page(
                "The request has no redirect_uri and the application registered several (or a loopback one)."
                    .into(),
            ))
        }
    };
    let state = query.state.clone();
    let (challenge, resource) = match check_request(settings, query) {
        Ok(checked) => checked,
        Err((error, description)) => {
            let trusted = trusts_redirects(db, &client, user).await.map_err(|e| {
                tracing::error!(error = %e, "consent lookup failed");
                AuthorizeError::Page("The authorization server failed; try again.".into())
            })?;
            return Err(if trusted {
                AuthorizeError::Redirect {
                    location: response_url(
                        settings,
                        &redirect_uri,
                        &[("error", error), ("error_description", description)],
                        state.as_deref(),
                    ),
                }
            } else {
                AuthorizeError::Page(format!(
                    "The application sent a request the gateway cannot accept ({error}: {description}). Nothing was shared with it."
                ))
            });
        }
    };
    Ok((
        client.clone(),
        PendingAuthorization {
            client_id: client.id,
            redirect_uri,
            code_challenge: challenge,
            state,
            scopes: Scopes::from_request(query.scope.as_deref()).to_string_value(),
            resource,
        },
    ))
}

/// The checks after the redirect URI: response type, PKCE, resource. The PKCE challenge and the
/// canonical resource, or the RFC 6749 §4.1.2.1 error code and description.
fn check_request(
    settings: &OAuthSettings,
    query: &AuthorizationQuery,
) -> Result<(String, String), (&'static str, &'static str)> {
    match query.response_type.as_deref() {
        Some("code") => {}
        Some(_) => {
            return Err((
                "unsupported_response_type",
                "only response_type=code is supported",
            ))
        }
        None => return Err(("invalid_request", "response_type is required")),
    }
    let challenge = query.code_challenge.as_deref().unwrap_or_default();
    if challenge.is_empty() {
        return Err((
            "invalid_request",
            "PKCE is required: send code_challenge with code_challenge_method=S256",
        ));
    }
    if query.code_challenge_method.as_deref() != Some("S256") {
        return Err(("invalid_request", "code_challenge_method must be S256"));
    }
    if !pkce::is_valid_s256_challenge(challenge) {
        return Err(("invalid_request", "code_challenge is not an S256 challenge"));
    }
    let resource = match query.resource.as_deref() {
        None => settings.resource.clone(),
        Some(r) => match resource::canonical_resource(r, &settings.resource) {
            Some(canonical) => canonical,
            None => {
                return Err((
                    "invalid_target",
                    "resource must be one of this gateway's MCP endpoints",
                ))
            }
        },
    };
    Ok((challenge.to_owned(), resource))
}

/// Whether `user` already approved `client_id` for at least `scopes`.
pub async fn has_consent(
    db: &DatabaseConnection,
    user_id: Uuid,
    client_id: &str,
    scopes: &Scopes,
) -> Result<bool, DbErr> {
    Ok(
        oauth_consents::Entity::find_by_id((user_id, client_id.to_owned()))
            .one(db)
            .await?
            .is_some_and(|c| Scopes::parse_stored(&c.scopes).covers(scopes)),
    )
}

/// The user approved: remembers the consent, creates the grant and its code; returns the
/// redirect with `code`, `state` and `iss`.
pub async fn approve(
    db: &DatabaseConnection,
    settings: &OAuthSettings,
    user: &User,
    pending: &PendingAuthorization,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<String, DbErr> {
    let code = new_secret("gwac_");
    let grant_id = Uuid::now_v7();
    let scopes = Scopes::parse_stored(&pending.scopes);
    let existing = oauth_consents::Entity::find_by_id((user.id, pending.client_id.clone()))
        .one(db)
        .await?;
    // The transaction starts with a write (SQLite cannot upgrade a read transaction).
    let txn = db.begin().await?;
    oauth_grants::ActiveModel {
        id: Set(grant_id),
        client_id: Set(pending.client_id.clone()),
        user_id: Set(Some(user.id)),
        organization_id: Set(None),
        scopes: Set(pending.scopes.clone()),
        resource: Set(pending.resource.clone()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    match existing {
        Some(consent) => {
            let merged = Scopes::parse_stored(&consent.scopes).union(&scopes);
            oauth_consents::Entity::update_many()
                .col_expr(
                    oauth_consents::Column::Scopes,
                    Expr::value(merged.to_string_value()),
                )
                .col_expr(oauth_consents::Column::LastUsedAt, Expr::value(Some(now)))
                .col_expr(oauth_consents::Column::UpdatedAt, Expr::value(now))
                .filter(oauth_consents::Column::UserId.eq(user.id))
                .filter(oauth_consents::Column::ClientId.eq(pending.client_id.clone()))
                .exec(&txn)
                .await?;
        }
        None => {
            oauth_consents::ActiveModel {
                user_id: Set(user.id),
                client_id: Set(pending.client_id.clone()),
                scopes: Set(pending.scopes.clone()),
                last_used_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
            audit::record(
                &txn,
                AuditEvent {
                    actor: Actor::user(user),
                    action: "oauth.consent_grant",
                    target: format!("client:{}", pending.client_id),
                    outcome: Outcome::Success,
                    detail: Some(format!("scopes: {}", pending.scopes)),
                },
                context,
                now,
            )
            .await?;
        }
    }
    oauth_codes::ActiveModel {
        code_hash: Set(hash(&code)),
        grant_id: Set(grant_id),
        redirect_uri: Set(pending.redirect_uri.clone()),
        code_challenge: Set(pending.code_challenge.clone()),
        expires_at: Set(now + settings.code_lifetime),
        used_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(response_url(
        settings,
        &pending.redirect_uri,
        &[("code", &code)],
        pending.state.as_deref(),
    ))
}

/// The user refused: `access_denied` to the validated redirect URI.
pub fn deny(settings: &OAuthSettings, pending: &PendingAuthorization) -> String {
    response_url(
        settings,
        &pending.redirect_uri,
        &[
            ("error", "access_denied"),
            ("error_description", "the user denied the request"),
        ],
        pending.state.as_deref(),
    )
}

/// The session key under which the browser's pending authorizations are kept.
pub const PENDING_SESSION_KEY: &str = "oauth_pending";

/// How long a pending authorization waits for the user (sign-in and consent included).
pub const PENDING_LIFETIME: time::Duration = time::Duration::minutes(10);
/// Pending authorizations kept per browser session.
const MAX_PENDING: usize = 5;

/// One authorization waiting for the user's sign-in and consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAuthorization {
    /// Names it in `/oauth/consent?request=…`.
    pub id: String,
    /// The consent form's CSRF token (bound to this session and this request).
    pub csrf: String,
    /// The validated request.
    pub request: PendingAuthorization,
    /// When `/authorize` was called.
    pub created_at: OffsetDateTime,
}

/// The pending authorizations of one browser session (kept server-side in the session store).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAuthorizations(Vec<StoredAuthorization>);

impl PendingAuthorizations {
    /// Adds `request` and returns its id; the oldest are dropped beyond five, expired ones always.
    pub fn add(&mut self, request: PendingAuthorization, now: OffsetDateTime) -> String {
        self.0.retain(|p| now - p.created_at < PENDING_LIFETIME);
        if self.0.len() >= MAX_PENDING {
            self.0.remove(0);
        }
        let id = new_secret("");
        self.0.push(StoredAuthorization {
            id: id.clone(),
            csrf: new_secret(""),
            request,
            created_at: now,
        });
        id
    }

    /// The live request `id`, to show the consent page.
    pub fn get(&self, id: &str, now: OffsetDateTime) -> Option<&StoredAuthorization> {
        self.0
            .iter()
            .find(|p| p.id == id && now - p.created_at < PENDING_LIFETIME)
    }

    /// Removes and returns request `id` if `csrf` is its token (constant-time); single use.
    pub fn take(
        &mut self,
        id: &str,
        csrf: &str,
        now: OffsetDateTime,
    ) -> Option<PendingAuthorization> {
        use subtle::ConstantTimeEq;
        let index = self.0.iter().position(|p| {
            p.id == id
                && now - p.created_at < PENDING_LIFETIME
                && bool::from(p.csrf.as_bytes().ct_eq(csrf.as_bytes()))
        })?;
        Some(self.0.remove(index).request)
    }
}
