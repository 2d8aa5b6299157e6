//! Members: the list, role changes, removal and ownership transfer.
//!
//! Rules beyond the matrix: nobody changes their own role here (the owner transfers ownership,
//! others leave); the owner's role never changes and the owner is never removed except by
//! transferring; the `owner` role is only given by a transfer, so there is always exactly one.

use sea_orm::{
    sea_query::Expr, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{authorize, delete_membership, log_change, OrgError, Permission, Role};
use crate::{
    audit::RequestContext,
    entity::{memberships, team_members, teams, users},
    users::User,
};

/// A member as the organisation page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The user.
    pub user_id: Uuid,
    /// Their name.
    pub display_name: String,
    /// Their email, when the identity provider gave one.
    pub email: Option<String>,
    /// Their role.
    pub role: Role,
    /// When they joined.
    pub joined_at: OffsetDateTime,
    /// Their last request to the portal.
    pub last_active_at: Option<OffsetDateTime>,
    /// The teams they are in, by name.
    pub teams: Vec<String>,
}

/// The members of an organisation: the owner first, then admins, then members, by name.
pub async fn list_members(
    db: &DatabaseConnection,
    organization_id: Uuid,
) -> Result<Vec<Member>, DbErr> {
    let rows = memberships::Entity::find()
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .find_also_related(users::Entity)
        .all(db)
        .await?;
    let teams = teams::Entity::find()
        .filter(teams::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?;
    let placements = team_members::Entity::find()
        .filter(team_members::Column::TeamId.is_in(teams.iter().map(|t| t.id)))
        .all(db)
        .await?;
    let mut members: Vec<Member> = rows
        .into_iter()
        .filter_map(|(m, user)| {
            let user = user?;
            let mut in_teams: Vec<String> = placements
                .iter()
                .filter(|p| p.user_id == m.user_id)
                .filter_map(|p| {
                    teams
                        .iter()
                        .find(|t| t.id == p.team_id)
                        .map(|t| t.name.clone())
                })
                .collect();
            in_teams.sort();
            Some(Member {
                user_id: m.user_id,
                display_name: user.display_name,
                email: crate::users::email_for_display(user.email.as_deref(), user.email_verified),
                role: Role::parse(&m.role).unwrap_or(Role::Member),
                joined_at: m.created_at,
                last_active_at: user.last_seen_at,
                teams: in_teams,
            })
        })
        .collect();
    members.sort_by(|a, b| {
        (a.role, a.display_name.to_lowercase()).cmp(&(b.role, b.display_name.to_lowercase()))
    });
    Ok(members)
}

/// The target's role, if they are a member of `organization_id`.
async fn role_in<C: sea_orm::ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<Option<(Role, String)>, DbErr> {
    Ok(memberships::Entity::find_by_id(user_id)
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .find_also_related(users::Entity)
        .one(db)
        .await?
        .map(|(m, u)| {
            (
                Role::parse(&m.role).unwrap_or(Role::Member),
                u.map(|u| u.display_name).unwrap_or_default(),
            )
        }))
}

fn not_a_member() -> OrgError {
    OrgError::NotFound(
        "That person is not a member of your organisation (they may have left or been removed)."
            .into(),
    )
}

/// Changes a member's role to admin or member.
pub async fn change_role(
    db: &DatabaseConnection,
    user: &User,
    target: Uuid,
    role: Role,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership = authorize(db, user.id, Permission::ManageMembers).await?;
    let organization_id = membership.organization.id;
    if role == Role::Owner {
        return Err(OrgError::Invalid(
            "The owner role is not given by a role change: the owner uses “Transfer ownership”."
                .into(),
        ));
    }
    if target == user.id {
        return Err(OrgError::NotAllowed(
            "You cannot change your own role; another admin or the owner can.".into(),
        ));
    }
    let (current, name) = role_in(db, organization_id, target)
        .await?
        .ok_or_else(not_a_member)?;
    if current == Role::Owner {
        return Err(OrgError::NotAllowed(
            "The owner's role cannot be changed; the owner can transfer ownership to someone else."
                .into(),
        ));
    }
    if current == role {
        return Ok(());
    }
    let txn = db.begin().await?;
    let updated = memberships::Entity::update_many()
        .col_expr(memberships::Column::Role, Expr::value(role.as_str()))
        .col_expr(memberships::Column::UpdatedAt, Expr::value(now))
        .filter(memberships::Column::UserId.eq(target))
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .filter(memberships::Column::Role.eq(current.as_str()))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        txn.rollback().await?;
        return Err(OrgError::Invalid(format!(
            "{name}'s role changed meanwhile; reload the page to see the current one."
        )));
    }
    log_change(
        &txn,
        organization_id,
        user,
        (
            "member.role_change",
            format!("user:{target}"),
            Some(format!("{name}: {} → {}", current.as_str(), role.as_str())),
        ),
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// Removes a member (and their team placements); their access ends with their next request.
pub async fn remove_member(
    db: &DatabaseConnection,
    user: &User,
    target: Uuid,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership = authorize(db, user.id, Permission::ManageMembers).await?;
    let organization_id = membership.organization.id;
    if target == user.id {
        return Err(OrgError::Invalid(
            "To leave the organisation yourself, use “Leave organisation” on the Settings page."
                .into(),
        ));
    }
    let (current, name) = role_in(db, organization_id, target)
        .await?
        .ok_or_else(not_a_member)?;
    if current == Role::Owner {
        return Err(OrgError::NotAllowed(
            "The organisation's owner cannot be removed.".into(),
        ));
    }
    let txn = db.begin().await?;
    if !delete_membership(&txn, organization_id, target).await? {
        txn.rollback().await?;
        return Err(not_a_member());
    }
    log_change(
        &txn,
        organization_id,
        user,
        (
            "member.remove",
            format!("user:{target}"),
            Some(format!("{name} ({})", current.as_str())),
        ),
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// Makes `target` the owner; the current owner becomes an admin.
pub async fn transfer_ownership(
    db: &DatabaseConnection,
    user: &User,
    target: Uuid,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership = authorize(db, user.id, Permission::TransferOwnership).await?;
    let organization_id = membership.organization.id;
    if target == user.id {
        return Err(OrgError::Invalid(
            "You already own this organisation; choose another member.".into(),
        ));
    }
    let (current, name) = role_in(db, organization_id, target)
        .await?
        .ok_or_else(not_a_member)?;
    let txn = db.begin().await?;
    // Demote first, conditionally: two concurrent transfers cannot both succeed.
    let demoted = memberships::Entity::update_many()
        .col_expr(memberships::Column::Role, Expr::value(Role::Admin.as_str()))
        .col_expr(memberships::Column::UpdatedAt, Expr::value(now))
        .filter(memberships::Column::UserId.eq(user.id))
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .filter(memberships::Column::Role.eq(Role::Owner.as_str()))
        .exec(&txn)
        .await?;
    let promoted = memberships::Entity::update_many()
        .col_expr(memberships::Column::Role, Expr::value(Role::Owner.as_str()))
        .col_expr(memberships::Column::UpdatedAt, Expr::value(now))
        .filter(memberships::Column::UserId.eq(target))
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .exec(&txn)
        .await?;
    if demoted.rows_affected != 1 || promoted.rows_affected != 1 {
        txn.rollback().await?;
        return Err(OrgError::Invalid(
            "The organisation changed meanwhile (ownership or membership); reload the page and try again."
                .into(),
        ));
    }
    log_change(
        &txn,
        organization_id,
        user,
        (
            "organization.transfer_ownership",
            format!("user:{target}"),
            Some(format!(
                "{name} ({} → owner); previous owner is now admin",
                current.as_str()
            )),
        ),
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}
