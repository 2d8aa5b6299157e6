//! The operator's onboarding policy: whether a consented tenant joins the allow-list at once or
//! waits for an operator, and which Entra directory roles count as "an administrator consented".

/// Directory role template ids (`wids`) that can grant tenant-wide admin consent to the
/// gateway's delegated permissions (Microsoft Entra built-in roles reference): Global
/// Administrator, Privileged Role Administrator, Cloud Application Administrator, Application
/// Administrator. Template ids are the same in every tenant.
pub const DEFAULT_ADMIN_ROLE_IDS: [&str; 4] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "158c047a-c907-4556-b7ef-446551a6b5f7",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
];

/// `onboarding` in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnboardingMode {
    /// `self-service`: a tenant whose administrator consented and signed in is onboarded.
    #[default]
    SelfService,
    /// `operator-approved`: it then waits on the operators' page until an operator approves.
    OperatorApproved,
}

impl OnboardingMode {
    /// Parses the configuration value.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "self-service" => Some(Self::SelfService),
            "operator-approved" => Some(Self::OperatorApproved),
            _ => None,
        }
    }
}

/// How onboarding is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnboardingPolicy {
    /// Self-service or operator-approved.
    pub mode: OnboardingMode,
    /// Role template ids of which the confirming sign-in's `wids` must name one (lower case).
    pub admin_role_ids: Vec<String>,
}

impl Default for OnboardingPolicy {
    fn default() -> Self {
        Self {
            mode: OnboardingMode::SelfService,
            admin_role_ids: DEFAULT_ADMIN_ROLE_IDS.map(str::to_owned).to_vec(),
        }
    }
}

impl OnboardingPolicy {
    /// Whether `directory_roles` (a token's `wids`) hold one of the administrator roles.
    pub fn is_admin(&self, directory_roles: &[String]) -> bool {
        directory_roles.iter().any(|role| {
            self.admin_role_ids
                .iter()
                .any(|admin| admin.eq_ignore_ascii_case(role))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_administrator_roles_count() {
        let policy = OnboardingPolicy::default();
        assert!(policy.is_admin(&["62E90394-69F5-4237-9190-012177145E10".into()]));
        assert!(policy.is_admin(&[
            "b79fbf4d-3ef9-4689-8143-76b194e85509".into(), // the default "User" role
            "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3".into(),
        ]));
        // The default "User" role template, and nothing at all, are not administrators.
        assert!(!policy.is_admin(&["b79fbf4d-3ef9-4689-8143-76b194e85509".into()]));
        assert!(!policy.is_admin(&[]));
        let narrow = OnboardingPolicy {
            admin_role_ids: vec!["62e90394-69f5-4237-9190-012177145e10".into()],
            ..OnboardingPolicy::default()
        };
        assert!(!narrow.is_admin(&["9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3".into()]));
        assert_eq!(
            OnboardingMode::parse("operator-approved"),
            Some(OnboardingMode::OperatorApproved)
        );
        assert_eq!(OnboardingMode::parse("manual"), None);
    }
}
