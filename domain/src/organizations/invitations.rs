//! Invite links: `/invite/<token>` joins the organisation that created it.
//!
//! The token is 256 bits from the OS CSPRNG, shown once to whoever creates the link and stored
//! as its SHA-256 (security.md VAULT-6). Acceptance consumes a use with a conditional update
//! (not revoked, not expired, uses below the maximum) in the same transaction that inserts the
//! membership, whose key (one organisation per user) settles concurrent acceptances.

use std::fmt;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set, SqlErr, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    authorize, log_change, member_count, membership, teams::require_team, token_hash, OrgError,
    Organization, Permission, Role,
};
use crate::{
    audit::{self, AuditEvent, Outcome, RequestContext},
    entity::{invitations, memberships, organizations, team_members, teams},
    users::User,
};

/// How long a link lasts unless told otherwise.
pub const DEFAULT_INVITATION_DAYS: u32 = 7;
/// The longest a link may last.
pub const MAX_INVITATION_DAYS: u32 = 30;
/// The most uses a link may allow.
pub const MAX_INVITATION_USES: u32 = 1000;

/// What the creator chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    /// The role the invitee gets (admin or member).
    pub role: Role,
    /// A team the invitee is put into.
    pub team_id: Option<Uuid>,
    /// Days until the link expires (1 to [`MAX_INVITATION_DAYS`]).
    pub expires_in_days: u32,
    /// How many people may use it (`None`: until it expires).
    pub max_uses: Option<u32>,
}

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    /// Usable.
    Active,
    /// Past its expiry.
    Expired,
    /// Revoked by an owner or admin.
    Revoked,
    /// Every allowed use is taken.
    UsedUp,
}

impl InvitationStatus {
    fn of(row: &invitations::Model, now: OffsetDateTime) -> Self {
        if row.revoked_at.is_some() {
            Self::Revoked
        } else if row.max_uses.is_some_and(|max| row.uses >= max) {
            Self::UsedUp
        } else if row.expires_at <= now {
            Self::Expired
        } else {
            Self::Active
        }
    }
}

/// A link as the organisation page lists it (never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Its id.
    pub id: Uuid,
    /// The role it gives.
    pub role: Role,
    /// The team it puts people into, by name.
    pub team: Option<String>,
    /// Who created it.
    pub inviter_name: String,
    /// When.
    pub created_at: OffsetDateTime,
    /// When it expires.
    pub expires_at: OffsetDateTime,
    /// Allowed uses.
    pub max_uses: Option<u32>,
    /// Uses so far.
    pub uses: u32,
    /// Where it stands.
    pub status: InvitationStatus,
}

/// A new link: the token exists in clear only here.
#[derive(Debug, Clone)]
pub struct CreatedInvitation {
    /// The stored link.
    pub invitation: Invitation,
    /// The token for `/invite/<token>`.
    pub token: String,
}

/// What the acceptance page shows before the visitor accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationPreview {
    /// The organisation.
    pub organization_name: String,
    /// Who invited.
    pub inviter_name: String,
    /// The role they would get.
    pub role: Role,
    /// The team they would be put into.
    pub team: Option<String>,
    /// When the link expires.
    pub expires_at: OffsetDateTime,
}

/// Why a link cannot be used; each has its own page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InvitationProblem {
    /// No link has this token (mistyped, or the organisation was deleted).
    NotFound,
    /// It expired.
    Expired {
        /// The organisation.
        organization: String,
    },
    /// It was revoked.
    Revoked {
        /// The organisation.
        organization: String,
    },
    /// Its uses are taken.
    UsedUp {
        /// The organisation.
        organization: String,
    },
    /// The visitor is already in this organisation.
    AlreadyMember {
        /// The organisation.
        organization: String,
    },
    /// The visitor is in another organisation.
    InAnotherOrganization {
        /// The organisation they are in.
        current: String,
        /// The organisation of the link.
        organization: String,
    },
    /// The organisation's plan allows no more members.
    MemberLimit {
        /// The organisation.
        organization: String,
        /// The plan's member limit.
        limit: u64,
    },
}

impl fmt::Display for InvitationProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound => f.write_str("This invite link is not valid. Check that you copied all of it, or ask for a new one."),
            Self::Expired { organization } => write!(f, "This invite link to “{organization}” has expired. Ask the person who sent it for a new one."),
            Self::Revoked { organization } => write!(f, "This invite link to “{organization}” was revoked. Ask the organisation's owner or an admin for a new one."),
            Self::UsedUp { organization } => write!(f, "This invite link to “{organization}” has been used as many times as allowed. Ask for a new one."),
            Self::AlreadyMember { organization } => write!(f, "You are already a member of “{organization}”."),
            Self::InAnotherOrganization { current, organization } => write!(f, "You are in the organisation “{current}”. A person belongs to one organisation at a time: leave “{current}” (Settings → Organisation) before joining “{organization}”."),
            Self::MemberLimit { organization, limit } => write!(f, "“{organization}” is on the Free plan, which allows {limit} member(s). Its owner can upgrade to Pro with an invite code."),
        }
    }
}

fn new_token() -> String {
    // `rand::rng()` is a CSPRNG seeded (and periodically reseeded) from the operating system.
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token is 43 base64url characters; anything else is not looked up.
fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn to_view<C: ConnectionTrait>(
    db: &C,
    row: invitations::Model,
    now: OffsetDateTime,
) -> Result<Invitation, DbErr> {
    let team = match row.team_id {
        Some(id) => teams::Entity::find_by_id(id).one(db).await?.map(|t| t.name),
        None => None,
    };
    Ok(Invitation {
        id: row.id,
        role: Role::parse(&row.role).unwrap_or(Role::Member),
        team,
        inviter_name: row.inviter_name.clone(),
        created_at: row.created_at,
        expires_at: row.expires_at,
        max_uses: row.max_uses.and_then(|n| u32::try_from(n).ok()),
        uses: u32::try_from(row.uses).unwrap_or(0),
        status: InvitationStatus::of(&row, now),
    })
}

/// Creates an invite link (owners and admins, Pro).
pub async fn create_invitation(
    db: &DatabaseConnection,
    user: &User,
    new: NewInvitation,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<CreatedInvitation, OrgError> {
    let membership = authorize(db, user.id, Permission::ManageInvitations).await?;
    let organization_id = membership.organization.id;
    if new.role == Role::Owner {
        return Err(OrgError::Invalid(
            "An invite link makes people members or admins; ownership is transferred, not given by a link.".into(),
        ));
    }
    if new.expires_in_days == 0 || new.expires_in_days > MAX_INVITATION_DAYS {
        return Err(OrgError::Invalid(format!(
            "A link can last from 1 to {MAX_INVITATION_DAYS} days."
        )));
    }
    if new
        .max_uses
        .is_some_and(|n| n == 0 || n > MAX_INVITATION_USES)
    {
        return Err(OrgError::Invalid(format!(
            "Maximum uses must be between 1 and {MAX_INVITATION_USES}, or empty for no limit."
        )));
    }
    let team_name = match new.team_id {
        Some(team_id) => Some(require_team(db, organization_id, team_id).await?),
        None => None,
    };
    let token = new_token();
    let txn = db.begin().await?;
    let row = invitations::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        token_hash: Set(token_hash(&token)),
        role: Set(new.role.as_str().to_owned()),
        team_id: Set(new.team_id),
        created_by: Set(Some(user.id)),
        inviter_name: Set(user.display_name.clone()),
        expires_at: Set(now + time::Duration::days(i64::from(new.expires_in_days))),
        max_uses: Set(new.max_uses.map(|n| n as i32)),
        uses: Set(0),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    log_change(
        &txn,
        organization_id,
        user,
        (
            "invitation.create",
            format!("invitation:{}", row.id),
            Some(format!(
                "role {}{}, {} day(s), {}",
                new.role.as_str(),
                team_name
                    .map(|t| format!(", team “{t}”"))
                    .unwrap_or_default(),
                new.expires_in_days,
                new.max_uses
                    .map_or("no use limit".to_owned(), |n| format!("at most {n} use(s)")),
            )),
        ),
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(CreatedInvitation {
        invitation: to_view(db, row, now).await?,
        token,
    })
}

/// The organisation's links, newest first (owners and admins).
pub async fn list_invitations(
    db: &DatabaseConnection,
    organization_id: Uuid,
    now: OffsetDateTime,
) -> Result<Vec<Invitation>, DbErr> {
    let rows = invitations::Entity::find()
        .filter(invitations::Column::OrganizationId.eq(organization_id))
        .order_by_desc(invitations::Column::CreatedAt)
        .all(db)
        .await?;
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        list.push(to_view(db, row, now).await?);
    }
    Ok(list)
}

/// Revokes a link of the caller's organisation; revoking a revoked link changes nothing.
pub async fn revoke_invitation(
    db: &DatabaseConnection,
    user: &User,
    id: Uuid,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership = authorize(db, user.id, Permission::ManageInvitations).await?;
    let organization_id = membership.organization.id;
    let row = invitations::Entity::find_by_id(id)
        .filter(invitations::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| {
            OrgError::NotFound("That invite link does not exist in your organisation.".into())
        })?;
    if row.revoked_at.is_some() {
        return Ok(());
    }
    let txn = db.begin().await?;
    invitations::Entity::update_many()
        .col_expr(invitations::Column::RevokedAt, Expr::value(Some(now)))
        .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
        .filter(invitations::Column::Id.eq(id))
        .filter(invitations::Column::OrganizationId.eq(organization_id))
        .exec(&txn)
        .await?;
    log_change(
        &txn,
        organization_id,
        user,
        (
            "invitation.revoke",
            format!("invitation:{id}"),
            Some(format!(
                "{} of {} use(s) taken",
                row.uses,
                row.max_uses.map_or("unlimited".into(), |m| m.to_string())
            )),
        ),
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// The link's row and organisation, by token.
async fn find_by_token<C: ConnectionTrait>(
    db: &C,
    token: &str,
) -> Result<Option<(invitations::Model, organizations::Model)>, DbErr> {
    if !plausible(token) {
        return Ok(None);
    }
    let Some(row) = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(token_hash(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let organization = organizations::Entity::find_by_id(row.organization_id)
        .one(db)
        .await?;
    Ok(organization.map(|o| (row, o)))
}

/// What `user` would join with `token`, or why they cannot.
pub async fn look_up_invitation(
    db: &DatabaseConnection,
    user: &User,
    token: &str,
    now: OffsetDateTime,
) -> Result<Result<InvitationPreview, InvitationProblem>, DbErr> {
    let Some((row, organization)) = find_by_token(db, token).await? else {
        return Ok(Err(InvitationProblem::NotFound));
    };
    if let Some(problem) = problem_for(db, user, &row, &organization, now).await? {
        return Ok(Err(problem));
    }
    let team = match row.team_id {
        Some(id) => teams::Entity::find_by_id(id).one(db).await?.map(|t| t.name),
        None => None,
    };
    Ok(Ok(InvitationPreview {
        organization_name: organization.name,
        inviter_name: row.inviter_name,
        role: Role::parse(&row.role).unwrap_or(Role::Member),
        team,
        expires_at: row.expires_at,
    }))
}

async fn problem_for<C: ConnectionTrait>(
    db: &C,
    user: &User,
    row: &invitations::Model,
    organization: &organizations::Model,
    now: OffsetDateTime,
) -> Result<Option<InvitationProblem>, DbErr> {
    let name = organization.name.clone();
    if let Some(current) = membership(db, user.id).await? {
        return Ok(Some(if current.organization.id == organization.id {
            InvitationProblem::AlreadyMember { organization: name }
        } else {
            InvitationProblem::InAnotherOrganization {
                current: current.organization.name,
                organization: name,
            }
        }));
    }
    Ok(match InvitationStatus::of(row, now) {
        InvitationStatus::Revoked => Some(InvitationProblem::Revoked { organization: name }),
        InvitationStatus::UsedUp => Some(InvitationProblem::UsedUp { organization: name }),
        InvitationStatus::Expired => Some(InvitationProblem::Expired { organization: name }),
        InvitationStatus::Active => {
            let plan = Organization::from(organization.clone()).plan;
            match plan.limits().max_members {
                Some(limit) if member_count(db, organization.id).await? >= limit => {
                    Some(InvitationProblem::MemberLimit {
                        organization: name,
                        limit,
                    })
                }
                _ => None,
            }
        }
    })
}

/// `user` accepts the link: they join at once with its role (and team).
pub async fn accept_invitation(
    db: &DatabaseConnection,
    user: &User,
    token: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<Organization, OrgError> {
    let Some((row, organization)) = find_by_token(db, token).await? else {
        return Err(OrgError::Invitation(InvitationProblem::NotFound));
    };
    let refuse = |problem| record_refusal(db, organization.id, user, row.id, problem, context, now);
    if let Some(problem) = problem_for(db, user, &row, &organization, now).await? {
        return refuse(problem).await;
    }
    let txn = db.begin().await?;
    let consumed = invitations::Entity::update_many()
        .col_expr(
            invitations::Column::Uses,
            Expr::col(invitations::Column::Uses).add(1),
        )
        .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
        .filter(invitations::Column::Id.eq(row.id))
        .filter(invitations::Column::RevokedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(now))
        .filter(
            sea_orm::Condition::any()
                .add(invitations::Column::MaxUses.is_null())
                .add(
                    Expr::col(invitations::Column::Uses)
                        .lt(Expr::col(invitations::Column::MaxUses)),
                ),
        )
        .exec(&txn)
        .await?;
    if consumed.rows_affected != 1 {
        // Revoked, expired or used up between the check and now: report what it is now.
        txn.rollback().await?;
        let fresh = invitations::Entity::find_by_id(row.id)
            .one(db)
            .await?
            .unwrap_or(row.clone());
        let problem = problem_for(db, user, &fresh, &organization, now)
            .await?
            .unwrap_or(InvitationProblem::UsedUp {
                organization: organization.name.clone(),
            });
        return refuse(problem).await;
    }
    let role = Role::parse(&row.role)
        .filter(|r| *r != Role::Owner)
        .unwrap_or(Role::Member);
    let joined = memberships::ActiveModel {
        user_id: Set(user.id),
        organization_id: Set(organization.id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    if let Err(e) = joined {
        txn.rollback().await?;
        if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
            let problem = problem_for(db, user, &row, &organization, now)
                .await?
                .unwrap_or(InvitationProblem::AlreadyMember {
                    organization: organization.name.clone(),
                });
            return refuse(problem).await;
        }
        return Err(e.into());
    }
    // The member limit is checked again with the new member counted (concurrent acceptances).
    let plan = Organization::from(organization.clone()).plan;
    if let Some(limit) = plan.limits().max_members {
        if member_count(&txn, organization.id).await? > limit {
            txn.rollback().await?;
            return refuse(InvitationProblem::MemberLimit {
                organization: organization.name.clone(),
                limit,
            })
            .await;
        }
    }
    let mut team_name = None;
    if let Some(team_id) = row.team_id {
        if let Some(team) = teams::Entity::find_by_id(team_id).one(&txn).await? {
            team_members::ActiveModel {
                team_id: Set(team.id),
                user_id: Set(user.id),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
            team_name = Some(team.name);
        }
    }
    log_change(
        &txn,
        organization.id,
        user,
        (
            "invitation.accept",
            format!("invitation:{}", row.id),
            Some(format!(
                "joined as {}{} (invited by {})",
                role.as_str(),
                team_name.map(|t| format!(" in “{t}”")).unwrap_or_default(),
                row.inviter_name
            )),
        ),
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(organization.into())
}

/// Records a refused acceptance (in the organisation's log) and returns the refusal.
async fn record_refusal(
    db: &DatabaseConnection,
    organization_id: Uuid,
    user: &User,
    invitation_id: Uuid,
    problem: InvitationProblem,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<Organization, OrgError> {
    audit::record_in(
        db,
        Some(organization_id),
        AuditEvent {
            actor: crate::audit::Actor::user(user),
            action: "invitation.accept",
            target: format!("invitation:{invitation_id}"),
            outcome: Outcome::Failure,
            detail: Some(problem.to_string()),
        },
        context,
        now,
    )
    .await?;
    Err(OrgError::Invitation(problem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_base64url_and_only_plausible_ones_are_looked_up() {
        let token = new_token();
        assert!(plausible(&token), "{token}");
        assert_ne!(token, new_token());
        assert!(!plausible("short"));
        assert!(!plausible(&format!("{}=", &token[..42])));
        assert_eq!(token_hash(&token).len(), 64);
    }
}
