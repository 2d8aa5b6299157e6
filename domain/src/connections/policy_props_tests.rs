//! Property tests of the two authorisation decisions of MCP-3, each against a small model written
//! independently of the code: which connection a user's tools use ([`resolve`]), and whether a
//! tool is allowed ([`ToolPolicy::allows`]). The generators build whole worlds (organisations,
//! teams with colliding names, other users' credentials, stale defaults, lists for other
//! vendors, roles and teams) so the properties see what a user may *not* use, too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::{collection::vec, prelude::*, sample::select};
use time::{macros::datetime, Duration};
use uuid::Uuid;

use super::{
    resolve, Candidate, PolicySubject, Reason, Resolution, Subject, TeamRef, Tier, ToolPolicy,
};
use crate::organizations::Role;

const SLUGS: [&str; 3] = ["autotask", "itglue", "ninjaone"];
/// Names that collide without regard to case, so the "first team by name" rule meets ties.
const TEAM_NAMES: [&str; 4] = ["Red", "red", "blue", "Alpha"];
const TOOLS: [&str; 4] = ["list", "get", "create", "delete"];

/// The ids every generated value refers to: the user, another user, the user's organisation,
/// another organisation, and six teams (the user belongs to some of them).
struct Ids {
    user: Uuid,
    other_user: Uuid,
    org: Uuid,
    other_org: Uuid,
    teams: [Uuid; 6],
}

impl Ids {
    fn new() -> Self {
        Self {
            user: Uuid::new_v4(),
            other_user: Uuid::new_v4(),
            org: Uuid::new_v4(),
            other_org: Uuid::new_v4(),
            teams: std::array::from_fn(|_| Uuid::new_v4()),
        }
    }
}

/// One generated candidate: tier, which owner (interpreted per tier), slug, creation minute.
type CandidateSpec = (u8, u8, u8, u8);

fn candidate_of(ids: &Ids, (tier, owner, slug, minute): CandidateSpec) -> Candidate {
    let (tier, owner_id) = match tier % 3 {
        0 => (
            Tier::Personal,
            [ids.user, ids.other_user][owner as usize % 2],
        ),
        1 => (Tier::Team, ids.teams[owner as usize % 6]),
        _ => (
            Tier::Organization,
            [ids.org, ids.other_org][owner as usize % 2],
        ),
    };
    Candidate {
        id: Uuid::new_v4(),
        tier,
        owner_id,
        slug: SLUGS[slug as usize % 3].to_owned(),
        // Few distinct minutes: equal creation times meet the id tie-break.
        created_at: datetime!(2026-12-01 10:00 UTC) + Duration::minutes(i64::from(minute % 3)),
    }
}

/// The model: may the subject use this candidate at all?
fn model_usable(subject: &Subject, c: &Candidate) -> bool {
    match c.tier {
        Tier::Personal => c.owner_id == subject.user_id,
        Tier::Team => subject.shared_allowed && subject.teams.iter().any(|t| t.id == c.owner_id),
        Tier::Organization => subject.shared_allowed && subject.organization_id == Some(c.owner_id),
    }
}

/// The model's preference: the smallest key wins. Personal before team before organisation;
/// among teams the user's default for the slug first, then the team's name without regard to
/// case; then the oldest, then the smallest id.
fn model_key(subject: &Subject, c: &Candidate) -> (u8, bool, String, time::OffsetDateTime, Uuid) {
    let (rank, not_default, name) = match c.tier {
        Tier::Personal => (0, false, String::new()),
        Tier::Team => (
            1,
            subject.defaults.get(&c.slug) != Some(&c.id),
            team_name(subject, c).to_lowercase(),
        ),
        Tier::Organization => (2, false, String::new()),
    };
    (rank, not_default, name, c.created_at, c.id)
}

fn team_name(subject: &Subject, c: &Candidate) -> String {
    subject
        .teams
        .iter()
        .find(|t| t.id == c.owner_id)
        .map(|t| t.name.clone())
        .unwrap_or_default()
}

/// What the model expects for one slug, if anything is usable.
fn model_resolution(subject: &Subject, slug: &str, all: &[Candidate]) -> Option<Resolution> {
    let usable: Vec<&Candidate> = all
        .iter()
        .filter(|c| c.slug == slug && model_usable(subject, c))
        .collect();
    let chosen = *usable.iter().min_by_key(|c| model_key(subject, c))?;
    let teams_on_offer = usable.iter().filter(|c| c.tier == Tier::Team).count();
    let reason = match chosen.tier {
        Tier::Personal => Reason::Personal,
        Tier::Organization => Reason::Organization,
        Tier::Team if teams_on_offer == 1 => Reason::OnlyTeam {
            team: team_name(subject, chosen),
        },
        Tier::Team if subject.defaults.get(slug) == Some(&chosen.id) => Reason::ChosenDefault {
            team: team_name(subject, chosen),
        },
        Tier::Team => Reason::FirstTeam {
            team: team_name(subject, chosen),
            offered_by: teams_on_offer,
        },
    };
    let mut overridden: Vec<Uuid> = usable
        .iter()
        .map(|c| c.id)
        .filter(|id| *id != chosen.id)
        .collect();
    overridden.sort();
    Some(Resolution {
        slug: slug.to_owned(),
        chosen: chosen.id,
        tier: chosen.tier,
        reason,
        overridden,
    })
}

/// Candidates, the teams the user is in, in an organisation, shared allowed, defaults.
type WorldSpec = (Vec<CandidateSpec>, Vec<u8>, bool, bool, Vec<(u8, u8)>);

fn world() -> impl Strategy<Value = WorldSpec> {
    (
        vec(any::<CandidateSpec>(), 0..16),
        // Which of the six teams the user is in.
        vec(0u8..6, 0..5),
        // In an organisation at all; shared tiers allowed.
        any::<bool>(),
        any::<bool>(),
        // Defaults: (slug, index of a candidate, or past the end: an id not on offer).
        vec((0u8..3, 0u8..20), 0..4),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The resolution of every slug equals the model's: the connection chosen, its tier, the
    /// reason shown, and the overridden ones; nothing else is resolved.
    #[test]
    fn resolution_equals_the_model(
        (specs, member_of, in_org, shared_allowed, defaults) in world(),
    ) {
        let ids = Ids::new();
        let candidates: Vec<Candidate> = specs.iter().map(|s| candidate_of(&ids, *s)).collect();
        let teams: Vec<TeamRef> = member_of
            .iter()
            .copied()
            .collect::<BTreeSet<u8>>()
            .into_iter()
            .map(|i| TeamRef {
                id: ids.teams[i as usize],
                name: TEAM_NAMES[i as usize % 4].to_owned(),
            })
            .collect();
        let defaults: BTreeMap<String, Uuid> = defaults
            .iter()
            .map(|(slug, i)| {
                let id = candidates.get(*i as usize).map_or_else(Uuid::new_v4, |c| c.id);
                (SLUGS[*slug as usize].to_owned(), id)
            })
            .collect();
        let subject = Subject {
            user_id: ids.user,
            organization_id: in_org.then_some(ids.org),
            teams,
            shared_allowed,
            defaults,
        };

        let got = resolve(&subject, &candidates);

        let expected: Vec<Resolution> = SLUGS
            .iter()
            .filter_map(|slug| model_resolution(&subject, slug, &candidates))
            .collect();
        prop_assert_eq!(got, expected);
    }
}

/// One generated allowlist: subject (organisation, a role, or one of the six teams), vendor,
/// and the tools it allows (a bit mask over [`TOOLS`]).
type ListSpec = (u8, u8, u8);

fn subject_of(ids: &Ids, which: u8) -> PolicySubject {
    match which % 9 {
        0 => PolicySubject::Organization,
        1 => PolicySubject::Role(Role::Admin),
        2 => PolicySubject::Role(Role::Member),
        n => PolicySubject::Team(ids.teams[usize::from(n - 3)]),
    }
}

/// The model, as an administrator reads the page: an owner may do everything; anyone else is
/// refused a tool when the organisation's list for the vendor leaves it out (or, without one,
/// the default is deny), when their role's list leaves it out, or when *every* list of their
/// teams leaves it out.
fn model_allows(policy: &ToolPolicy, role: Role, teams: &[Uuid], vendor: &str, tool: &str) -> bool {
    if role == Role::Owner {
        return true;
    }
    let mut refusals = 0;
    let mut team_lists = 0;
    let mut team_grants = 0;
    for ((subject, list_vendor), tools) in &policy.lists {
        if list_vendor != vendor {
            continue;
        }
        match subject {
            PolicySubject::Organization if !tools.contains(tool) => refusals += 1,
            PolicySubject::Role(r) if *r == role && !tools.contains(tool) => refusals += 1,
            PolicySubject::Team(t) if teams.contains(t) => {
                team_lists += 1;
                if tools.contains(tool) {
                    team_grants += 1;
                }
            }
            _ => {}
        }
    }
    let org_list = policy
        .lists
        .contains_key(&(PolicySubject::Organization, vendor.to_owned()));
    if !org_list && policy.deny_by_default {
        refusals += 1;
    }
    if team_lists > 0 && team_grants == 0 {
        refusals += 1;
    }
    refusals == 0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// For every role, vendor and tool, `allows` equals the model.
    #[test]
    fn allowlist_decisions_equal_the_model(
        lists in vec(any::<ListSpec>(), 0..10),
        deny_by_default in any::<bool>(),
        role in select(Role::ALL.to_vec()),
        member_of in vec(0usize..6, 0..4),
    ) {
        let ids = Ids::new();
        let mut policy = ToolPolicy { deny_by_default, ..ToolPolicy::default() };
        for (subject, vendor, mask) in lists {
            let tools: BTreeSet<String> = TOOLS
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, t)| (*t).to_owned())
                .collect();
            policy
                .lists
                .insert((subject_of(&ids, subject), SLUGS[vendor as usize % 3].to_owned()), tools);
        }
        let teams: Vec<Uuid> = member_of.iter().map(|i| ids.teams[*i]).collect();
        for vendor in SLUGS {
            for tool in TOOLS.iter().chain(&["not_listed_anywhere"]) {
                prop_assert_eq!(
                    policy.allows(role, &teams, vendor, tool),
                    model_allows(&policy, role, &teams, vendor, tool),
                    "{:?} in {:?}: {} {}", role, teams, vendor, tool
                );
            }
        }
    }
}
