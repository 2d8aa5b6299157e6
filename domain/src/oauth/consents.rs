//! The applications a user approved (Settings → Authorized apps), and revoking one: the consent
//! goes, and every grant of that (user, client) is revoked, so its tokens stop at once.

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    clients,
    grants::{revoke_grants_of, RevokeReason},
    redirect, OAuthSettings,
};
use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    entity::{oauth_consents, oauth_grants},
    users::User,
};

/// An approved application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedApp {
    /// Its client id.
    pub client_id: String,
    /// Its name.
    pub name: String,
    /// Whether the operator registered it.
    pub verified: bool,
    /// Hosts of its redirect URIs.
    pub redirect_hosts: Vec<String>,
    /// When the user first approved it.
    pub approved_at: OffsetDateTime,
    /// Last approval or token refresh.
    pub last_used_at: Option<OffsetDateTime>,
    /// Approved scopes.
    pub scopes: String,
}

/// The user's approved applications, most recently used first.
pub async fn list(
    db: &DatabaseConnection,
    settings: &OAuthSettings,
    user_id: Uuid,
) -> Result<Vec<AuthorizedApp>, DbErr> {
    let consents = oauth_consents::Entity::find()
        .filter(oauth_consents::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let grants = oauth_grants::Entity::find()
        .filter(oauth_grants::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let mut apps = Vec::with_capacity(consents.len());
    for consent in consents {
        let client = clients::find(db, settings, &consent.client_id).await?;
        let last_grant_use = grants
            .iter()
            .filter(|g| g.client_id == consent.client_id)
            .filter_map(|g| g.last_used_at.or(Some(g.created_at)))
            .max();
        apps.push(AuthorizedApp {
            name: client
                .as_ref()
                .map_or_else(|| "Unregistered application".to_owned(), |c| c.name.clone()),
            verified: client.as_ref().is_some_and(clients::Client::is_verified),
            redirect_hosts: client
                .map(|c| {
                    let mut hosts: Vec<String> = c
                        .redirect_uris
                        .iter()
                        .map(|u| redirect::display_host(u))
                        .collect();
                    hosts.dedup();
                    hosts
                })
                .unwrap_or_default(),
            approved_at: consent.created_at,
            last_used_at: last_grant_use.max(consent.last_used_at),
            scopes: consent.scopes,
            client_id: consent.client_id,
        });
    }
    apps.sort_by_key(|a| std::cmp::Reverse(a.last_used_at));
    Ok(apps)
}

/// Revokes the user's approval of `client_id` and every grant of theirs to it. False when there
/// was nothing to revoke. The grants are revoked by one `UPDATE` inside the transaction that
/// deletes the consent (not read before it): a grant created between a read and the delete
/// would otherwise survive the revocation.
pub async fn revoke(
    db: &DatabaseConnection,
    user: &User,
    client_id: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let deleted = oauth_consents::Entity::delete_many()
        .filter(oauth_consents::Column::UserId.eq(user.id))
        .filter(oauth_consents::Column::ClientId.eq(client_id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    let revoked =
        revoke_grants_of(&txn, user.id, client_id, RevokeReason::ConsentRevoked, now).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::user(user),
            action: "oauth.consent_revoke",
            target: format!("client:{client_id}"),
            outcome: Outcome::Success,
            detail: Some(format!("{revoked} grant(s) revoked")),
        },
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    super::token_cache::announce_revocation(db).await;
    Ok(true)
}
