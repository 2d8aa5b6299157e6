//! The token endpoint's grants (authorization code, refresh token with rotation, client
//! credentials), revocation (RFC 7009), and the resource server's access-token check.
//! security.md AS-5, AS-6, AS-7, AS-12.

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    clients::{Client, GrantType},
    hash, new_secret, pkce, resource, seal, OAuthError, OAuthSettings, Scopes,
};
use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    crypto::MasterKey,
    entity::{oauth_codes, oauth_consents, oauth_grants, oauth_tokens, users},
};

const ACCESS: &str = "access";
const REFRESH: &str = "refresh";

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds.
    pub expires_in: i64,
    /// The refresh token (not for client credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Granted scopes.
    pub scope: String,
}

/// Why a grant was revoked (audit detail and `revoked_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    /// The client or user revoked it (RFC 7009).
    Revoked,
    /// An authorization code was redeemed twice.
    CodeReuse,
    /// A rotated refresh token was used again after the grace window.
    RefreshReuse,
    /// The user revoked the application in the portal.
    ConsentRevoked,
}

impl RevokeReason {
    fn as_str(self) -> &'static str {
        match self {
            Self::Revoked => "revoked",
            Self::CodeReuse => "code_reuse",
            Self::RefreshReuse => "refresh_reuse",
            Self::ConsentRevoked => "consent_revoked",
        }
    }
}

/// The update that marks live grants revoked for `reason` at `now`; callers add which grants.
fn revoke_live(
    reason: RevokeReason,
    now: OffsetDateTime,
) -> sea_orm::UpdateMany<oauth_grants::Entity> {
    oauth_grants::Entity::update_many()
        .col_expr(oauth_grants::Column::RevokedAt, Expr::value(Some(now)))
        .col_expr(
            oauth_grants::Column::RevokedReason,
            Expr::value(Some(reason.as_str())),
        )
        .col_expr(oauth_grants::Column::UpdatedAt, Expr::value(now))
        .filter(oauth_grants::Column::RevokedAt.is_null())
}

/// Revokes a grant: its codes and tokens stop working at once.
pub async fn revoke_grant<C: ConnectionTrait>(
    db: &C,
    grant_id: Uuid,
    reason: RevokeReason,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let updated = revoke_live(reason, now)
        .filter(oauth_grants::Column::Id.eq(grant_id))
        .exec(db)
        .await?;
    super::token_cache::announce_revocation(db).await;
    Ok(updated.rows_affected == 1)
}

/// Revokes every live grant of `user_id` to `client_id` in one statement; returns how many.
pub async fn revoke_grants_of<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    client_id: &str,
    reason: RevokeReason,
    now: OffsetDateTime,
) -> Result<u64, DbErr> {
    let updated = revoke_live(reason, now)
        .filter(oauth_grants::Column::UserId.eq(user_id))
        .filter(oauth_grants::Column::ClientId.eq(client_id))
        .exec(db)
        .await?;
    super::token_cache::announce_revocation(db).await;
    Ok(updated.rows_affected)
}

/// Who a grant acts for, for the audit log: its user, or its (service) client.
async fn grant_actor(db: &DatabaseConnection, grant: &oauth_grants::Model) -> Result<Actor, DbErr> {
    Ok(match grant.user_id {
        Some(id) => match users::Entity::find_by_id(id).one(db).await? {
            Some(user) => Actor::User {
                id,
                label: user.display_name,
            },
            None => Actor::Anonymous,
        },
        None => Actor::Identity(format!("client {}", grant.client_id)),
    })
}

async fn audit_security_event(
    db: &DatabaseConnection,
    grant: &oauth_grants::Model,
    action: &'static str,
    detail: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let actor = grant_actor(db, grant).await?;
    audit::record(
        db,
        AuditEvent {
            actor,
            action,
            target: format!("client:{} grant:{}", grant.client_id, grant.id),
            outcome: Outcome::Failure,
            detail: Some(detail.to_owned()),
        },
        context,
        now,
    )
    .await
}

/// Issues an access token (and a refresh token unless `with_refresh` is false) for `grant`
/// inside `txn`. `narrowed` scopes, when given, go to the access token only (RFC 6749 §6: the
/// refresh token keeps the authorization's scopes).
async fn issue<C: ConnectionTrait>(
    txn: &C,
    settings: &OAuthSettings,
    grant: &oauth_grants::Model,
    narrowed: Option<&Scopes>,
    with_refresh: bool,
    now: OffsetDateTime,
) -> Result<TokenResponse, DbErr> {
    let access = new_secret("gwat_");
    let insert = |token: &str, kind: &str, expires_at: OffsetDateTime| oauth_tokens::ActiveModel {
        token_hash: Set(hash(token)),
        grant_id: Set(grant.id),
        kind: Set(kind.to_owned()),
        expires_at: Set(expires_at),
        rotated_at: Set(None),
        successor_sealed: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        scopes: Set(None),
    };
    let mut access_row = insert(&access, ACCESS, now + settings.access_token_lifetime);
    access_row.scopes = Set(narrowed.map(Scopes::to_string_value));
    access_row.insert(txn).await?;
    let refresh = if with_refresh {
        let refresh = new_secret("gwrt_");
        let absolute = grant.created_at + settings.refresh_absolute_lifetime;
        let idle = now + settings.refresh_idle_lifetime;
        insert(&refresh, REFRESH, idle.min(absolute))
            .insert(txn)
            .await?;
        Some(refresh)
    } else {
        None
    };
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: settings.access_token_lifetime.whole_seconds(),
        refresh_token: refresh,
        scope: narrowed.map_or_else(|| grant.scopes.clone(), Scopes::to_string_value),
    })
}

/// Why a grant no longer authorizes anything, if it does not: the one liveness rule shared by
/// the access-token check and the refresh grant, so a refresh fails exactly when the access
/// tokens would (security.md AS-6, WEB-3): the grant revoked (token revocation, code or refresh
/// reuse, consent revoked), its user deleted, the user's sessions ended at or after the grant
/// ("sign out everywhere", tenant offboarding), or the user's consent to the client gone.
async fn grant_problem<C: ConnectionTrait>(
    db: &C,
    grant: &oauth_grants::Model,
) -> Result<Option<InvalidToken>, DbErr> {
    if grant.revoked_at.is_some() {
        return Ok(Some(InvalidToken::Revoked));
    }
    let Some(user_id) = grant.user_id else {
        return Ok(None);
    };
    let Some(user) = users::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(Some(InvalidToken::Revoked));
    };
    if user
        .sessions_not_before
        .is_some_and(|cut| grant.created_at <= cut)
    {
        return Ok(Some(InvalidToken::Revoked));
    }
    let consent = oauth_consents::Entity::find_by_id((user_id, grant.client_id.clone()))
        .one(db)
        .await?;
    Ok(consent.is_none().then_some(InvalidToken::Revoked))
}

fn unauthorized_client(grant: GrantType) -> OAuthError {
    OAuthError::new(
        "unauthorized_client",
        format!("this client did not register the {} grant", grant.as_str()),
    )
}

/// The parameters of an `authorization_code` token request.
#[derive(Debug, Clone, Default)]
pub struct CodeExchange {
    /// The code.
    pub code: String,
    /// Must equal the authorization request's, when sent.
    pub redirect_uri: Option<String>,
    /// PKCE.
    pub code_verifier: Option<String>,
    /// Must name our resource, when sent.
    pub resource: Option<String>,
}

/// `grant_type=authorization_code`: single use, atomic across replicas; a second redemption
/// revokes the grant (every token issued from the code).
pub async fn exchange_code(
    db: &DatabaseConnection,
    settings: &OAuthSettings,
    client: &Client,
    request: CodeExchange,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<TokenResponse, OAuthError> {
    if !client.allows(GrantType::AuthorizationCode) {
        return Err(unauthorized_client(GrantType::AuthorizationCode));
    }
    let code_hash = hash(&request.code);
    let txn = db.begin().await?;
    // Redemption first, conditionally: of concurrent redemptions exactly one updates the row.
    let redeemed = oauth_codes::Entity::update_many()
        .col_expr(oauth_codes::Column::UsedAt, Expr::value(Some(now)))
        .col_expr(oauth_codes::Column::UpdatedAt, Expr::value(now))
        .filter(oauth_codes::Column::CodeHash.eq(&code_hash))
        .filter(oauth_codes::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    let code = oauth_codes::Entity::find_by_id(&code_hash)
        .one(&txn)
        .await?;
    let Some(code) = code else {
        txn.rollback().await?;
        return Err(OAuthError::invalid_grant("unknown authorization code"));
    };
    let grant = oauth_grants::Entity::find_by_id(code.grant_id)
        .one(&txn)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant("unknown authorization code"))?;
    if redeemed.rows_affected != 1 {
        // Used before: a replay. Everything issued from it is revoked (OAuth 2.1 §4.1.3).
        let revoked = revoke_grant(&txn, grant.id, RevokeReason::CodeReuse, now).await?;
        txn.commit().await?;
        if revoked {
            audit_security_event(
                db,
                &grant,
                "oauth.code_reuse",
                "an authorization code was used twice; its grant is revoked",
                context,
                now,
            )
            .await?;
        }
        return Err(OAuthError::invalid_grant("authorization code already used"));
    }
    let refuse = |description: &str| OAuthError::invalid_grant(description);
    let problem = if code.expires_at <= now {
        Some(refuse("authorization code expired"))
    } else if grant.revoked_at.is_some() {
        Some(refuse("authorization revoked"))
    } else if grant.client_id != client.id {
        Some(refuse("authorization code was issued to another client"))
    } else if request
        .redirect_uri
        .as_deref()
        .is_some_and(|r| r != code.redirect_uri)
    {
        Some(refuse(
            "redirect_uri does not match the authorization request",
        ))
    } else if request
        .resource
        .as_deref()
        .is_some_and(|r| !resource::is_our_resource(r, &grant.resource))
    {
        Some(OAuthError::new(
            "invalid_target",
            "resource does not match the authorization request",
        ))
    } else {
        match request.code_verifier.as_deref() {
            None => Some(refuse("code_verifier is required (PKCE)")),
            Some(v) if !pkce::verify(v, &code.code_challenge) => {
                Some(refuse("code_verifier does not match the code_challenge"))
            }
            Some(_) => None,
        }
    };
    if let Some(problem) = problem {
        // The code stays used: a failed redemption consumed it.
        txn.commit().await?;
        return Err(problem);
    }
    // RFC 7591 §2: a client that did not register `refresh_token` gets no refresh token.
    let with_refresh = client.allows(GrantType::RefreshToken);
    let response = issue(&txn, settings, &grant, None, with_refresh, now).await?;
    txn.commit().await?;
    Ok(response)
}

/// The parameters of a `refresh_token` request.
#[derive(Debug, Clone, Default)]
pub struct RefreshRequest {
    /// The refresh token.
    pub refresh_token: String,
    /// May narrow, never widen.
    pub scope: Option<String>,
    /// Must name our resource, when sent.
    pub resource: Option<String>,
}

/// `grant_type=refresh_token`: rotation on every use. The immediately previous token used again
/// within the grace window gets the same successor back (a client that lost the response is not
/// logged out); any other reuse revokes the whole family. Refused whenever the grant's access
/// tokens would be (see `grant_problem`); a `scope` asking for fewer scopes gets an access token
/// with fewer.
pub async fn refresh(
    db: &DatabaseConnection,
    settings: &OAuthSettings,
    master_key: &MasterKey,
    client: &Client,
    request: RefreshRequest,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<TokenResponse, OAuthError> {
    if !client.allows(GrantType::RefreshToken) {
        return Err(unauthorized_client(GrantType::RefreshToken));
    }
    let token_hash = hash(&request.refresh_token);
    let txn = db.begin().await?;
    let rotated = oauth_tokens::Entity::update_many()
        .col_expr(oauth_tokens::Column::RotatedAt, Expr::value(Some(now)))
        .col_expr(oauth_tokens::Column::UpdatedAt, Expr::value(now))
        .filter(oauth_tokens::Column::TokenHash.eq(&token_hash))
        .filter(oauth_tokens::Column::Kind.eq(REFRESH))
        .filter(oauth_tokens::Column::RotatedAt.is_null())
        .filter(oauth_tokens::Column::RevokedAt.is_null())
        .filter(oauth_tokens::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    let token = oauth_tokens::Entity::find_by_id(&token_hash)
        .filter(oauth_tokens::Column::Kind.eq(REFRESH))
        .one(&txn)
        .await?;
    let Some(token) = token else {
        txn.rollback().await?;
        return Err(OAuthError::invalid_grant("unknown refresh token"));
    };
    let grant = oauth_grants::Entity::find_by_id(token.grant_id)
        .one(&txn)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant("unknown refresh token"))?;
    if grant.client_id != client.id {
        txn.rollback().await?;
        return Err(OAuthError::invalid_grant(
            "refresh token was issued to another client",
        ));
    }
    if token.revoked_at.is_some() || grant_problem(&txn, &grant).await?.is_some() {
        txn.rollback().await?;
        return Err(OAuthError::invalid_grant("authorization revoked"));
    }
    if rotated.rows_affected != 1 {
        if token.expires_at <= now && token.rotated_at.is_none() {
            txn.rollback().await?;
            return Err(OAuthError::invalid_grant("refresh token expired"));
        }
        // Used before. Within the grace window the same successor is returned, once it exists
        // and is still the family's newest token; otherwise this is reuse.
        let in_grace = token.rotated_at.is_some_and(|at| {
            now - at <= settings.refresh_grace && settings.refresh_grace.is_positive()
        });
        if in_grace {
            if let Some(response) =
                successor(&txn, master_key, &request.refresh_token, &token).await?
            {
                txn.rollback().await?;
                return Ok(response);
            }
        }
        revoke_grant(&txn, grant.id, RevokeReason::RefreshReuse, now).await?;
        txn.commit().await?;
        audit_security_event(
            db,
            &grant,
            "oauth.refresh_reuse",
            "a rotated refresh token was used again; the whole token family is revoked",
            context,
            now,
        )
        .await?;
        return Err(OAuthError::invalid_grant("refresh token already used"));
    }
    if let Some(resource) = request.resource.as_deref() {
        if !resource::is_our_resource(resource, &grant.resource) {
            txn.rollback().await?;
            return Err(OAuthError::new(
                "invalid_target",
                "resource does not match the authorization",
            ));
        }
    }
    let granted = Scopes::parse_stored(&grant.scopes);
    let narrowed = match request.scope.as_deref() {
        Some(scope) => {
            let asked = Scopes::from_request(Some(scope));
            if !granted.covers(&asked) {
                txn.rollback().await?;
                return Err(OAuthError::new(
                    "invalid_scope",
                    "a refresh cannot add scopes to the authorization",
                ));
            }
            (asked != granted).then_some(asked)
        }
        None => None,
    };
    let response = issue(&txn, settings, &grant, narrowed.as_ref(), true, now).await?;
    // Sealed under a key that needs the presented token itself (never stored): the database and
    // the master key together do not open it (VAULT-6).
    let sealed = serde_json::to_vec(&response)
        .ok()
        .and_then(|plain| seal::seal(master_key, &request.refresh_token, &token_hash, &plain));
    oauth_tokens::Entity::update_many()
        .col_expr(oauth_tokens::Column::SuccessorSealed, Expr::value(sealed))
        .filter(oauth_tokens::Column::TokenHash.eq(&token_hash))
        .exec(&txn)
        .await?;
    oauth_grants::Entity::update_many()
        .col_expr(oauth_grants::Column::LastUsedAt, Expr::value(Some(now)))
        .filter(oauth_grants::Column::Id.eq(grant.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(response)
}

/// The sealed successor of `token` (whose plaintext, `presented`, the client just sent), if it is
/// still unused (its refresh token not rotated).
async fn successor<C: ConnectionTrait>(
    db: &C,
    master_key: &MasterKey,
    presented: &str,
    token: &oauth_tokens::Model,
) -> Result<Option<TokenResponse>, DbErr> {
    let Some(sealed) = token.successor_sealed.as_deref() else {
        return Ok(None);
    };
    let Some(response) = seal::open(master_key, presented, &token.token_hash, sealed)
        .and_then(|plain| serde_json::from_slice::<TokenResponse>(&plain).ok())
    else {
        return Ok(None);
    };
    let next = match response.refresh_token.as_deref() {
        Some(next) => oauth_tokens::Entity::find_by_id(hash(next)).one(db).await?,
        None => None,
    };
    Ok(next
        .filter(|n| n.rotated_at.is_none() && n.revoked_at.is_none())
        .map(|_| response))
}

/// `grant_type=client_credentials`: service clients only; an access token for the organisation.
pub async fn client_credentials(
    db: &DatabaseConnection,
    settings: &OAuthSettings,
    client: &Client,
    scope: Option<&str>,
    resource_param: Option<&str>,
    now: OffsetDateTime,
) -> Result<TokenResponse, OAuthError> {
    if !client.allows(GrantType::ClientCredentials) {
        return Err(unauthorized_client(GrantType::ClientCredentials));
    }
    let resource = match resource_param {
        None => settings.resource.clone(),
        Some(r) => resource::canonical_resource(r, &settings.resource).ok_or_else(|| {
            OAuthError::new(
                "invalid_target",
                "resource must be one of this gateway's MCP endpoints",
            )
        })?,
    };
    let txn = db.begin().await?;
    let grant = oauth_grants::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id.clone()),
        user_id: Set(None),
        organization_id: Set(client.organization_id),
        scopes: Set(Scopes::from_request(scope).to_string_value()),
        resource: Set(resource),
        last_used_at: Set(None),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let response = issue(&txn, settings, &grant, None, false, now).await?;
    txn.commit().await?;
    Ok(response)
}

/// RFC 7009: a refresh token revokes its grant (audited as `oauth.grant_revoke`), an access
/// token itself. Unknown tokens, or another client's, change nothing (and the endpoint answers
/// 200 either way: no oracle).
pub async fn revoke_token(
    db: &DatabaseConnection,
    client: &Client,
    token: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let Some(row) = oauth_tokens::Entity::find_by_id(hash(token))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let Some(grant) = oauth_grants::Entity::find_by_id(row.grant_id)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    if grant.client_id != client.id {
        return Ok(());
    }
    if row.kind == REFRESH {
        if revoke_grant(db, grant.id, RevokeReason::Revoked, now).await? {
            let actor = grant_actor(db, &grant).await?;
            audit::record(
                db,
                AuditEvent {
                    actor,
                    action: "oauth.grant_revoke",
                    target: format!("client:{} grant:{}", grant.client_id, grant.id),
                    outcome: Outcome::Success,
                    detail: Some("revoked by the client (RFC 7009)".into()),
                },
                context,
                now,
            )
            .await?;
        }
    } else {
        oauth_tokens::Entity::update_many()
            .col_expr(oauth_tokens::Column::RevokedAt, Expr::value(Some(now)))
            .filter(oauth_tokens::Column::TokenHash.eq(row.token_hash))
            .exec(db)
            .await?;
        super::token_cache::announce_revocation(db).await;
    }
    Ok(())
}

/// Who a valid access token acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGrant {
    /// The grant.
    pub grant_id: Uuid,
    /// The client.
    pub client_id: String,
    /// The user (none for a service client).
    pub user_id: Option<Uuid>,
    /// The organisation (service clients).
    pub organization_id: Option<Uuid>,
    /// Granted scopes.
    pub scopes: Scopes,
    /// The resource (MCP endpoint URL) the token was issued for: `/v1/mcp`, or one
    /// connection's `/v1/{slug}/mcp`.
    pub resource: String,
}

/// Why a bearer token is refused (all answer 401 `invalid_token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidToken {
    /// Not one of ours (or not an access token).
    #[error("unknown token")]
    Unknown,
    /// Past its lifetime.
    #[error("token expired")]
    Expired,
    /// The token, its grant, or the user's sessions were revoked.
    #[error("token revoked")]
    Revoked,
    /// Issued for another resource.
    #[error("token not issued for this resource")]
    WrongAudience,
}

/// Checks a bearer token for `/v1/mcp`: ours, an access token, unexpired, not revoked (token,
/// grant, user's "sign out everywhere" / offboarding), and issued for this resource.
pub async fn validate_access(
    db: &DatabaseConnection,
    settings: &OAuthSettings,
    token: &str,
    now: OffsetDateTime,
) -> Result<Result<AccessGrant, InvalidToken>, DbErr> {
    if !is_access_token_shaped(token) {
        return Ok(Err(InvalidToken::Unknown));
    }
    Ok(validate_access_hash(db, settings, &hash(token), now)
        .await?
        .map(|(grant, _)| grant))
}

/// Whether `token` looks like one of our access tokens (checked before any hashing or lookup).
pub(super) fn is_access_token_shaped(token: &str) -> bool {
    token.starts_with("gwat_") && token.len() <= 100
}

/// [`validate_access`] by the token's SHA-256 (hex), also returning the token's expiry (for the
/// in-memory cache, [`super::token_cache`]).
pub(super) async fn validate_access_hash(
    db: &DatabaseConnection,
    settings: &OAuthSettings,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<Result<(AccessGrant, OffsetDateTime), InvalidToken>, DbErr> {
    let Some(row) = oauth_tokens::Entity::find_by_id(token_hash)
        .filter(oauth_tokens::Column::Kind.eq(ACCESS))
        .one(db)
        .await?
    else {
        return Ok(Err(InvalidToken::Unknown));
    };
    if row.expires_at <= now {
        return Ok(Err(InvalidToken::Expired));
    }
    let Some(grant) = oauth_grants::Entity::find_by_id(row.grant_id)
        .one(db)
        .await?
    else {
        return Ok(Err(InvalidToken::Unknown));
    };
    if row.revoked_at.is_some() {
        return Ok(Err(InvalidToken::Revoked));
    }
    // One of our endpoints' canonical URLs (which one the request's path needs is the guard's).
    if resource::canonical_resource(&grant.resource, &settings.resource).as_deref()
        != Some(grant.resource.as_str())
    {
        return Ok(Err(InvalidToken::WrongAudience));
    }
    if let Some(problem) = grant_problem(db, &grant).await? {
        return Ok(Err(problem));
    }
    Ok(Ok((
        AccessGrant {
            grant_id: grant.id,
            client_id: grant.client_id,
            user_id: grant.user_id,
            organization_id: grant.organization_id,
            scopes: Scopes::parse_stored(row.scopes.as_deref().unwrap_or(&grant.scopes)),
            resource: grant.resource,
        },
        row.expires_at,
    )))
}
