//! Users and the identities they sign in with.
//!
//! A user is found by an [`Identity`] — `(provider, issuer, subject)` — never by email (the nOAuth
//! takeover: an email claim is mutable and, for some IdPs, unverified). Name and email are copied
//! from the identity provider at each sign-in, for display only; whether the provider vouched for
//! the email (`email_verified`) is kept with it, and an unverified one is shown as such
//! (security.md OIDC-3). No function matches anything against an email.

mod profile;
mod user_ref;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
    SqlErr, TransactionTrait,
};
use time::OffsetDateTime;
use uuid::Uuid;

pub use profile::{DisplayName, Email, ProfileError};
pub use user_ref::UserRef;

use crate::entity::{user_identities, users};

/// How often at most `last_seen_at` is written for an active user (saves a write per request).
pub const LAST_SEEN_RESOLUTION: time::Duration = time::Duration::minutes(5);

/// Who signed in, as the identity provider names them. Immutable; the lookup key for a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `entra`, `auth0` or `dev`.
    pub provider: Provider,
    /// Entra: tenant id (`tid`); Auth0: issuer URL; dev: `dev`.
    pub issuer: String,
    /// Entra: object id (`oid`); Auth0: `sub`; dev: the lower-cased email.
    pub subject: String,
}

/// The sign-in methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// The development sign-in (loopback only unless explicitly allowed).
    Dev,
    /// Microsoft Entra ID: issuer = tenant id (`tid`), subject = object id (`oid`).
    Entra,
    /// Auth0: issuer = the Auth0 issuer URL, subject = `sub` (with its connection prefix).
    Auth0,
}

impl Provider {
    /// The provider stored as `value`, if known.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "dev" => Some(Provider::Dev),
            "entra" => Some(Provider::Entra),
            "auth0" => Some(Provider::Auth0),
            _ => None,
        }
    }

    /// The value stored in `user_identities.provider`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Dev => "dev",
            Provider::Entra => "entra",
            Provider::Auth0 => "auth0",
        }
    }
}

/// What the identity provider says about the person, refreshed at each sign-in.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Name to show.
    pub display_name: DisplayName,
    /// Email to show (never used to decide anything).
    pub email: Option<Email>,
    /// Whether the provider vouched for `email`: Auth0 `email_verified: true`, Entra
    /// `xms_edov: true` (the tenant owns the email's domain). False when absent.
    pub email_verified: bool,
}

/// A portal user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable id.
    pub id: Uuid,
    /// Name to show.
    pub display_name: String,
    /// Email to show.
    pub email: Option<String>,
    /// Whether the identity provider vouched for `email`; shown as unverified otherwise.
    pub email_verified: bool,
    /// When the user first signed in.
    pub created_at: OffsetDateTime,
    /// Last request seen (to [`LAST_SEEN_RESOLUTION`]).
    pub last_seen_at: Option<OffsetDateTime>,
    /// Portal sessions signed in at or before this instant are void (sign-out everywhere,
    /// tenant offboarding).
    pub sessions_not_before: Option<OffsetDateTime>,
}

impl From<users::Model> for User {
    fn from(m: users::Model) -> Self {
        Self {
            id: m.id,
            display_name: m.display_name,
            email: m.email,
            email_verified: m.email_verified,
            created_at: m.created_at,
            last_seen_at: m.last_seen_at,
            sessions_not_before: m.sessions_not_before,
        }
    }
}

impl User {
    /// The email as pages show it: marked `(unverified)` unless the identity provider vouched
    /// for it (security.md OIDC-3), so nobody takes an unverified address for a proven one.
    pub fn display_email(&self) -> Option<String> {
        email_for_display(self.email.as_deref(), self.email_verified)
    }
}

/// See [`User::display_email`].
pub fn email_for_display(email: Option<&str>, verified: bool) -> Option<String> {
    email.map(|e| {
        if verified {
            e.to_owned()
        } else {
            format!("{e} (unverified)")
        }
    })
}

/// Failures of the user store.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    /// The database failed (500, details logged only).
    #[error("database error")]
    Db(#[from] DbErr),
}

/// Finds the user of `identity`, creating user and identity on first sign-in; refreshes the
/// display profile either way. Safe under concurrent first sign-ins of the same identity.
#[tracing::instrument(skip_all, fields(provider = identity.provider.as_str()))]
pub async fn sign_in(
    db: &DatabaseConnection,
    identity: &Identity,
    profile: &Profile,
    now: OffsetDateTime,
) -> Result<User, UsersError> {
    match try_sign_in(db, identity, profile, now).await {
        // Lost a race with a concurrent first sign-in: the identity exists now, so this finds it.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Ok(try_sign_in(db, identity, profile, now).await?)
        }
        other => Ok(other?),
    }
}

// The lookup runs outside the transaction on purpose: every transaction here starts with a write,
// so SQLite takes its write lock up front (waiting up to busy_timeout) instead of failing with
// "database is locked" when two read-then-write transactions try to upgrade at once.
async fn try_sign_in(
    db: &DatabaseConnection,
    identity: &Identity,
    profile: &Profile,
    now: OffsetDateTime,
) -> Result<User, DbErr> {
    let existing = user_identities::Entity::find()
        .filter(user_identities::Column::Provider.eq(identity.provider.as_str()))
        .filter(user_identities::Column::Issuer.eq(&identity.issuer))
        .filter(user_identities::Column::Subject.eq(&identity.subject))
        .one(db)
        .await?;
    let email = profile.email.as_ref().map(|e| e.as_str().to_owned());
    let email_verified = email.is_some() && profile.email_verified;
    let txn = db.begin().await?;
    let user = match existing {
        Some(link) => {
            let user = users::ActiveModel {
                id: Set(link.user_id),
                display_name: Set(profile.display_name.as_str().to_owned()),
                email: Set(email),
                email_verified: Set(email_verified),
                updated_at: Set(now),
                last_seen_at: Set(Some(now)),
                ..Default::default()
            }
            .update(&txn)
            .await?;
            user_identities::ActiveModel {
                id: Set(link.id),
                last_sign_in_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(&txn)
            .await?;
            user
        }
        None => {
            let user = users::ActiveModel {
                id: Set(Uuid::now_v7()),
                display_name: Set(profile.display_name.as_str().to_owned()),
                email: Set(email),
                email_verified: Set(email_verified),
                created_at: Set(now),
                updated_at: Set(now),
                last_seen_at: Set(Some(now)),
                sessions_not_before: Set(None),
            }
            .insert(&txn)
            .await?;
            user_identities::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user.id),
                provider: Set(identity.provider.as_str().to_owned()),
                issuer: Set(identity.issuer.clone()),
                subject: Set(identity.subject.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                last_sign_in_at: Set(now),
            }
            .insert(&txn)
            .await?;
            user
        }
    };
    txn.commit().await?;
    Ok(user.into())
}

/// The user with this id, if any.
pub async fn find(db: &DatabaseConnection, id: Uuid) -> Result<Option<User>, UsersError> {
    Ok(users::Entity::find_by_id(id).one(db).await?.map(User::from))
}

/// Ends every portal session of `user_id` signed in at or before `now` ("sign out everywhere"):
/// each is refused on its next request, on every replica.
pub async fn end_sessions(
    db: &DatabaseConnection,
    user_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), UsersError> {
    users::Entity::update_many()
        .col_expr(
            users::Column::SessionsNotBefore,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    crate::oauth::token_cache::announce_revocation(db).await;
    Ok(())
}

/// Records activity, writing only when the stored value is older than [`LAST_SEEN_RESOLUTION`].
pub async fn touch_last_seen(
    db: &DatabaseConnection,
    user: &User,
    now: OffsetDateTime,
) -> Result<(), UsersError> {
    if user
        .last_seen_at
        .is_some_and(|seen| now - seen < LAST_SEEN_RESOLUTION)
    {
        return Ok(());
    }
    users::Entity::update_many()
        .col_expr(
            users::Column::LastSeenAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(users::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;
