//! Operators: the platform administrators of this gateway (onboard and offboard tenants, later
//! invite codes and plans). An operator is a user named in the configuration (`operators`) or
//! granted with `mcp-gateway admin grant`; both are checked on every request, so a revocation
//! takes effect at once.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    entity::{operator_grants, user_identities, users},
    users::{Identity, User, UserRef},
};

/// Failures of operator management.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// No user matches the reference (they must have signed in once).
    #[error("no user matches `{0}`; the person must sign in to the portal once first (`mcp-gateway admin users` lists users)")]
    NoSuchUser(String),
}

/// Where operators come from.
#[derive(Debug, Clone, Copy)]
pub struct OperatorSources<'a> {
    /// Operators named in the configuration.
    pub configured: &'a [UserRef],
    /// The configured Auth0 issuer (to resolve `auth0:<sub>` entries).
    pub auth0_issuer: Option<&'a str>,
}

/// A user's identities.
async fn identities(db: &DatabaseConnection, user_id: Uuid) -> Result<Vec<Identity>, DbErr> {
    Ok(user_identities::Entity::find()
        .filter(user_identities::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|i| {
            Some(Identity {
                provider: crate::users::Provider::parse(&i.provider)?,
                issuer: i.issuer,
                subject: i.subject,
            })
        })
        .collect())
}

/// Whether `user_id` is an operator.
pub async fn is_operator(
    db: &DatabaseConnection,
    sources: OperatorSources<'_>,
    user_id: Uuid,
) -> Result<bool, DbErr> {
    if operator_grants::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(true);
    }
    if sources.configured.is_empty() {
        return Ok(false);
    }
    let own = identities(db, user_id).await?;
    Ok(sources.configured.iter().any(|r| match r {
        UserRef::Id(id) => *id == user_id,
        other => other
            .identity(sources.auth0_issuer)
            .is_some_and(|identity| own.contains(&identity)),
    }))
}

/// The user a reference names, if they exist.
pub async fn find_user(
    db: &DatabaseConnection,
    user_ref: &UserRef,
    auth0_issuer: Option<&str>,
) -> Result<Option<User>, DbErr> {
    let user_id = match user_ref {
        UserRef::Id(id) => Some(*id),
        other => match other.identity(auth0_issuer) {
            Some(identity) => user_identities::Entity::find()
                .filter(user_identities::Column::Provider.eq(identity.provider.as_str()))
                .filter(user_identities::Column::Issuer.eq(&identity.issuer))
                .filter(user_identities::Column::Subject.eq(&identity.subject))
                .one(db)
                .await?
                .map(|i| i.user_id),
            None => None,
        },
    };
    match user_id {
        Some(id) => Ok(users::Entity::find_by_id(id).one(db).await?.map(User::from)),
        None => Ok(None),
    }
}

/// Grants operator rights (idempotent). Returns the user.
pub async fn grant(
    db: &DatabaseConnection,
    user_ref: &UserRef,
    auth0_issuer: Option<&str>,
    actor: Actor,
    now: OffsetDateTime,
) -> Result<User, OperatorError> {
    let user = find_user(db, user_ref, auth0_issuer)
        .await?
        .ok_or_else(|| OperatorError::NoSuchUser(user_ref.to_string()))?;
    if operator_grants::Entity::find_by_id(user.id)
        .one(db)
        .await?
        .is_none()
    {
        let txn = db.begin().await?;
        operator_grants::ActiveModel {
            user_id: Set(user.id),
            granted_by: Set(actor.label()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        record_change(&txn, actor, "operator.grant", &user, now).await?;
        txn.commit().await?;
    }
    Ok(user)
}

/// Revokes a grant. Returns the user and whether a grant existed.
pub async fn revoke(
    db: &DatabaseConnection,
    user_ref: &UserRef,
    auth0_issuer: Option<&str>,
    actor: Actor,
    now: OffsetDateTime,
) -> Result<(User, bool), OperatorError> {
    let user = find_user(db, user_ref, auth0_issuer)
        .await?
        .ok_or_else(|| OperatorError::NoSuchUser(user_ref.to_string()))?;
    let txn = db.begin().await?;
    let deleted = operator_grants::Entity::delete_by_id(user.id)
        .exec(&txn)
        .await?
        .rows_affected
        > 0;
    if deleted {
        record_change(&txn, actor, "operator.revoke", &user, now).await?;
    }
    txn.commit().await?;
    Ok((user, deleted))
}

async fn record_change(
    txn: &DatabaseTransaction,
    actor: Actor,
    action: &'static str,
    user: &User,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    audit::record(
        txn,
        AuditEvent {
            actor,
            action,
            target: format!("user:{}", user.id),
            outcome: Outcome::Success,
            detail: None,
        },
        &RequestContext::default(),
        now,
    )
    .await
}

/// A user with the identities they sign in with (for `mcp-gateway admin users`).
#[derive(Debug, Clone)]
pub struct UserListing {
    /// The user.
    pub user: User,
    /// Their identities as user references (`entra:…`, `auth0:…`, `dev:…`).
    pub identities: Vec<String>,
    /// Whether they hold a granted operator right (configured operators are not shown here).
    pub granted_operator: bool,
}

/// Every user, oldest first, with identities and grants.
pub async fn list_users(db: &DatabaseConnection) -> Result<Vec<UserListing>, DbErr> {
    use sea_orm::QueryOrder;
    let all = users::Entity::find()
        .order_by_asc(users::Column::CreatedAt)
        .all(db)
        .await?;
    let identities = user_identities::Entity::find().all(db).await?;
    let grants = operator_grants::Entity::find().all(db).await?;
    Ok(all
        .into_iter()
        .map(|u| {
            let ids = identities
                .iter()
                .filter(|i| i.user_id == u.id)
                .map(|i| match i.provider.as_str() {
                    "entra" => format!("entra:{}:{}", i.issuer, i.subject),
                    "auth0" => format!("auth0:{}", i.subject),
                    "dev" => format!("dev:{}", i.subject),
                    other => format!("{other}:{}:{}", i.issuer, i.subject),
                })
                .collect();
            UserListing {
                granted_operator: grants.iter().any(|g| g.user_id == u.id),
                identities: ids,
                user: User::from(u),
            }
        })
        .collect())
}
