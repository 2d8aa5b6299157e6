//! Names of organisations and teams: trimmed, inner whitespace collapsed, 1 to 100 characters,
//! no control characters (they end up in audit rows and CSV exports).

use std::fmt;

/// The longest name accepted.
pub const MAX_NAME_CHARS: usize = 100;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing but whitespace.
    #[error("Enter a name.")]
    Empty,
    /// Over [`MAX_NAME_CHARS`].
    #[error("A name can be at most {MAX_NAME_CHARS} characters long.")]
    TooLong,
    /// Contains a control character (line break, tab, escape…).
    #[error("A name cannot contain line breaks or other control characters.")]
    ControlCharacter,
}

fn clean(value: &str) -> Result<String, NameError> {
    if value
        .chars()
        .any(|c| c.is_control() && c != '\t' && c != ' ')
        || value.contains('\t')
    {
        return Err(NameError::ControlCharacter);
    }
    let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(NameError::Empty);
    }
    if collapsed.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    Ok(collapsed)
}

/// An organisation's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationName(String);

impl OrganizationName {
    /// Validates and normalises `value`.
    pub fn parse(value: &str) -> Result<Self, NameError> {
        clean(value).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A team's name; unique per organisation regardless of case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamName(String);

impl TeamName {
    /// Validates and normalises `value`.
    pub fn parse(value: &str) -> Result<Self, NameError> {
        clean(value).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key names are compared by.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for TeamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_collapsed_and_bounded() {
        assert_eq!(
            OrganizationName::parse("  Acme   IT ").map(|n| n.0),
            Ok("Acme IT".into())
        );
        assert_eq!(OrganizationName::parse("   "), Err(NameError::Empty));
        assert_eq!(
            OrganizationName::parse(&"x".repeat(101)),
            Err(NameError::TooLong)
        );
        assert!(OrganizationName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            OrganizationName::parse("a\nb"),
            Err(NameError::ControlCharacter)
        );
        assert_eq!(
            OrganizationName::parse("a\u{1b}[31m"),
            Err(NameError::ControlCharacter)
        );
        assert_eq!(
            TeamName::parse("Service Desk").map(|n| n.key()),
            Ok("service desk".into())
        );
    }
}
