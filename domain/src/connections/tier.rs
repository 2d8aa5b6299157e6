//! Credential tiers and connection slugs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Who a connection belongs to, and so who uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// One user's own credential; only they use it, and it overrides shared ones.
    Personal,
    /// A team's credential (owners and admins connect it); the team's members use it.
    Team,
    /// The organisation's credential (owners and admins connect it); every member uses it.
    Organization,
}

impl Tier {
    /// Parses the stored form.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "personal" => Some(Tier::Personal),
            "team" => Some(Tier::Team),
            "organization" => Some(Tier::Organization),
            _ => None,
        }
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Personal => "personal",
            Tier::Team => "team",
            Tier::Organization => "organization",
        }
    }

    /// How the portal names it.
    pub fn label(self) -> &'static str {
        match self {
            Tier::Personal => "Personal",
            Tier::Team => "Team",
            Tier::Organization => "Organisation",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The longest connection slug. Tool names are `{slug}__{tool}` and MCP clients accept at most
/// 64 characters, so the slug leaves room for the vendor's tool names (checked per vendor).
pub const MAX_SLUG_CHARS: usize = 24;

/// A connection slug: the prefix of its tools (`autotask` → `autotask__list_tickets`).
/// Lower-case letters, digits and single hyphens, starting with a letter; never `gateway`
/// (the gateway's own meta-tools use that prefix).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionSlug(String);

impl ConnectionSlug {
    /// Parses a slug, saying what is wrong.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("Choose a slug: it prefixes this connection's tools.".into());
        }
        if value.chars().count() > MAX_SLUG_CHARS {
            return Err(format!("A slug has at most {MAX_SLUG_CHARS} characters."));
        }
        let valid_chars = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid_chars
            || !value.starts_with(|c: char| c.is_ascii_lowercase())
            || value.ends_with('-')
            || value.contains("--")
        {
            return Err(
                "A slug uses lower-case letters, digits and single hyphens, and starts with a letter (e.g. autotask-contoso)."
                    .into(),
            );
        }
        if value == "gateway" {
            return Err("“gateway” is reserved for the gateway's own tools.".into());
        }
        Ok(Self(value.to_owned()))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectionSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_tool_name_safe() {
        for good in ["autotask", "autotask-contoso", "it-glue2", "a"] {
            assert!(ConnectionSlug::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Autotask",
            "auto_task",
            "-a",
            "a-",
            "a--b",
            "1abc",
            "gateway",
            "a b",
            "é",
            "abcdefghijklmnopqrstuvwxy",
        ] {
            assert!(ConnectionSlug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tiers_round_trip() {
        for tier in [Tier::Personal, Tier::Team, Tier::Organization] {
            assert_eq!(Tier::parse(tier.as_str()), Some(tier));
        }
        assert_eq!(Tier::parse("org"), None);
    }
}
