//! Which connection a user's tools use, for every slug — the one resolution function, used by
//! the connections page and by `/v1/mcp` (MCP-3: the choice is authorisation, decided here from
//! the user's memberships, never by a client).
//!
//! For each slug: the user's personal connection; else a team connection of one of the user's
//! teams — the only one, or the one the user chose as default when several teams offer the slug
//! (without a choice, the first team by name, and the page asks the user to choose); else the
//! organisation's connection. Shared tiers count only while the organisation's plan allows
//! shared connections.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use uuid::Uuid;

use super::Tier;

/// A team, as resolution and the page name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRef {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
}

/// A connection that might serve a slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Its id.
    pub id: Uuid,
    /// Its tier.
    pub tier: Tier,
    /// The user, team or organisation it belongs to.
    pub owner_id: Uuid,
    /// Its slug.
    pub slug: String,
    /// When it was created (tie-break only).
    pub created_at: OffsetDateTime,
}

/// Who the resolution is for.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// The user.
    pub user_id: Uuid,
    /// Their organisation, if any.
    pub organization_id: Option<Uuid>,
    /// The teams they belong to, by name.
    pub teams: Vec<TeamRef>,
    /// Whether shared (team and organisation) connections apply: the plan allows them and the
    /// role may use them.
    pub shared_allowed: bool,
    /// Their chosen default per slug.
    pub defaults: BTreeMap<String, Uuid>,
}

/// Why a connection is the one in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The user's own connection, which overrides shared ones.
    Personal,
    /// The only team connection offered to the user for this slug.
    OnlyTeam {
        /// The team.
        team: String,
    },
    /// Several teams offer the slug; the user chose this one.
    ChosenDefault {
        /// The chosen team.
        team: String,
    },
    /// Several teams offer the slug and the user has not chosen: the first team by name.
    FirstTeam {
        /// The team used.
        team: String,
        /// How many teams offer the slug.
        offered_by: usize,
    },
    /// The organisation's connection (no personal or team one).
    Organization,
}

impl Reason {
    /// The sentence the page shows.
    pub fn explain(&self) -> String {
        match self {
            Reason::Personal => "Your personal connection (it overrides shared ones).".into(),
            Reason::OnlyTeam { team } => format!("Shared with your team “{team}”."),
            Reason::ChosenDefault { team } => {
                format!("Your chosen default among your teams: “{team}”.")
            }
            Reason::FirstTeam { team, offered_by } => format!(
                "{offered_by} of your teams offer this slug; “{team}” is used because it comes first by name. Choose a default to decide."
            ),
            Reason::Organization => "Shared with the whole organisation.".into(),
        }
    }
}

/// The connection in effect for one slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The slug.
    pub slug: String,
    /// The connection used.
    pub chosen: Uuid,
    /// Its tier.
    pub tier: Tier,
    /// Why.
    pub reason: Reason,
    /// The other connections of this slug the user could use, overridden by the chosen one.
    pub overridden: Vec<Uuid>,
}

/// Resolves every slug the user can use, in slug order. Candidates the user may not use (another
/// user's personal connection, a team they are not in, another organisation, shared tiers when
/// not allowed) are ignored, whatever the caller passed.
pub fn resolve(subject: &Subject, candidates: &[Candidate]) -> Vec<Resolution> {
    let mut by_slug: BTreeMap<&str, Vec<&Candidate>> = BTreeMap::new();
    for candidate in candidates.iter().filter(|c| usable(subject, c)) {
        by_slug.entry(&candidate.slug).or_default().push(candidate);
    }
    by_slug
        .into_iter()
        .filter_map(|(slug, options)| resolve_slug(subject, slug, &options))
        .collect()
}

fn usable(subject: &Subject, candidate: &Candidate) -> bool {
    match candidate.tier {
        Tier::Personal => candidate.owner_id == subject.user_id,
        Tier::Team => {
            subject.shared_allowed && subject.teams.iter().any(|t| t.id == candidate.owner_id)
        }
        Tier::Organization => {
            subject.shared_allowed && subject.organization_id == Some(candidate.owner_id)
        }
    }
}

fn resolve_slug(subject: &Subject, slug: &str, options: &[&Candidate]) -> Option<Resolution> {
    let of_tier = |tier: Tier| -> Vec<&Candidate> {
        let mut found: Vec<&Candidate> =
            options.iter().copied().filter(|c| c.tier == tier).collect();
        found.sort_by_key(|c| (c.created_at, c.id));
        found
    };
    let team_name = |c: &Candidate| {
        subject
            .teams
            .iter()
            .find(|t| t.id == c.owner_id)
            .map(|t| t.name.clone())
            .unwrap_or_default()
    };
    let (chosen, reason) = if let Some(personal) = of_tier(Tier::Personal).first() {
        (*personal, Reason::Personal)
    } else {
        let mut teams = of_tier(Tier::Team);
        teams.sort_by_key(|c| (team_name(c).to_lowercase(), c.created_at, c.id));
        match teams.as_slice() {
            [] => (*of_tier(Tier::Organization).first()?, Reason::Organization),
            [only] => (
                *only,
                Reason::OnlyTeam {
                    team: team_name(only),
                },
            ),
            several => match subject
                .defaults
                .get(slug)
                .and_then(|id| several.iter().find(|c| c.id == *id))
            {
                Some(chosen) => (
                    *chosen,
                    Reason::ChosenDefault {
                        team: team_name(chosen),
                    },
                ),
                None => (
                    several[0],
                    Reason::FirstTeam {
                        team: team_name(several[0]),
                        offered_by: several.len(),
                    },
                ),
            },
        }
    };
    let mut overridden: Vec<Uuid> = options
        .iter()
        .filter(|c| c.id != chosen.id)
        .map(|c| c.id)
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

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
