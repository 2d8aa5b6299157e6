//! Service clients: an organisation's machine identities for the API and automation
//! (`client_credentials` only — they cannot sign a person in, so Claude's connectors cannot use
//! them). Pro; created, rotated and deleted by the organisation's owner and admins. The id is
//! `svc_…`; the secret (`gwcs_…`) is shown once and stored as SHA-256. Deleting one, or rotating
//! its secret, revokes every token it holds.

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use time::OffsetDateTime;

use super::{
    grants::{revoke_grant, RevokeReason},
    hash, new_secret,
};
use crate::{
    audit::{self, AuditEvent, Outcome, RequestContext},
    entity::{oauth_clients, oauth_grants},
    organizations::{self, OrgError, OrganizationName, Permission},
    users::User,
};

/// A service client as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceClient {
    /// `svc_…`.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last token issued.
    pub last_used_at: Option<OffsetDateTime>,
}

/// A new or rotated credential: the secret exists in clear only here.
#[derive(Debug, Clone)]
pub struct ServiceCredential {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: String,
}

/// The organisation's service clients, newest first (owner and admins).
pub async fn list(db: &DatabaseConnection, user: &User) -> Result<Vec<ServiceClient>, OrgError> {
    let membership =
        organizations::authorize(db, user.id, Permission::ManageServiceClients).await?;
    Ok(oauth_clients::Entity::find()
        .filter(oauth_clients::Column::Kind.eq("service"))
        .filter(oauth_clients::Column::OrganizationId.eq(membership.organization.id))
        .order_by_desc(oauth_clients::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|c| ServiceClient {
            id: c.id,
            name: c.name,
            created_at: c.created_at,
            last_used_at: c.last_used_at,
        })
        .collect())
}

/// Creates a service client for the caller's organisation.
pub async fn create(
    db: &DatabaseConnection,
    user: &User,
    name: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<ServiceCredential, OrgError> {
    let membership =
        organizations::authorize(db, user.id, Permission::ManageServiceClients).await?;
    let name = OrganizationName::parse(name).map_err(|e| OrgError::Invalid(e.to_string()))?;
    let credential = ServiceCredential {
        client_id: new_secret("svc_").chars().take(28).collect(),
        client_secret: new_secret("gwcs_"),
    };
    let txn = db.begin().await?;
    oauth_clients::ActiveModel {
        id: Set(credential.client_id.clone()),
        kind: Set("service".into()),
        name: Set(name.as_str().to_owned()),
        redirect_uris: Set("[]".into()),
        token_endpoint_auth_method: Set("client_secret_basic".into()),
        secret_hash: Set(Some(hash(&credential.client_secret))),
        organization_id: Set(Some(membership.organization.id)),
        created_by: Set(Some(user.id)),
        metadata_expires_at: Set(None),
        last_used_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        grant_types: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record_in(
        &txn,
        Some(membership.organization.id),
        AuditEvent {
            actor: audit::Actor::user(user),
            action: "service_client.create",
            target: format!("client:{}", credential.client_id),
            outcome: Outcome::Success,
            detail: Some(format!("“{}”", name.as_str())),
        },
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(credential)
}

async fn revoke_all<C: sea_orm::ConnectionTrait>(
    db: &C,
    client_id: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let grants = oauth_grants::Entity::find()
        .filter(oauth_grants::Column::ClientId.eq(client_id))
        .filter(oauth_grants::Column::RevokedAt.is_null())
        .all(db)
        .await?;
    for grant in grants {
        revoke_grant(db, grant.id, RevokeReason::Revoked, now).await?;
    }
    Ok(())
}

fn not_found() -> OrgError {
    OrgError::NotFound(
        "That service client does not exist in your organisation (it may have been deleted)."
            .into(),
    )
}

/// A new secret for one of the organisation's service clients; the old one and its tokens stop.
pub async fn rotate(
    db: &DatabaseConnection,
    user: &User,
    client_id: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<ServiceCredential, OrgError> {
    let membership =
        organizations::authorize(db, user.id, Permission::ManageServiceClients).await?;
    let secret = new_secret("gwcs_");
    let txn = db.begin().await?;
    let updated = oauth_clients::Entity::update_many()
        .col_expr(
            oauth_clients::Column::SecretHash,
            Expr::value(Some(hash(&secret))),
        )
        .col_expr(oauth_clients::Column::UpdatedAt, Expr::value(now))
        .filter(oauth_clients::Column::Id.eq(client_id))
        .filter(oauth_clients::Column::Kind.eq("service"))
        .filter(oauth_clients::Column::OrganizationId.eq(membership.organization.id))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        txn.rollback().await?;
        return Err(not_found());
    }
    revoke_all(&txn, client_id, now).await?;
    audit::record_in(
        &txn,
        Some(membership.organization.id),
        AuditEvent {
            actor: audit::Actor::user(user),
            action: "service_client.rotate",
            target: format!("client:{client_id}"),
            outcome: Outcome::Success,
            detail: None,
        },
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    super::token_cache::announce_revocation(db).await;
    Ok(ServiceCredential {
        client_id: client_id.to_owned(),
        client_secret: secret,
    })
}

/// Deletes one of the organisation's service clients; its tokens stop at once.
pub async fn delete(
    db: &DatabaseConnection,
    user: &User,
    client_id: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership =
        organizations::authorize(db, user.id, Permission::ManageServiceClients).await?;
    let txn = db.begin().await?;
    let deleted = oauth_clients::Entity::delete_many()
        .filter(oauth_clients::Column::Id.eq(client_id))
        .filter(oauth_clients::Column::Kind.eq("service"))
        .filter(oauth_clients::Column::OrganizationId.eq(membership.organization.id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected != 1 {
        txn.rollback().await?;
        return Err(not_found());
    }
    revoke_all(&txn, client_id, now).await?;
    audit::record_in(
        &txn,
        Some(membership.organization.id),
        AuditEvent {
            actor: audit::Actor::user(user),
            action: "service_client.delete",
            target: format!("client:{client_id}"),
            outcome: Outcome::Success,
            detail: None,
        },
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    super::token_cache::announce_revocation(db).await;
    Ok(())
}
