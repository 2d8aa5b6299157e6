//! Rules of a portal session (the storage is tower-sessions in the server crate).
//!
//! The store enforces the idle timeout (its expiry is pushed on each request); the absolute
//! lifetime is enforced here from the time of sign-in, so an active session cannot live forever.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::users::Provider;

/// Session key under which [`SignedIn`] is stored.
pub const SIGNED_IN_KEY: &str = "signed_in";

/// Who is signed in to a session, since when, and with which provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// The user.
    pub user_id: Uuid,
    /// When they signed in (unix seconds, UTC).
    pub at: i64,
    /// How (absent in sessions written before providers existed: the development sign-in).
    #[serde(default)]
    pub provider: Option<Provider>,
}

impl SignedIn {
    /// A sign-in with `provider` happening at `now`.
    pub fn new(user_id: Uuid, provider: Provider, now: OffsetDateTime) -> Self {
        Self {
            user_id,
            at: now.unix_timestamp(),
            provider: Some(provider),
        }
    }

    /// Whether the user's sessions were ended ("sign out everywhere", tenant offboarding) at or
    /// after this sign-in.
    pub fn is_revoked(&self, sessions_not_before: Option<OffsetDateTime>) -> bool {
        sessions_not_before.is_some_and(|t| self.at <= t.unix_timestamp())
    }

    /// Whether the session has outlived `absolute_lifetime` at `now`.
    pub fn is_expired(&self, now: OffsetDateTime, absolute_lifetime: std::time::Duration) -> bool {
        let age = now.unix_timestamp().saturating_sub(self.at);
        age < 0 || u64::try_from(age).map_or(true, |age| age >= absolute_lifetime.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_session_expires_at_its_absolute_lifetime_however_active() {
        let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let s = SignedIn::new(Uuid::nil(), Provider::Dev, t0);
        let day = Duration::from_secs(86_400);
        assert!(!s.is_expired(t0, day));
        assert!(!s.is_expired(t0 + time::Duration::seconds(86_399), day));
        assert!(s.is_expired(t0 + time::Duration::seconds(86_400), day));
        // A sign-in time in the future (clock moved back, tampered store) is not trusted.
        assert!(s.is_expired(t0 - time::Duration::seconds(10), day));
    }

    #[test]
    fn sessions_ended_at_or_after_sign_in_are_revoked() {
        let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let s = SignedIn::new(Uuid::nil(), Provider::Entra, t0);
        assert!(!s.is_revoked(None));
        assert!(!s.is_revoked(Some(t0 - time::Duration::seconds(1))));
        assert!(s.is_revoked(Some(t0)));
        assert!(s.is_revoked(Some(t0 + time::Duration::hours(1))));
    }
}
