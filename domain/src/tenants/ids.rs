//! Tenant ids and customer names, parsed once at the boundary.

use std::fmt;

use uuid::Uuid;

/// An Entra tenant id: a GUID, kept in lower-case hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantId(String);

impl TenantId {
    /// Accepts only a GUID (`tid`, `oid` and the admin-consent `tenant` parameter).
    pub fn parse(value: &str) -> Option<Self> {
        // `Uuid::parse_str` also accepts braces, URNs and the simple form; Entra sends hyphenated.
        if value.len() != 36 {
            return None;
        }
        Uuid::parse_str(value)
            .ok()
            .map(|u| Self(u.hyphenated().to_string()))
    }

    /// The canonical form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest customer name, in characters.
pub const MAX_CUSTOMER_NAME_CHARS: usize = 120;

/// The customer's name given with an admin-consent link: trimmed, 1–120 characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerName(String);

/// Why a customer name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerNameError {
    /// Empty.
    #[error("Enter the name of the customer's organisation.")]
    Missing,
    /// Too long.
    #[error("Use at most {MAX_CUSTOMER_NAME_CHARS} characters.")]
    TooLong,
    /// Control characters.
    #[error("The name contains characters that cannot be shown.")]
    Invalid,
}

impl CustomerName {
    /// Parses a submitted name.
    pub fn parse(value: &str) -> Result<Self, CustomerNameError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(CustomerNameError::Missing);
        }
        if value.chars().count() > MAX_CUSTOMER_NAME_CHARS {
            return Err(CustomerNameError::TooLong);
        }
        if value.chars().any(char::is_control) {
            return Err(CustomerNameError::Invalid);
        }
        Ok(Self(value.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_are_guids_in_canonical_form() {
        assert_eq!(
            TenantId::parse("C0A7D3E1-5B2F-4C8A-9E61-0D4F7B2A9C31").map(|t| t.to_string()),
            Some("c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31".into())
        );
        for bad in [
            "contoso.example",
            "organizations",
            "{c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31}",
            "c0a7d3e15b2f4c8a9e610d4f7b2a9c31",
            "",
        ] {
            assert_eq!(TenantId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn customer_names_are_checked() {
        assert_eq!(
            CustomerName::parse("  Contoso Ltd ").map(|c| c.as_str().to_owned()),
            Ok("Contoso Ltd".into())
        );
        assert_eq!(CustomerName::parse(" "), Err(CustomerNameError::Missing));
        assert_eq!(
            CustomerName::parse(&"x".repeat(121)),
            Err(CustomerNameError::TooLong)
        );
        assert_eq!(
            CustomerName::parse("a\u{7}"),
            Err(CustomerNameError::Invalid)
        );
    }
}
