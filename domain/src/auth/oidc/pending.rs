//! Sign-ins in progress: the `state`, `nonce` and PKCE verifier of each attempt, kept server-side
//! in the visitor's (pre-sign-in) session, single use, for at most [`PENDING_SIGN_IN_LIFETIME`]
//! (security.md OIDC-2). Several may be in progress at once (two tabs); the oldest are dropped
//! beyond [`MAX_PENDING`].

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{auth::ReturnPath, users::Provider};

/// How long a sign-in may take at the identity provider.
pub const PENDING_SIGN_IN_LIFETIME: time::Duration = time::Duration::minutes(10);
/// Most sign-ins in progress per session.
pub const MAX_PENDING: usize = 5;

/// Why the sign-in was started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Purpose {
    /// A portal sign-in.
    SignIn,
    /// Admin consent requested at Microsoft (only `state` is used; there is no code to redeem).
    AdminConsent {
        /// The onboarding attempt.
        onboarding_id: Uuid,
    },
    /// The administrator who granted admin consent signs in to prove it was their tenant.
    ConfirmOnboarding {
        /// The onboarding attempt.
        onboarding_id: Uuid,
        /// The tenant Microsoft's callback reported.
        tenant_id: String,
    },
}

/// Extra authorization-request parameters a sign-in may carry.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeOptions {
    /// Auth0: go straight to this connection.
    pub connection: Option<String>,
    /// Auth0: open the sign-up page.
    pub signup: bool,
    /// Preselect the account.
    pub login_hint: Option<String>,
}

impl PendingSignIn {
    /// An admin-consent request in progress: Microsoft echoes `state`, nothing else is needed.
    pub fn admin_consent(onboarding_id: Uuid, state: String, now: OffsetDateTime) -> Self {
        Self {
            provider: Provider::Entra.as_str().to_owned(),
            state,
            nonce: String::new(),
            pkce_verifier: String::new(),
            return_to: ReturnPath::default().as_str().to_owned(),
            purpose: Purpose::AdminConsent { onboarding_id },
            started_at: now.unix_timestamp(),
        }
    }
}

/// One sign-in in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    /// `entra` or `auth0`.
    pub provider: String,
    /// The `state` sent to the provider.
    pub state: String,
    /// The `nonce` sent to the provider.
    pub nonce: String,
    /// The PKCE code verifier.
    pub pkce_verifier: String,
    /// Where to go afterwards (a validated same-origin path).
    pub return_to: String,
    /// Why.
    pub purpose: Purpose,
    /// When it started (unix seconds).
    pub started_at: i64,
}

impl PendingSignIn {
    /// The provider, if the stored value is known.
    pub fn provider(&self) -> Option<Provider> {
        Provider::parse(&self.provider)
    }

    /// The validated return path.
    pub fn return_path(&self) -> ReturnPath {
        ReturnPath::parse_or_default(Some(&self.return_to))
    }

    fn is_live(&self, now: OffsetDateTime) -> bool {
        let age = now.unix_timestamp() - self.started_at;
        (0..PENDING_SIGN_IN_LIFETIME.whole_seconds()).contains(&age)
    }
}

/// The sign-ins in progress of one session.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PendingSignIns(Vec<PendingSignIn>);

impl PendingSignIns {
    /// Adds one, dropping expired ones and the oldest beyond [`MAX_PENDING`].
    pub fn push(&mut self, pending: PendingSignIn, now: OffsetDateTime) {
        self.0.retain(|p| p.is_live(now));
        self.0.push(pending);
        let excess = self.0.len().saturating_sub(MAX_PENDING);
        self.0.drain(..excess);
    }

    /// Removes and returns the live sign-in with this `state` (single use). Expired ones are
    /// dropped on the way; the comparison does not leak how much of a state matched.
    pub fn take(&mut self, state: &str, now: OffsetDateTime) -> Option<PendingSignIn> {
        self.0.retain(|p| p.is_live(now));
        let index = self
            .0
            .iter()
            .position(|p| bool::from(p.state.as_bytes().ct_eq(state.as_bytes())))?;
        Some(self.0.remove(index))
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(state: &str, at: i64) -> PendingSignIn {
        PendingSignIn {
            provider: "entra".into(),
            state: state.into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            return_to: "/settings".into(),
            purpose: Purpose::SignIn,
            started_at: at,
        }
    }

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn a_state_is_taken_once() {
        let mut list = PendingSignIns::default();
        list.push(pending("a", 1000), at(1000));
        list.push(pending("b", 1000), at(1000));
        assert_eq!(list.take("a", at(1001)).map(|p| p.state), Some("a".into()));
        assert!(list.take("a", at(1001)).is_none(), "replayed state");
        assert!(list.take("", at(1001)).is_none());
        assert!(list.take("b", at(1001)).is_some());
        assert!(list.is_empty());
    }

    #[test]
    fn an_old_sign_in_has_expired() {
        let mut list = PendingSignIns::default();
        list.push(pending("a", 1000), at(1000));
        assert!(list.take("a", at(1000 + 600)).is_none());
        list.push(pending("b", 1000), at(1000));
        assert!(list.take("b", at(999)).is_none(), "started in the future");
    }

    #[test]
    fn at_most_five_are_kept_and_the_oldest_go_first() {
        let mut list = PendingSignIns::default();
        for i in 0..7 {
            list.push(pending(&format!("s{i}"), 1000 + i), at(1000 + i));
        }
        assert!(list.take("s0", at(1010)).is_none());
        assert!(list.take("s1", at(1010)).is_none());
        assert!(list.take("s6", at(1010)).is_some());
    }
}
