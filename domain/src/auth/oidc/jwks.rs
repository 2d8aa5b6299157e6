//! The provider's signing keys, cached with refresh (security.md OIDC-6): fetched on first use,
//! refreshed when older than [`JWKS_MAX_AGE`], and refetched once when a token names a key we do
//! not have — at most once per [`FORCED_REFRESH_INTERVAL`], so a flood of tokens with made-up
//! `kid`s cannot turn the gateway into a load generator against the provider.

use std::time::{Duration, Instant};

use openidconnect::{core::CoreJsonWebKeySet, JsonWebKeySetUrl};
use tokio::sync::Mutex;

use super::OidcError;

/// Keys older than this are refetched before use (Microsoft suggests refreshing daily or more).
pub const JWKS_MAX_AGE: Duration = Duration::from_secs(60 * 60);
/// Minimum time between two refetches forced by an unknown `kid`.
pub const FORCED_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Default)]
struct State {
    keys: Option<CoreJsonWebKeySet>,
    fetched_at: Option<Instant>,
    last_forced: Option<Instant>,
}

/// Whether to fetch now: no keys, stale keys, or a forced refresh that the rate limit allows.
fn should_fetch(
    has_keys: bool,
    fetched_at: Option<Instant>,
    last_forced: Option<Instant>,
    force: bool,
    now: Instant,
) -> bool {
    let stale = fetched_at.is_none_or(|t| now.duration_since(t) >= JWKS_MAX_AGE);
    let force_allowed =
        last_forced.is_none_or(|t| now.duration_since(t) >= FORCED_REFRESH_INTERVAL);
    !has_keys || stale || (force && force_allowed)
}

/// A cached key set.
#[derive(Default)]
pub(super) struct JwksCache {
    state: Mutex<State>,
}

impl JwksCache {
    /// The keys; `force` asks for a refetch (an unknown `kid`), subject to the rate limit.
    /// Returns the keys and whether they were fetched by this call.
    pub(super) async fn keys(
        &self,
        url: &JsonWebKeySetUrl,
        http: &reqwest::Client,
        force: bool,
    ) -> Result<(CoreJsonWebKeySet, bool), OidcError> {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        if !should_fetch(
            state.keys.is_some(),
            state.fetched_at,
            state.last_forced,
            force,
            now,
        ) {
            if let Some(keys) = &state.keys {
                return Ok((keys.clone(), false));
            }
        }
        if force {
            state.last_forced = Some(now);
        }
        let fetched = CoreJsonWebKeySet::fetch_async(url, http)
            .await
            .map_err(|e| OidcError::Unavailable(format!("fetching the signing keys failed: {e}")));
        match fetched {
            Ok(keys) => {
                tracing::info!(
                    keys = keys.keys().len(),
                    forced = force,
                    "fetched the identity provider's signing keys"
                );
                state.keys = Some(keys.clone());
                state.fetched_at = Some(now);
                Ok((keys, true))
            }
            // Stale keys are better than none while the provider is briefly unreachable.
            Err(e) => match &state.keys {
                Some(keys) if !force => {
                    tracing::warn!(error = %e, "refreshing the signing keys failed; using the cached ones");
                    Ok((keys.clone(), false))
                }
                _ => Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fetched_when_missing_or_stale() {
        let now = Instant::now();
        let later = now + JWKS_MAX_AGE;
        assert!(should_fetch(false, None, None, false, now));
        assert!(!should_fetch(true, Some(now), None, false, now));
        assert!(should_fetch(true, Some(now), None, false, later));
    }

    #[test]
    fn an_unknown_kid_forces_at_most_one_fetch_a_minute() {
        let t0 = Instant::now();
        assert!(should_fetch(true, Some(t0), None, true, t0));
        let t1 = t0 + Duration::from_secs(30);
        assert!(!should_fetch(true, Some(t0), Some(t0), true, t1));
        let t2 = t0 + FORCED_REFRESH_INTERVAL;
        assert!(should_fetch(true, Some(t0), Some(t0), true, t2));
    }
}
