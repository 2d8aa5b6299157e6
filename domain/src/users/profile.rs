//! Display fields, parsed once at the boundary (from a form or an ID token).

use std::fmt;

/// Longest accepted display name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest accepted email address (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Why a profile field was refused; the message is shown next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// Empty after trimming.
    #[error("Enter a name.")]
    NameMissing,
    /// Longer than [`MAX_NAME_CHARS`].
    #[error("Use at most {MAX_NAME_CHARS} characters.")]
    NameTooLong,
    /// Contains control characters.
    #[error("The name contains characters that cannot be shown.")]
    NameInvalid,
    /// Empty after trimming.
    #[error("Enter an email address.")]
    EmailMissing,
    /// Not of the shape `local@domain`.
    #[error("Enter an email address like name@example.com.")]
    EmailInvalid,
}

/// A person's name as shown in the portal: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Parses a submitted or IdP-provided name.
    pub fn parse(value: &str) -> Result<Self, ProfileError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(ProfileError::NameMissing);
        }
        if value.chars().count() > MAX_NAME_CHARS {
            return Err(ProfileError::NameTooLong);
        }
        if value.chars().any(char::is_control) {
            return Err(ProfileError::NameInvalid);
        }
        Ok(Self(value.to_owned()))
    }
    /// A name from an identity provider, made presentable: control characters dropped, cut to
    /// [`MAX_NAME_CHARS`]. `None` when nothing is left.
    pub fn lenient(value: &str) -> Option<Self> {
        let cleaned: String = value.trim().chars().filter(|c| !c.is_control()).collect();
        let cut: String = cleaned.trim().chars().take(MAX_NAME_CHARS).collect();
        Self::parse(&cut).ok()
    }

    /// The name shown when a provider sends none.
    pub fn unnamed() -> Self {
        Self("Unnamed user".to_owned())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address for display: trimmed, `local@domain` with a dot-free-or-dotted domain, no
/// whitespace or control characters, at most 254 bytes. Deliberately not a full RFC 5322 parser:
/// it is never used to decide anything, only shown and (later) used to send invitations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses a submitted or IdP-provided address.
    pub fn parse(value: &str) -> Result<Self, ProfileError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(ProfileError::EmailMissing);
        }
        let valid_shape = value.len() <= MAX_EMAIL_LEN
            && !value.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\\')
            })
            && matches!(value.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && !domain.contains('@')
                    && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains(".."));
        if !valid_shape {
            return Err(ProfileError::EmailInvalid);
        }
        Ok(Self(value.to_owned()))
    }
    /// The address as entered (case kept for display).
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Lower-cased form (used only as the development sign-in's subject).
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse("  Ada Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
        assert_eq!(DisplayName::parse("   "), Err(ProfileError::NameMissing));
        assert_eq!(
            DisplayName::parse(&"é".repeat(101)),
            Err(ProfileError::NameTooLong)
        );
        assert!(DisplayName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            DisplayName::parse("Eve\u{1b}[31m"),
            Err(ProfileError::NameInvalid)
        );
        assert_eq!(DisplayName::parse("a\nb"), Err(ProfileError::NameInvalid));
    }

    #[test]
    fn emails_need_the_local_at_domain_shape() {
        assert_eq!(
            Email::parse(" Ada@Example.com ").unwrap().normalized(),
            "ada@example.com"
        );
        for bad in [
            "ada",
            "@example.com",
            "ada@",
            "a@b@c",
            "ada @x.com",
            "ada@.x",
            "ada@x..com",
            "<a@b.c>",
        ] {
            assert_eq!(Email::parse(bad), Err(ProfileError::EmailInvalid), "{bad}");
        }
        assert_eq!(Email::parse(""), Err(ProfileError::EmailMissing));
    }
}
