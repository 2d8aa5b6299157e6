//! Tool allowlists: the one policy function that decides whether a user may see and call a
//! vendor tool (the connections page shows its answer; `/v1/mcp` uses it for `tools/list` and
//! `tools/call`).
//!
//! An organisation may keep one allowlist per (subject, vendor), the subject being the whole
//! organisation, one of its teams, or a role (members, admins). A tool is allowed when every
//! layer allows it:
//! - organisation: the vendor's organisation-wide list contains it; without such a list, the
//!   organisation's default decides (allow, or deny-by-default);
//! - role: if the user's role has a list for the vendor, it contains the tool;
//! - teams: if any of the user's teams has a list for the vendor, one of those lists contains it.
//!
//! Owners are never restricted (they set the lists), and users outside any organisation have no
//! policy over their personal connections.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use crate::organizations::Role;

/// Whom an allowlist restricts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicySubject {
    /// Every member.
    Organization,
    /// The members of one team.
    Team(Uuid),
    /// Every member holding the role (member or admin; owners are never restricted).
    Role(Role),
}

impl PolicySubject {
    /// The stored key (`organization`, `team:<id>`, `role:<role>`).
    pub fn key(&self) -> String {
        match self {
            PolicySubject::Organization => "organization".into(),
            PolicySubject::Team(id) => format!("team:{id}"),
            PolicySubject::Role(role) => format!("role:{}", role.as_str()),
        }
    }

    /// Parses a stored or submitted key.
    pub fn parse(key: &str) -> Option<Self> {
        if key == "organization" {
            return Some(PolicySubject::Organization);
        }
        if let Some(id) = key.strip_prefix("team:") {
            return Uuid::parse_str(id).ok().map(PolicySubject::Team);
        }
        match key.strip_prefix("role:").and_then(Role::parse) {
            Some(Role::Owner) | None => None,
            Some(role) => Some(PolicySubject::Role(role)),
        }
    }
}

/// An organisation's allowlists, read once and consulted per tool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolPolicy {
    /// Without an organisation-wide list for a vendor, deny its tools.
    pub deny_by_default: bool,
    /// (subject, vendor) → allowed tool names.
    pub lists: BTreeMap<(PolicySubject, String), BTreeSet<String>>,
}

impl ToolPolicy {
    /// Whether a user with `role`, in `teams`, may see and call `vendor`'s `tool`.
    pub fn allows(&self, role: Role, teams: &[Uuid], vendor: &str, tool: &str) -> bool {
        if role == Role::Owner {
            return true;
        }
        let list = |subject: PolicySubject| self.lists.get(&(subject, vendor.to_owned()));
        let organization_ok = match list(PolicySubject::Organization) {
            Some(allowed) => allowed.contains(tool),
            None => !self.deny_by_default,
        };
        let role_ok = list(PolicySubject::Role(role)).is_none_or(|allowed| allowed.contains(tool));
        let team_lists: Vec<&BTreeSet<String>> = teams
            .iter()
            .filter_map(|team| list(PolicySubject::Team(*team)))
            .collect();
        let teams_ok = team_lists.is_empty() || team_lists.iter().any(|l| l.contains(tool));
        organization_ok && role_ok && teams_ok
    }

    /// The saved list for (subject, vendor), if any.
    pub fn list(&self, subject: PolicySubject, vendor: &str) -> Option<&BTreeSet<String>> {
        self.lists.get(&(subject, vendor.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn set(tools: &[&str]) -> BTreeSet<String> {
        tools.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn without_lists_everything_is_allowed_unless_denied_by_default() {
        let mut policy = ToolPolicy::default();
        assert!(policy.allows(Role::Member, &[], "autotask", "list_tickets"));
        policy.deny_by_default = true;
        assert!(!policy.allows(Role::Member, &[], "autotask", "list_tickets"));
        assert!(!policy.allows(Role::Admin, &[], "autotask", "list_tickets"));
        assert!(policy.allows(Role::Owner, &[], "autotask", "list_tickets"));
        policy.lists.insert(
            (PolicySubject::Organization, "autotask".into()),
            set(&["list_tickets"]),
        );
        assert!(policy.allows(Role::Member, &[], "autotask", "list_tickets"));
        assert!(!policy.allows(Role::Member, &[], "autotask", "create_ticket"));
    }

    #[test]
    fn every_layer_must_allow_and_owners_are_never_restricted() {
        let (red, blue, grey) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let mut policy = ToolPolicy::default();
        policy.lists.insert(
            (PolicySubject::Organization, "itglue".into()),
            set(&["a", "b", "c"]),
        );
        policy.lists.insert(
            (PolicySubject::Role(Role::Member), "itglue".into()),
            set(&["a", "b"]),
        );
        policy
            .lists
            .insert((PolicySubject::Team(red), "itglue".into()), set(&["a"]));
        policy
            .lists
            .insert((PolicySubject::Team(blue), "itglue".into()), set(&["b"]));
        let cases: &[(Role, &[Uuid], &str, bool)] = &[
            (Role::Member, &[], "a", true),
            (Role::Member, &[], "c", false), // the member list leaves c out
            (Role::Admin, &[], "c", true),   // no admin list
            (Role::Member, &[red], "a", true),
            (Role::Member, &[red], "b", false), // red's list leaves b out
            (Role::Member, &[red, blue], "b", true), // one of the teams allows it
            (Role::Member, &[grey], "b", true), // grey has no list
            (Role::Admin, &[red], "c", false),  // org allows, red does not
            (Role::Owner, &[red], "zzz", true),
            (Role::Member, &[], "d", false), // not in the organisation list
        ];
        for (role, teams, tool, expected) in cases {
            assert_eq!(
                policy.allows(*role, teams, "itglue", tool),
                *expected,
                "{role:?} {teams:?} {tool}"
            );
        }
        // Another vendor is untouched by these lists.
        assert!(policy.allows(Role::Member, &[red], "autotask", "c"));
    }

    #[test]
    fn subject_keys_round_trip_and_owner_lists_do_not_exist() {
        let team = Uuid::new_v4();
        for subject in [
            PolicySubject::Organization,
            PolicySubject::Team(team),
            PolicySubject::Role(Role::Member),
            PolicySubject::Role(Role::Admin),
        ] {
            assert_eq!(PolicySubject::parse(&subject.key()), Some(subject));
        }
        assert_eq!(PolicySubject::parse("role:owner"), None);
        assert_eq!(PolicySubject::parse("team:nope"), None);
        assert_eq!(PolicySubject::parse("user:1"), None);
    }
}
