//! Organisations (an MSP's account: members, roles, plan, audit log), their teams (groups of
//! their members), invite links, plans and invite codes. The portal uses the same words.
//!
//! Every function that acts for a user re-reads that user's membership ([`authorize`]) and
//! scopes every other id it is given to the caller's organisation: an id from another
//! organisation is "not found", never acted on (security.md WEB-7). Nothing is cached, so a
//! removal or role change takes effect on the member's next request. Each change writes its
//! audit row in the same transaction as the change.

mod invitations;
mod members;
mod names;
mod plans;
mod roles;
mod teams;

pub use invitations::{
    accept_invitation, create_invitation, list_invitations, look_up_invitation, revoke_invitation,
    CreatedInvitation, Invitation, InvitationPreview, InvitationProblem, InvitationStatus,
    NewInvitation, DEFAULT_INVITATION_DAYS, MAX_INVITATION_DAYS, MAX_INVITATION_USES,
};
pub use members::{change_role, list_members, remove_member, transfer_ownership, Member};
pub use names::{NameError, OrganizationName, TeamName, MAX_NAME_CHARS};
pub use plans::{
    create_invite_code, default_plan, list_invite_codes, revoke_invite_code, set_default_plan,
    set_plan, InviteCode, Limits, Plan, UPGRADE_HINT,
};
pub use roles::{Permission, Role, MATRIX};
pub use teams::{add_team_member, create_team, delete_team, list_teams, remove_team_member, Team};

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr, TransactionTrait,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use self::plans::PlanFeature;
use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    entity::{memberships, organizations, team_members, teams as team_rows},
    users::User,
};

/// Failures of organisation operations; the messages are shown to users as they are.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    /// The database failed (500; details logged only).
    #[error("database error")]
    Db(#[from] DbErr),
    /// The caller is in no organisation.
    #[error("You are not in an organisation. Create one on the Settings page, or ask an organisation's admin for an invite link.")]
    NotInOrganization,
    /// The caller's role does not allow it.
    #[error("{0}")]
    NotAllowed(String),
    /// The organisation's plan does not allow it.
    #[error("{0}")]
    PlanLimit(String),
    /// The id names nothing in the caller's organisation.
    #[error("{0}")]
    NotFound(String),
    /// The input is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The caller already belongs to an organisation.
    #[error("You are already in the organisation “{0}”. A person belongs to one organisation at a time: leave it first (Settings → Organisation).")]
    AlreadyInOrganization(String),
    /// An invite link cannot be used.
    #[error("{0}")]
    Invitation(InvitationProblem),
}

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its plan.
    pub plan: Plan,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

impl From<organizations::Model> for Organization {
    fn from(m: organizations::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            plan: Plan::parse(&m.plan).unwrap_or(Plan::Free),
            created_at: m.created_at,
        }
    }
}

/// A user's membership, read fresh for each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The member.
    pub user_id: Uuid,
    /// Their role.
    pub role: Role,
    /// When they joined.
    pub joined_at: OffsetDateTime,
    /// Their organisation.
    pub organization: Organization,
}

impl Membership {
    /// Whether the role and the plan allow `permission`; `Err` carries the reason to show.
    pub fn check(&self, permission: Permission) -> Result<(), OrgError> {
        if !self.role.can(permission) {
            return Err(OrgError::NotAllowed(permission.refusal().into()));
        }
        let feature = match permission {
            Permission::ManageInvitations => Some(PlanFeature::Invitations),
            Permission::ManageTeams => Some(PlanFeature::Teams),
            Permission::ViewAuditLog => Some(PlanFeature::AuditLog),
            Permission::ManageSharedConnections => Some(PlanFeature::SharedConnections),
            Permission::ManageServiceClients => Some(PlanFeature::ServiceClients),
            _ => None,
        };
        match feature.and_then(|f| self.organization.plan.refusal(f)) {
            Some(message) => Err(OrgError::PlanLimit(message)),
            None => Ok(()),
        }
    }
}

/// Appends the successful change `(action, target, detail)` made by `user` to the log of
/// `organization_id`, inside the caller's transaction.
pub(crate) async fn log_change<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    user: &User,
    (action, target, detail): (&'static str, String, Option<String>),
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    audit::record_in(
        db,
        Some(organization_id),
        AuditEvent {
            actor: Actor::user(user),
            action,
            target,
            outcome: Outcome::Success,
            detail,
        },
        context,
        now,
    )
    .await
}

/// SHA-256 of a high-entropy token, hex (how invitation tokens and invite codes are stored).
pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `user_id`'s membership, if they belong to an organisation.
pub async fn membership<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Option<Membership>, DbErr> {
    let Some((member, Some(organization))) = memberships::Entity::find_by_id(user_id)
        .find_also_related(organizations::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Membership {
        user_id,
        role: Role::parse(&member.role).unwrap_or(Role::Member),
        joined_at: member.created_at,
        organization: organization.into(),
    }))
}

/// `user`'s membership if it allows `permission`; the refusal names the reason otherwise.
pub async fn authorize<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    permission: Permission,
) -> Result<Membership, OrgError> {
    let membership = membership(db, user_id)
        .await?
        .ok_or(OrgError::NotInOrganization)?;
    membership.check(permission)?;
    Ok(membership)
}

/// Members of an organisation (owner included).
pub(crate) async fn member_count<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
) -> Result<u64, DbErr> {
    memberships::Entity::find()
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .count(db)
        .await
}

/// Creates an organisation owned by `user`. With an invite code it starts on Pro (the code must
/// be valid, or nothing is created); otherwise on the instance's default plan.
pub async fn create(
    db: &DatabaseConnection,
    user: &User,
    name: &str,
    invite_code: Option<&str>,
    configured_default: Plan,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<Organization, OrgError> {
    let name = OrganizationName::parse(name).map_err(|e| OrgError::Invalid(e.to_string()))?;
    if let Some(current) = membership(db, user.id).await? {
        return Err(OrgError::AlreadyInOrganization(current.organization.name));
    }
    let invite_code = invite_code.map(str::trim).filter(|c| !c.is_empty());
    let default = plans::default_plan(db, configured_default).await?;
    let txn = db.begin().await?;
    // The transaction starts with a write (SQLite cannot upgrade a read transaction once another
    // writer got in first): the code's conditional update, or the organisation's insert.
    let (plan, code_id) = match invite_code {
        Some(code) => (
            Plan::Pro,
            Some(plans::redeem_invite_code(&txn, code, now).await?),
        ),
        None => (default, None),
    };
    let organization = organizations::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.as_str().to_owned()),
        plan: Set(plan.as_str().to_owned()),
        created_by: Set(Some(user.id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let joined = memberships::ActiveModel {
        user_id: Set(user.id),
        organization_id: Set(organization.id),
        role: Set(Role::Owner.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    if let Err(e) = joined {
        txn.rollback().await?;
        // Lost a race with another creation or invitation for the same user.
        if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
            let current = membership(db, user.id).await?;
            return Err(OrgError::AlreadyInOrganization(
                current.map(|m| m.organization.name).unwrap_or_default(),
            ));
        }
        return Err(e.into());
    }
    log_change(
        &txn,
        organization.id,
        user,
        (
            "organization.create",
            format!("organization:{}", organization.id),
            Some(match code_id {
                Some(id) => format!("“{}” on Pro (invite code {id})", name.as_str()),
                None => format!("“{}” on {}", name.as_str(), plan.label()),
            }),
        ),
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(organization.into())
}

/// Upgrades the caller's organisation to Pro with an invite code (owner only).
pub async fn upgrade_with_code(
    db: &DatabaseConnection,
    user: &User,
    code: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership = authorize(db, user.id, Permission::ChangePlan).await?;
    if membership.organization.plan == Plan::Pro {
        return Err(OrgError::Invalid(
            "This organisation is already on the Pro plan.".into(),
        ));
    }
    let txn = db.begin().await?;
    let code_id = plans::redeem_invite_code(&txn, code, now).await?;
    organizations::Entity::update_many()
        .col_expr(organizations::Column::Plan, Expr::value(Plan::Pro.as_str()))
        .col_expr(organizations::Column::UpdatedAt, Expr::value(now))
        .filter(organizations::Column::Id.eq(membership.organization.id))
        .exec(&txn)
        .await?;
    log_change(
        &txn,
        membership.organization.id,
        user,
        (
            "plan.change",
            format!("organization:{}", membership.organization.id),
            Some(format!("plan set to Pro with invite code {code_id}")),
        ),
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// Renames the caller's organisation (owner only).
pub async fn rename(
    db: &DatabaseConnection,
    user: &User,
    name: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership = authorize(db, user.id, Permission::RenameOrganization).await?;
    let name = OrganizationName::parse(name).map_err(|e| OrgError::Invalid(e.to_string()))?;
    let txn = db.begin().await?;
    organizations::Entity::update_many()
        .col_expr(organizations::Column::Name, Expr::value(name.as_str()))
        .col_expr(organizations::Column::UpdatedAt, Expr::value(now))
        .filter(organizations::Column::Id.eq(membership.organization.id))
        .exec(&txn)
        .await?;
    log_change(
        &txn,
        membership.organization.id,
        user,
        (
            "organization.rename",
            format!("organization:{}", membership.organization.id),
            Some(format!(
                "“{}” → “{}”",
                membership.organization.name,
                name.as_str()
            )),
        ),
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// Removes `user_id` from `organization_id` and from its teams, inside `txn`; false when they
/// were not a member (any more).
pub(crate) async fn delete_membership<C: ConnectionTrait>(
    txn: &C,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<bool, DbErr> {
    let removed = memberships::Entity::delete_many()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .exec(txn)
        .await?;
    if removed.rows_affected == 0 {
        return Ok(false);
    }
    let team_ids: Vec<Uuid> = team_rows::Entity::find()
        .filter(team_rows::Column::OrganizationId.eq(organization_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    team_members::Entity::delete_many()
        .filter(team_members::Column::UserId.eq(user_id))
        .filter(team_members::Column::TeamId.is_in(team_ids))
        .exec(txn)
        .await?;
    Ok(true)
}

/// The caller leaves their organisation. The owner cannot: they transfer ownership or delete it.
pub async fn leave(
    db: &DatabaseConnection,
    user: &User,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership = membership(db, user.id)
        .await?
        .ok_or(OrgError::NotInOrganization)?;
    if membership.role == Role::Owner {
        return Err(OrgError::NotAllowed(
            "You own this organisation, so you cannot leave it: transfer ownership to another member first, or delete the organisation.".into(),
        ));
    }
    let organization_id = membership.organization.id;
    let txn = db.begin().await?;
    if !delete_membership(&txn, organization_id, user.id).await? {
        txn.rollback().await?;
        return Err(OrgError::NotInOrganization);
    }
    log_change(
        &txn,
        organization_id,
        user,
        ("member.leave", format!("user:{}", user.id), None),
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// Deletes the caller's organisation (owner only) once they typed its name: memberships, teams,
/// invitations and shared credentials go with it; its audit rows stay.
pub async fn delete(
    db: &DatabaseConnection,
    user: &User,
    typed_name: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership = authorize(db, user.id, Permission::DeleteOrganization).await?;
    let organization = membership.organization;
    if typed_name.trim() != organization.name {
        return Err(OrgError::Invalid(format!(
            "To confirm, type the organisation's name exactly as shown: “{}”.",
            organization.name
        )));
    }
    let team_ids: Vec<Uuid> = team_rows::Entity::find()
        .filter(team_rows::Column::OrganizationId.eq(organization.id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let members = member_count(db, organization.id).await?;
    // The rows that reference the organisation go with it through the foreign keys' cascades;
    // memberships and team members are deleted explicitly as well, so no access outlives it even
    // where a cascade is not enforced.
    let txn = db.begin().await?;
    // Shared credentials go with the organisation, and their data keys are shredded.
    crate::entity::connections::Entity::delete_many()
        .filter(crate::entity::connections::Column::OrganizationId.eq(organization.id))
        .exec(&txn)
        .await?;
    let mut scopes = vec![crate::vault::KeyScope::Organization(organization.id)];
    scopes.extend(team_ids.iter().map(|id| crate::vault::KeyScope::Team(*id)));
    crate::vault::shred_scopes(&txn, &scopes).await?;
    organizations::Entity::delete_by_id(organization.id)
        .exec(&txn)
        .await?;
    team_members::Entity::delete_many()
        .filter(team_members::Column::TeamId.is_in(team_ids))
        .exec(&txn)
        .await?;
    memberships::Entity::delete_many()
        .filter(memberships::Column::OrganizationId.eq(organization.id))
        .exec(&txn)
        .await?;
    log_change(
        &txn,
        organization.id,
        user,
        (
            "organization.delete",
            format!("organization:{}", organization.id),
            Some(format!("“{}”, {members} member(s)", organization.name)),
        ),
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// An organisation as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationSummary {
    /// The organisation.
    pub organization: Organization,
    /// Its owner's name.
    pub owner: Option<String>,
    /// How many members it has.
    pub members: u64,
}

/// Every organisation, newest first (the operators' page).
pub async fn list_organizations(
    db: &DatabaseConnection,
) -> Result<Vec<OrganizationSummary>, DbErr> {
    let organizations = organizations::Entity::find()
        .order_by_desc(organizations::Column::CreatedAt)
        .all(db)
        .await?;
    let rows = memberships::Entity::find()
        .find_also_related(crate::entity::users::Entity)
        .all(db)
        .await?;
    Ok(organizations
        .into_iter()
        .map(|o| {
            let of_org = rows.iter().filter(|(m, _)| m.organization_id == o.id);
            let owner = of_org
                .clone()
                .find(|(m, _)| m.role == Role::Owner.as_str())
                .and_then(|(_, u)| u.as_ref().map(|u| u.display_name.clone()));
            OrganizationSummary {
                members: of_org.count() as u64,
                owner,
                organization: o.into(),
            }
        })
        .collect())
}

#[cfg(test)]
#[path = "organizations_tests.rs"]
mod tests;
