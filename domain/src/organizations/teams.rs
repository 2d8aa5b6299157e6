//! Teams: groups of an organisation's members. They scope shared credentials and tool access
//! (used by the connections and MCP work); here they are created, deleted and given members.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
    SqlErr, TransactionTrait,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{authorize, log_change, OrgError, Permission, TeamName};
use crate::{
    audit::RequestContext,
    entity::{memberships, team_members, teams, users},
    users::User,
};

/// A team and its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its members: (user id, name), by name.
    pub members: Vec<(Uuid, String)>,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// The teams of an organisation, by name.
pub async fn list_teams(
    db: &DatabaseConnection,
    organization_id: Uuid,
) -> Result<Vec<Team>, DbErr> {
    let rows = teams::Entity::find()
        .filter(teams::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?;
    let placements = team_members::Entity::find()
        .filter(team_members::Column::TeamId.is_in(rows.iter().map(|t| t.id)))
        .find_also_related(users::Entity)
        .all(db)
        .await?;
    let mut list: Vec<Team> = rows
        .into_iter()
        .map(|t| {
            let mut members: Vec<(Uuid, String)> = placements
                .iter()
                .filter(|(p, _)| p.team_id == t.id)
                .filter_map(|(p, u)| u.as_ref().map(|u| (p.user_id, u.display_name.clone())))
                .collect();
            members.sort_by_key(|(_, name)| name.to_lowercase());
            Team {
                id: t.id,
                name: t.name,
                members,
                created_at: t.created_at,
            }
        })
        .collect();
    list.sort_by_key(|t| t.name.to_lowercase());
    Ok(list)
}

fn no_such_team() -> OrgError {
    OrgError::NotFound(
        "That team does not exist in your organisation (it may have been deleted).".into(),
    )
}

/// The team `team_id` if it belongs to `organization_id`.
async fn team_in<C: sea_orm::ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    team_id: Uuid,
) -> Result<teams::Model, OrgError> {
    teams::Entity::find_by_id(team_id)
        .filter(teams::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(no_such_team)
}

/// Checks `team_id` belongs to `organization_id` (for invitations naming a team).
pub(crate) async fn require_team<C: sea_orm::ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    team_id: Uuid,
) -> Result<String, OrgError> {
    Ok(team_in(db, organization_id, team_id).await?.name)
}

/// Creates a team.
pub async fn create_team(
    db: &DatabaseConnection,
    user: &User,
    name: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<Team, OrgError> {
    let membership = authorize(db, user.id, Permission::ManageTeams).await?;
    let organization_id = membership.organization.id;
    let name = TeamName::parse(name).map_err(|e| OrgError::Invalid(e.to_string()))?;
    let txn = db.begin().await?;
    let inserted = teams::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        name: Set(name.as_str().to_owned()),
        name_key: Set(name.key()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    let team = match inserted {
        Ok(team) => team,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            return Err(OrgError::Invalid(format!(
                "A team named “{name}” already exists."
            )));
        }
        Err(e) => return Err(e.into()),
    };
    log_change(
        &txn,
        organization_id,
        user,
        (
            "team.create",
            format!("team:{}", team.id),
            Some(format!("“{name}”")),
        ),
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Team {
        id: team.id,
        name: team.name,
        members: Vec::new(),
        created_at: team.created_at,
    })
}

/// Deletes a team; its members stay in the organisation.
pub async fn delete_team(
    db: &DatabaseConnection,
    user: &User,
    team_id: Uuid,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership = authorize(db, user.id, Permission::ManageTeams).await?;
    let organization_id = membership.organization.id;
    let team = team_in(db, organization_id, team_id).await?;
    let txn = db.begin().await?;
    team_members::Entity::delete_many()
        .filter(team_members::Column::TeamId.eq(team.id))
        .exec(&txn)
        .await?;
    // The team's connections go with it, and their data key is shredded.
    crate::entity::connections::Entity::delete_many()
        .filter(crate::entity::connections::Column::TeamId.eq(team.id))
        .exec(&txn)
        .await?;
    crate::vault::shred_scopes(&txn, &[crate::vault::KeyScope::Team(team.id)]).await?;
    let deleted = teams::Entity::delete_many()
        .filter(teams::Column::Id.eq(team.id))
        .filter(teams::Column::OrganizationId.eq(organization_id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected != 1 {
        txn.rollback().await?;
        return Err(no_such_team());
    }
    log_change(
        &txn,
        organization_id,
        user,
        (
            "team.delete",
            format!("team:{}", team.id),
            Some(format!("“{}”", team.name)),
        ),
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// Puts a member of the organisation into one of its teams.
pub async fn add_team_member(
    db: &DatabaseConnection,
    user: &User,
    team_id: Uuid,
    member: Uuid,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership = authorize(db, user.id, Permission::ManageTeams).await?;
    let organization_id = membership.organization.id;
    let team = team_in(db, organization_id, team_id).await?;
    let (_, person) = memberships::Entity::find_by_id(member)
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .find_also_related(users::Entity)
        .one(db)
        .await?
        .ok_or_else(|| {
            OrgError::NotFound("That person is not a member of your organisation.".into())
        })?;
    let name = person.map(|p| p.display_name).unwrap_or_default();
    let txn = db.begin().await?;
    let inserted = team_members::ActiveModel {
        team_id: Set(team.id),
        user_id: Set(member),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            return Err(OrgError::Invalid(format!(
                "{name} is already in “{}”.",
                team.name
            )));
        }
        Err(e) => return Err(e.into()),
    }
    log_change(
        &txn,
        organization_id,
        user,
        (
            "team.member_add",
            format!("team:{} user:{member}", team.id),
            Some(format!("{name} → “{}”", team.name)),
        ),
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// Takes a member out of a team (they stay in the organisation).
pub async fn remove_team_member(
    db: &DatabaseConnection,
    user: &User,
    team_id: Uuid,
    member: Uuid,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let membership = authorize(db, user.id, Permission::ManageTeams).await?;
    let organization_id = membership.organization.id;
    let team = team_in(db, organization_id, team_id).await?;
    let txn = db.begin().await?;
    let deleted = team_members::Entity::delete_many()
        .filter(team_members::Column::TeamId.eq(team.id))
        .filter(team_members::Column::UserId.eq(member))
        .exec(&txn)
        .await?;
    if deleted.rows_affected != 1 {
        txn.rollback().await?;
        return Err(OrgError::NotFound(format!(
            "That person is not in “{}”.",
            team.name
        )));
    }
    log_change(
        &txn,
        organization_id,
        user,
        (
            "team.member_remove",
            format!("team:{} user:{member}", team.id),
            Some(format!("from “{}”", team.name)),
        ),
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}
