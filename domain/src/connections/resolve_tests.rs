#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use time::macros::datetime;

use super::*;

fn team(name: &str) -> TeamRef {
    TeamRef {
        id: Uuid::new_v4(),
        name: name.into(),
    }
}

fn candidate(tier: Tier, owner: Uuid, slug: &str) -> Candidate {
    Candidate {
        id: Uuid::new_v4(),
        tier,
        owner_id: owner,
        slug: slug.into(),
        created_at: datetime!(2026-12-01 10:00 UTC),
    }
}

struct World {
    user: Uuid,
    org: Uuid,
    red: TeamRef,
    blue: TeamRef,
    other_team: TeamRef,
}

fn world() -> World {
    World {
        user: Uuid::new_v4(),
        org: Uuid::new_v4(),
        red: team("Red"),
        blue: team("blue"),
        other_team: team("Alpha (not mine)"),
    }
}

fn subject(w: &World, teams: Vec<TeamRef>, shared_allowed: bool) -> Subject {
    Subject {
        user_id: w.user,
        organization_id: Some(w.org),
        teams,
        shared_allowed,
        defaults: BTreeMap::new(),
    }
}

#[test]
fn personal_overrides_team_and_organisation() {
    let w = world();
    let personal = candidate(Tier::Personal, w.user, "autotask");
    let shared = candidate(Tier::Team, w.red.id, "autotask");
    let org = candidate(Tier::Organization, w.org, "autotask");
    let out = resolve(
        &subject(&w, vec![w.red.clone()], true),
        &[org.clone(), shared.clone(), personal.clone()],
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].chosen, personal.id);
    assert_eq!(out[0].reason, Reason::Personal);
    let mut expected = vec![shared.id, org.id];
    expected.sort();
    assert_eq!(out[0].overridden, expected);
}

#[test]
fn a_single_team_connection_beats_the_organisation() {
    let w = world();
    let shared = candidate(Tier::Team, w.red.id, "itglue");
    let org = candidate(Tier::Organization, w.org, "itglue");
    let out = resolve(
        &subject(&w, vec![w.red.clone()], true),
        &[org, shared.clone()],
    );
    assert_eq!(out[0].chosen, shared.id);
    assert_eq!(out[0].reason, Reason::OnlyTeam { team: "Red".into() });
}

#[test]
fn between_teams_the_users_default_decides_else_the_first_by_name() {
    let w = world();
    let red = candidate(Tier::Team, w.red.id, "ninjaone");
    let blue = candidate(Tier::Team, w.blue.id, "ninjaone");
    let mut s = subject(&w, vec![w.red.clone(), w.blue.clone()], true);
    let out = resolve(&s, &[red.clone(), blue.clone()]);
    // "blue" sorts before "Red" without regard to case.
    assert_eq!(out[0].chosen, blue.id);
    assert_eq!(
        out[0].reason,
        Reason::FirstTeam {
            team: "blue".into(),
            offered_by: 2
        }
    );
    assert!(out[0].reason.explain().contains("Choose a default"));
    s.defaults.insert("ninjaone".into(), red.id);
    let out = resolve(&s, &[red.clone(), blue.clone()]);
    assert_eq!(out[0].chosen, red.id);
    assert_eq!(out[0].reason, Reason::ChosenDefault { team: "Red".into() });
    // A default naming a connection that is not on offer is ignored.
    s.defaults.insert("ninjaone".into(), Uuid::new_v4());
    assert_eq!(resolve(&s, &[red, blue.clone()])[0].chosen, blue.id);
}

#[test]
fn connections_the_user_may_not_use_are_never_chosen() {
    let w = world();
    let someone_else = candidate(Tier::Personal, Uuid::new_v4(), "autotask");
    let not_my_team = candidate(Tier::Team, w.other_team.id, "autotask");
    let other_org = candidate(Tier::Organization, Uuid::new_v4(), "autotask");
    let out = resolve(
        &subject(&w, vec![w.red.clone()], true),
        &[someone_else, not_my_team, other_org],
    );
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn shared_tiers_do_not_apply_when_the_plan_or_role_rules_them_out() {
    let w = world();
    let shared = candidate(Tier::Team, w.red.id, "itglue");
    let org = candidate(Tier::Organization, w.org, "autotask");
    let personal = candidate(Tier::Personal, w.user, "demo");
    let out = resolve(
        &subject(&w, vec![w.red.clone()], false),
        &[shared, org, personal.clone()],
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].chosen, personal.id);
}

#[test]
fn a_user_without_an_organisation_gets_only_personal_connections() {
    let w = world();
    let personal = candidate(Tier::Personal, w.user, "demo");
    let org = candidate(Tier::Organization, w.org, "autotask");
    let s = Subject {
        user_id: w.user,
        ..Subject::default()
    };
    let out = resolve(&s, &[personal.clone(), org]);
    assert_eq!(
        out.iter().map(|r| r.chosen).collect::<Vec<_>>(),
        vec![personal.id]
    );
}

#[test]
fn slugs_come_out_in_order_each_once() {
    let w = world();
    let out = resolve(
        &subject(&w, vec![w.red.clone()], true),
        &[
            candidate(Tier::Personal, w.user, "zeta"),
            candidate(Tier::Organization, w.org, "alpha"),
            candidate(Tier::Team, w.red.id, "mid"),
            candidate(Tier::Organization, w.org, "mid"),
        ],
    );
    let slugs: Vec<&str> = out.iter().map(|r| r.slug.as_str()).collect();
    assert_eq!(slugs, ["alpha", "mid", "zeta"]);
    assert_eq!(out[1].tier, Tier::Team);
}

proptest! {
    /// Against a reference written independently: the chosen connection is always one the user
    /// may use, of the best tier on offer, and nothing usable is dropped.
    #[test]
    fn resolution_matches_the_reference_policy(
        specs in prop::collection::vec((0u8..3, 0u8..4, 0u8..3), 0..12),
        member_of in prop::collection::vec(any::<bool>(), 3),
        shared_allowed in any::<bool>(),
    ) {
        let w = world();
        let teams = [w.red.clone(), w.blue.clone(), w.other_team.clone()];
        let my_teams: Vec<TeamRef> = teams.iter().zip(&member_of).filter(|(_, m)| **m).map(|(t, _)| t.clone()).collect();
        let candidates: Vec<Candidate> = specs.iter().map(|(tier, owner, slug)| {
            let slug = ["a", "b", "c"][*slug as usize];
            match tier {
                0 => candidate(Tier::Personal, if *owner == 0 { Uuid::new_v4() } else { w.user }, slug),
                1 => candidate(Tier::Team, teams[(*owner % 3) as usize].id, slug),
                _ => candidate(Tier::Organization, if *owner == 0 { Uuid::new_v4() } else { w.org }, slug),
            }
        }).collect();
        let s = subject(&w, my_teams.clone(), shared_allowed);
        let out = resolve(&s, &candidates);
        for slug in ["a", "b", "c"] {
            let usable: Vec<&Candidate> = candidates.iter().filter(|c| c.slug == slug && match c.tier {
                Tier::Personal => c.owner_id == w.user,
                Tier::Team => shared_allowed && my_teams.iter().any(|t| t.id == c.owner_id),
                Tier::Organization => shared_allowed && c.owner_id == w.org,
            }).collect();
            let got = out.iter().find(|r| r.slug == slug);
            match usable.iter().map(|c| c.tier).min() {
                None => prop_assert!(got.is_none()),
                Some(best) => {
                    let got = got.expect("a usable slug is resolved");
                    prop_assert_eq!(got.tier, best);
                    prop_assert!(usable.iter().any(|c| c.id == got.chosen));
                    prop_assert_eq!(got.overridden.len(), usable.len() - 1);
                }
            }
        }
    }
}
