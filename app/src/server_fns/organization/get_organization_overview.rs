use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// Whether an action is available: `None` when it is, else why not (role or plan), shown next
/// to the disabled control.
pub type Refusal = Option<String>;

/// What the caller may do, each with the reason when they may not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Change roles and remove members.
    pub manage_members: Refusal,
    /// Create and revoke invite links.
    pub manage_invitations: Refusal,
    /// Create and delete teams and choose their members.
    pub manage_teams: Refusal,
    /// Read the audit log.
    pub view_audit_log: Refusal,
    /// Transfer ownership.
    pub transfer_ownership: Refusal,
    /// Delete the organisation.
    pub delete_organization: Refusal,
    /// Upgrade with an invite code.
    pub change_plan: Refusal,
    /// Leave the organisation.
    pub leave: Refusal,
    /// Create, rotate and delete service clients.
    pub manage_service_clients: Refusal,
}

/// A service client row (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceClientRow {
    /// `svc_…`.
    pub client_id: String,
    /// What it is for.
    pub name: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last token issued (RFC 3339).
    pub last_used_at: Option<String>,
}

/// A member row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    /// User id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// "Owner", "Admin", "Member".
    pub role_label: String,
    /// Joined (RFC 3339).
    pub joined_at: String,
    /// Last request (RFC 3339).
    pub last_active_at: Option<String>,
    /// Teams, by name.
    pub teams: Vec<String>,
    /// Whether this is the caller.
    pub is_me: bool,
}

/// A team and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRow {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Members: (user id, name).
    pub members: Vec<(String, String)>,
}

/// An invite link row (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    /// Its id.
    pub id: String,
    /// "Member" or "Admin".
    pub role_label: String,
    /// Team it puts people in.
    pub team: Option<String>,
    /// Who created it.
    pub inviter: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Expires (RFC 3339).
    pub expires_at: String,
    /// "2 of 5" / "3 (no limit)".
    pub uses: String,
    /// `active`, `expired`, `revoked`, `used_up`.
    pub status: String,
}

/// Everything the organisation page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationOverview {
    /// The organisation's name.
    pub name: String,
    /// "Free" or "Pro".
    pub plan: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// The caller's role label.
    pub my_role: String,
    /// What the caller may do.
    pub can: Capabilities,
    /// Members, owner first.
    pub members: Vec<MemberRow>,
    /// Teams, by name.
    pub teams: Vec<TeamRow>,
    /// Invite links (only for those who manage them).
    pub invitations: Vec<InvitationRow>,
    /// Service clients (only for those who manage them).
    pub service_clients: Vec<ServiceClientRow>,
}

/// The caller's organisation, or `None` when they are in none.
#[server(endpoint = "organization/overview")]
pub async fn get_organization_overview() -> Result<Option<OrganizationOverview>, PortalError> {
    use super::rfc3339;
    use crate::state::db_error;
    use domain::organizations::{self as orgs, InvitationStatus, Permission, Role};
    let (state, user, _, now) = super::caller()?;
    let Some(membership) = orgs::membership(&state.db, user.id)
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    let refusal = |p: Permission| membership.check(p).err().map(|e| e.to_string());
    let can = Capabilities {
        manage_members: refusal(Permission::ManageMembers),
        manage_invitations: refusal(Permission::ManageInvitations),
        manage_teams: refusal(Permission::ManageTeams),
        view_audit_log: refusal(Permission::ViewAuditLog),
        transfer_ownership: refusal(Permission::TransferOwnership),
        delete_organization: refusal(Permission::DeleteOrganization),
        change_plan: refusal(Permission::ChangePlan),
        manage_service_clients: refusal(Permission::ManageServiceClients),
        leave: (membership.role == Role::Owner).then(|| {
            "You own this organisation: transfer ownership to another member first, or delete the organisation."
                .to_owned()
        }),
    };
    let organization_id = membership.organization.id;
    let members = orgs::list_members(&state.db, organization_id)
        .await
        .map_err(db_error)?;
    let teams = orgs::list_teams(&state.db, organization_id)
        .await
        .map_err(db_error)?;
    let invitations = if can.manage_invitations.is_none() {
        orgs::list_invitations(&state.db, organization_id, now)
            .await
            .map_err(db_error)?
    } else {
        Vec::new()
    };
    let service_clients = if can.manage_service_clients.is_none() {
        domain::oauth::service_clients::list(&state.db, &user)
            .await
            .map_err(crate::state::org_error)?
    } else {
        Vec::new()
    };
    Ok(Some(OrganizationOverview {
        service_clients: service_clients
            .into_iter()
            .map(|c| ServiceClientRow {
                client_id: c.id,
                name: c.name,
                created_at: rfc3339(c.created_at),
                last_used_at: c.last_used_at.map(rfc3339),
            })
            .collect(),
        name: membership.organization.name.clone(),
        plan: membership.organization.plan.label().to_owned(),
        created_at: rfc3339(membership.organization.created_at),
        my_role: membership.role.label().to_owned(),
        members: members
            .into_iter()
            .map(|m| MemberRow {
                is_me: m.user_id == user.id,
                user_id: m.user_id.to_string(),
                name: m.display_name,
                email: m.email,
                role: m.role.as_str().to_owned(),
                role_label: m.role.label().to_owned(),
                joined_at: rfc3339(m.joined_at),
                last_active_at: m.last_active_at.map(rfc3339),
                teams: m.teams,
            })
            .collect(),
        teams: teams
            .into_iter()
            .map(|t| TeamRow {
                id: t.id.to_string(),
                name: t.name,
                members: t
                    .members
                    .into_iter()
                    .map(|(id, name)| (id.to_string(), name))
                    .collect(),
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id.to_string(),
                role_label: i.role.label().to_owned(),
                team: i.team,
                inviter: i.inviter_name,
                created_at: rfc3339(i.created_at),
                expires_at: rfc3339(i.expires_at),
                uses: match i.max_uses {
                    Some(max) => format!("{} of {max}", i.uses),
                    None => format!("{} (no limit)", i.uses),
                },
                status: match i.status {
                    InvitationStatus::Active => "active",
                    InvitationStatus::Expired => "expired",
                    InvitationStatus::Revoked => "revoked",
                    InvitationStatus::UsedUp => "used_up",
                }
                .to_owned(),
            })
            .collect(),
        can,
    }))
}
