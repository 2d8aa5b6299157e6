//! Scopes (security.md MCP-6): a small set. `mcp:read` lists and calls read-only tools;
//! `mcp:write` calls tools that change vendor data. Unknown scopes (e.g. `offline_access`, which
//! Claude asks for) are ignored rather than refused: refresh tokens are issued anyway.

use std::collections::BTreeSet;

/// Read-only tools.
pub const READ: &str = "mcp:read";
/// Tools that change vendor data.
pub const WRITE: &str = "mcp:write";
/// What the metadata advertises.
pub const SUPPORTED: [&str; 2] = [READ, WRITE];
/// What a client that asks for nothing gets: read-only.
pub const DEFAULT: [&str; 1] = [READ];
/// What the 401 challenge names (what a client should ask for to use every tool).
pub const CHALLENGE: &str = "mcp:read mcp:write";

/// A set of known scopes, in a stable order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(BTreeSet<&'static str>);

impl Scopes {
    /// The known scopes of a space-separated request (`None`/empty → the default).
    pub fn from_request(scope: Option<&str>) -> Self {
        let known: BTreeSet<&'static str> = scope
            .unwrap_or_default()
            .split(' ')
            .filter_map(|s| SUPPORTED.iter().copied().find(|k| *k == s))
            .collect();
        if known.is_empty() {
            Self(DEFAULT.into_iter().collect())
        } else {
            Self(known)
        }
    }

    /// Parses a stored value (space-separated known scopes).
    pub fn parse_stored(value: &str) -> Self {
        Self(
            value
                .split(' ')
                .filter_map(|s| SUPPORTED.iter().copied().find(|k| *k == s))
                .collect(),
        )
    }

    /// Space-separated, as stored and returned in `scope`.
    pub fn to_string_value(&self) -> String {
        self.0.iter().copied().collect::<Vec<_>>().join(" ")
    }

    /// Whether `self` holds every scope of `other`.
    pub fn covers(&self, other: &Scopes) -> bool {
        other.0.is_subset(&self.0)
    }

    /// Every scope of both.
    pub fn union(&self, other: &Scopes) -> Scopes {
        Scopes(self.0.union(&other.0).copied().collect())
    }

    /// Whether it holds `scope`.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    /// The scopes, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().copied()
    }

    /// What each scope allows, in plain words (the consent page).
    pub fn describe(scope: &str) -> &'static str {
        match scope {
            READ => "See your vendor tools and run the ones that only read data (list tickets, look up devices…)",
            WRITE => "Run tools that change data at your vendors (create or update tickets, run jobs…)",
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_scopes_are_dropped_and_nothing_means_read_only() {
        assert_eq!(Scopes::from_request(None).to_string_value(), "mcp:read");
        assert_eq!(
            Scopes::from_request(Some("offline_access")).to_string_value(),
            "mcp:read"
        );
        assert_eq!(
            Scopes::from_request(Some("mcp:write offline_access mcp:read")).to_string_value(),
            "mcp:read mcp:write"
        );
        let both = Scopes::parse_stored("mcp:read mcp:write");
        assert!(both.covers(&Scopes::parse_stored("mcp:read")));
        assert!(!Scopes::parse_stored("mcp:read").covers(&both));
    }
}
