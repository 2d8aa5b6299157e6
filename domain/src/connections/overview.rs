//! What the connections page shows: the caller's personal connections, their teams' and their
//! organisation's, which connection is in effect for every slug and why, and what the caller may
//! do (with the reason when they may not).

use std::collections::BTreeMap;

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{context::Caller, resolve, Candidate, Reason, Subject, TeamRef, Tier};
use crate::{
    entity::{connection_defaults, connections},
    organizations::Role,
};

/// One connection as the page shows it (never a secret: a masked hint at most).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// Its id.
    pub id: Uuid,
    /// Its tier.
    pub tier: Tier,
    /// The team, for team connections.
    pub team: Option<TeamRef>,
    /// Catalog slug of the vendor.
    pub vendor: String,
    /// Tool prefix.
    pub slug: String,
    /// Label.
    pub name: String,
    /// Non-secret form values (region, URL…).
    pub settings: BTreeMap<String, String>,
    /// Masked hint of the secret.
    pub secret_hint: String,
    /// `ok`, `failing` or `unchecked`.
    pub status: String,
    /// Last check.
    pub last_checked_at: Option<OffsetDateTime>,
    /// Its class (`authenticated`, `rejected`, …).
    pub last_check_class: Option<String>,
    /// What it said.
    pub last_check_message: Option<String>,
    /// Who connected it.
    pub created_by_name: String,
    /// When.
    pub created_at: OffsetDateTime,
    /// Whether the caller may edit and delete it.
    pub can_manage: bool,
}

/// The connection in effect for one slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveInfo {
    /// The slug (tool prefix).
    pub slug: String,
    /// The connection used.
    pub connection_id: Uuid,
    /// Its tier.
    pub tier: Tier,
    /// Why it is the one.
    pub reason: Reason,
    /// Overridden connections of the same slug.
    pub overridden: Vec<Uuid>,
    /// Team connections the caller may choose as default for this slug (empty: no choice).
    pub choices: Vec<(Uuid, String)>,
    /// The caller's current default, if set and still on offer.
    pub chosen_default: Option<Uuid>,
}

/// The page's data.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The caller's organisation (name), if any.
    pub organization: Option<String>,
    /// Their role there.
    pub role: Option<Role>,
    /// Personal connections.
    pub personal: Vec<ConnectionInfo>,
    /// Teams with their connections: the caller's teams, or every team for owners and admins.
    pub teams: Vec<(TeamRef, Vec<ConnectionInfo>)>,
    /// Organisation connections.
    pub organization_connections: Vec<ConnectionInfo>,
    /// In effect, per slug.
    pub effective: Vec<EffectiveInfo>,
    /// Personal connections allowed by the plan (`None`: unlimited).
    pub personal_limit: Option<u64>,
    /// Why the caller cannot add team/organisation connections, if they cannot.
    pub shared_refusal: Option<String>,
    /// Whether shared connections apply to the caller at all (plan).
    pub shared_allowed: bool,
}

fn info(row: &connections::Model, caller: &Caller) -> ConnectionInfo {
    let tier = Tier::parse(&row.tier).unwrap_or(Tier::Personal);
    ConnectionInfo {
        id: row.id,
        tier,
        team: row.team_id.and_then(|id| {
            caller
                .organization_teams
                .iter()
                .find(|t| t.id == id)
                .cloned()
        }),
        vendor: row.vendor.clone(),
        slug: row.slug.clone(),
        name: row.name.clone(),
        settings: serde_json::from_str(&row.settings).unwrap_or_default(),
        secret_hint: row.secret_hint.clone(),
        status: row.status.clone(),
        last_checked_at: row.last_checked_at,
        last_check_class: row.last_check_class.clone(),
        last_check_message: row.last_check_message.clone(),
        created_by_name: row.created_by_name.clone(),
        created_at: row.created_at,
        can_manage: tier == Tier::Personal || caller.shared_refusal().is_none(),
    }
}

/// Every connection row the caller can see (their own, their organisation's, and their teams' —
/// every team's for owners and admins).
pub(crate) async fn visible_rows<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
) -> Result<Vec<connections::Model>, DbErr> {
    let mut condition = Condition::any().add(
        Condition::all()
            .add(connections::Column::Tier.eq(Tier::Personal.as_str()))
            .add(connections::Column::OwnerId.eq(caller.user_id)),
    );
    if let Some(organization) = caller.organization_id() {
        condition = condition.add(
            Condition::all()
                .add(connections::Column::Tier.eq(Tier::Organization.as_str()))
                .add(connections::Column::OwnerId.eq(organization)),
        );
        let teams: Vec<Uuid> = if caller.shared_refusal().is_none() {
            caller.organization_teams.iter().map(|t| t.id).collect()
        } else {
            caller.teams.iter().map(|t| t.id).collect()
        };
        if !teams.is_empty() {
            condition = condition.add(
                Condition::all()
                    .add(connections::Column::Tier.eq(Tier::Team.as_str()))
                    .add(connections::Column::OwnerId.is_in(teams)),
            );
        }
    }
    connections::Entity::find()
        .filter(condition)
        .order_by_asc(connections::Column::Slug)
        .order_by_asc(connections::Column::CreatedAt)
        .all(db)
        .await
}

/// The resolution subject for the caller, with their defaults.
pub(crate) async fn subject<C: ConnectionTrait>(db: &C, caller: &Caller) -> Result<Subject, DbErr> {
    let defaults = connection_defaults::Entity::find()
        .filter(connection_defaults::Column::UserId.eq(caller.user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.slug, d.connection_id))
        .collect();
    Ok(Subject {
        user_id: caller.user_id,
        organization_id: caller.organization_id(),
        teams: caller.teams.clone(),
        shared_allowed: caller.shared_allowed(),
        defaults,
    })
}

/// The candidates resolution considers, from visible rows.
pub(crate) fn candidates(rows: &[connections::Model]) -> Vec<Candidate> {
    rows.iter()
        .filter_map(|row| {
            Some(Candidate {
                id: row.id,
                tier: Tier::parse(&row.tier)?,
                owner_id: row.owner_id,
                slug: row.slug.clone(),
                created_at: row.created_at,
            })
        })
        .collect()
}

/// Reads the page's data for `user_id`.
pub async fn overview<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<Overview, DbErr> {
    let caller = Caller::load(db, user_id).await?;
    let rows = visible_rows(db, &caller).await?;
    let subject = subject(db, &caller).await?;
    let effective = resolve(&subject, &candidates(&rows))
        .into_iter()
        .map(|r| {
            let choices: Vec<(Uuid, String)> = rows
                .iter()
                .filter(|row| row.slug == r.slug && row.tier == Tier::Team.as_str())
                .filter_map(|row| {
                    caller
                        .teams
                        .iter()
                        .find(|t| t.id == row.owner_id)
                        .map(|t| (row.id, t.name.clone()))
                })
                .collect();
            let chosen_default = subject
                .defaults
                .get(&r.slug)
                .copied()
                .filter(|id| choices.iter().any(|(c, _)| c == id));
            EffectiveInfo {
                slug: r.slug,
                connection_id: r.chosen,
                tier: r.tier,
                reason: r.reason,
                overridden: r.overridden,
                choices: if choices.len() > 1 {
                    choices
                } else {
                    Vec::new()
                },
                chosen_default,
            }
        })
        .collect();
    let of_tier = |tier: Tier| -> Vec<ConnectionInfo> {
        rows.iter()
            .filter(|r| r.tier == tier.as_str())
            .map(|r| info(r, &caller))
            .collect()
    };
    let team_connections = of_tier(Tier::Team);
    let listed_teams = if caller.shared_refusal().is_none() {
        caller.organization_teams.clone()
    } else {
        caller.teams.clone()
    };
    let teams = listed_teams
        .into_iter()
        .map(|team| {
            let connections = team_connections
                .iter()
                .filter(|c| c.team.as_ref().is_some_and(|t| t.id == team.id))
                .cloned()
                .collect();
            (team, connections)
        })
        .collect();
    let plan = caller
        .membership
        .as_ref()
        .map_or(crate::organizations::Plan::Free, |m| m.organization.plan);
    Ok(Overview {
        organization: caller
            .membership
            .as_ref()
            .map(|m| m.organization.name.clone()),
        role: caller.membership.as_ref().map(|m| m.role),
        personal: of_tier(Tier::Personal),
        teams,
        organization_connections: of_tier(Tier::Organization),
        effective,
        personal_limit: plan.limits().max_personal_connections,
        shared_refusal: caller.shared_refusal(),
        shared_allowed: caller.shared_allowed(),
    })
}
