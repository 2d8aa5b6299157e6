//! The caller's standing, read fresh per operation: organisation, role, plan and teams.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::TeamRef;
use crate::{
    entity::{team_members, teams},
    organizations::{self, Membership, Permission},
};

/// Who is asking, and what they may do with connections.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user.
    pub user_id: Uuid,
    /// Their membership, if they are in an organisation.
    pub membership: Option<Membership>,
    /// The teams they belong to, by name.
    pub teams: Vec<TeamRef>,
    /// Every team of the organisation (for owners and admins, who manage their connections).
    pub organization_teams: Vec<TeamRef>,
}

impl Caller {
    /// Reads the caller's standing.
    pub async fn load<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<Self, DbErr> {
        let membership = organizations::membership(db, user_id).await?;
        let (teams, organization_teams) = match &membership {
            Some(m) => {
                let all: Vec<TeamRef> = teams::Entity::find()
                    .filter(teams::Column::OrganizationId.eq(m.organization.id))
                    .order_by_asc(teams::Column::NameKey)
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|t| TeamRef {
                        id: t.id,
                        name: t.name,
                    })
                    .collect();
                let mine: Vec<Uuid> = team_members::Entity::find()
                    .filter(team_members::Column::UserId.eq(user_id))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|m| m.team_id)
                    .collect();
                let teams = all
                    .iter()
                    .filter(|t| mine.contains(&t.id))
                    .cloned()
                    .collect();
                (teams, all)
            }
            None => (Vec::new(), Vec::new()),
        };
        Ok(Self {
            user_id,
            membership,
            teams,
            organization_teams,
        })
    }

    /// Whether team and organisation connections apply to this user (plan and role).
    pub fn shared_allowed(&self) -> bool {
        self.membership.as_ref().is_some_and(|m| {
            m.check(Permission::UseSharedConnections).is_ok()
                && m.organization.plan.limits().shared_connections
        })
    }

    /// Why the caller may not manage shared connections, if they may not.
    pub fn shared_refusal(&self) -> Option<String> {
        match &self.membership {
            None => Some(
                "Team and organisation connections belong to an organisation; create one or join one first (Settings)."
                    .into(),
            ),
            Some(m) => m
                .check(Permission::ManageSharedConnections)
                .err()
                .map(|e| e.to_string()),
        }
    }

    /// The organisation id, if any.
    pub fn organization_id(&self) -> Option<Uuid> {
        self.membership.as_ref().map(|m| m.organization.id)
    }
}
