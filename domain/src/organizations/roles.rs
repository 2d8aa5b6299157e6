//! Roles and the permission matrix — the one place that says who may do what in an
//! organisation. `docs/roles.md` shows the same table (a test keeps the two equal).
//!
//! Every domain function that changes an organisation checks its [`Permission`] here, on the
//! membership read in the same request: a role change or removal takes effect on the next request.

use serde::{Deserialize, Serialize};

/// A member's role in their organisation. There is exactly one owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Created the organisation or received ownership; may do everything.
    Owner,
    /// Manages members, invitations, teams and shared connections.
    Admin,
    /// Uses what they are given.
    Member,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Member];

    /// Parses the stored or submitted form (`owner`, `admin`, `member`).
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// How the portal names it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
        }
    }

    /// Whether this role grants `permission` (the plan may still rule it out).
    pub fn can(self, permission: Permission) -> bool {
        MATRIX
            .iter()
            .find(|(p, _)| *p == permission)
            .is_some_and(|(_, allowed)| allowed[self as usize])
    }
}

/// Something a member may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the organisation, its members and teams.
    ViewOrganization,
    /// Call tools with the organisation's and their teams' shared connections.
    UseSharedConnections,
    /// Change members' roles (never to owner) and remove members (never the owner).
    ManageMembers,
    /// Create, list and revoke invite links.
    ManageInvitations,
    /// Create and delete teams and choose their members.
    ManageTeams,
    /// Connect and disconnect team and organisation credentials; edit the tool allowlists.
    ManageSharedConnections,
    /// Read and export the audit log.
    ViewAuditLog,
    /// Create, rotate and delete service clients (machine identities).
    ManageServiceClients,
    /// Rename the organisation.
    RenameOrganization,
    /// Upgrade the plan with an invite code.
    ChangePlan,
    /// Make another member the owner (the owner becomes an admin).
    TransferOwnership,
    /// Delete the organisation with its teams, invitations and shared credentials.
    DeleteOrganization,
}

/// The permission matrix: for each permission, whether owner, admin and member hold it.
pub const MATRIX: [(Permission, [bool; 3]); 12] = [
    (Permission::ViewOrganization, [true, true, true]),
    (Permission::UseSharedConnections, [true, true, true]),
    (Permission::ManageMembers, [true, true, false]),
    (Permission::ManageInvitations, [true, true, false]),
    (Permission::ManageTeams, [true, true, false]),
    (Permission::ManageSharedConnections, [true, true, false]),
    (Permission::ViewAuditLog, [true, true, false]),
    (Permission::ManageServiceClients, [true, true, false]),
    (Permission::RenameOrganization, [true, false, false]),
    (Permission::ChangePlan, [true, false, false]),
    (Permission::TransferOwnership, [true, false, false]),
    (Permission::DeleteOrganization, [true, false, false]),
];

impl Permission {
    /// How `docs/roles.md` names it.
    pub fn description(self) -> &'static str {
        match self {
            Permission::ViewOrganization => "See the organisation, its members and teams",
            Permission::UseSharedConnections => "Use shared connections through MCP",
            Permission::ManageMembers => {
                "Change roles (not to owner) and remove members (not the owner)"
            }
            Permission::ManageInvitations => "Create, list and revoke invite links",
            Permission::ManageTeams => "Create and delete teams, choose their members",
            Permission::ManageSharedConnections => {
                "Connect and disconnect shared connections, set tool access"
            }
            Permission::ViewAuditLog => "Read and export the audit log",
            Permission::ManageServiceClients => "Create, rotate and delete service clients",
            Permission::RenameOrganization => "Rename the organisation",
            Permission::ChangePlan => "Upgrade the plan with an invite code",
            Permission::TransferOwnership => "Transfer ownership",
            Permission::DeleteOrganization => "Delete the organisation",
        }
    }

    /// Why a member without it is refused, in words the portal shows.
    pub fn refusal(self) -> &'static str {
        if Role::Admin.can(self) {
            match self {
                Permission::ManageMembers => {
                    "Only the organisation's owner and admins can manage members."
                }
                Permission::ManageInvitations => {
                    "Only the organisation's owner and admins can manage invitations."
                }
                Permission::ManageTeams => {
                    "Only the organisation's owner and admins can manage teams."
                }
                Permission::ManageSharedConnections => {
                    "Only the organisation's owner and admins can manage shared connections and tool access."
                }
                Permission::ViewAuditLog => {
                    "Only the organisation's owner and admins can see the audit log."
                }
                _ => "Only the organisation's owner and admins can do this.",
            }
        } else {
            match self {
                Permission::RenameOrganization => "Only the organisation's owner can rename it.",
                Permission::ChangePlan => "Only the organisation's owner can change its plan.",
                Permission::TransferOwnership => {
                    "Only the organisation's owner can transfer ownership."
                }
                Permission::DeleteOrganization => "Only the organisation's owner can delete it.",
                _ => "Only the organisation's owner can do this.",
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_has_one_row_and_owners_hold_all() {
        for (index, (permission, allowed)) in MATRIX.iter().enumerate() {
            assert!(allowed[0], "{permission:?}: the owner may do everything");
            assert!(
                MATRIX[..index].iter().all(|(p, _)| p != permission),
                "{permission:?} listed twice"
            );
        }
        // Members hold exactly the two read/use permissions; admins everything but the owner's.
        let member: Vec<_> = MATRIX
            .iter()
            .filter(|(p, _)| Role::Member.can(*p))
            .map(|(p, _)| *p)
            .collect();
        assert_eq!(
            member,
            [
                Permission::ViewOrganization,
                Permission::UseSharedConnections
            ]
        );
        assert!(!Role::Admin.can(Permission::TransferOwnership));
        assert!(!Role::Admin.can(Permission::DeleteOrganization));
        assert!(Role::Admin.can(Permission::ManageMembers));
    }

    #[test]
    fn docs_roles_table_matches_the_matrix() {
        let docs = include_str!("../../../docs/roles.md");
        let mut expected =
            String::from("| Permission | Owner | Admin | Member |\n|---|---|---|---|\n");
        for (permission, allowed) in MATRIX {
            let mark = |a: bool| if a { "yes" } else { "no" };
            expected.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                permission.description(),
                mark(allowed[0]),
                mark(allowed[1]),
                mark(allowed[2])
            ));
        }
        assert!(
            docs.contains(&expected),
            "docs/roles.md must contain the permission table exactly:\n{expected}"
        );
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Owner"), None);
    }
}
