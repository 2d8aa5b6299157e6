//! The token cache shared by OAuth 2.0 grants and token exchanges: one token per (connection,
//! credential version), reused until a minute before it expires, fetched once at a time per
//! connection (callers waiting reuse the result), dropped when the vendor answers 401.

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;

use super::{lock, CacheKey, Engine};
use crate::vendors::{CallError, ConnectionCredentials};

/// Refresh a token this long before the vendor says it expires.
const TOKEN_MARGIN: time::Duration = time::Duration::seconds(60);

/// A cached access token.
pub(super) struct CachedToken {
    token: SecretString,
    expires_at: OffsetDateTime,
}

impl Engine {
    /// Forgets a connection's token (after a 401 with it).
    pub(super) fn drop_token(&self, creds: &ConnectionCredentials) {
        lock(&self.inner.tokens).remove(&(creds.connection_id, creds.version));
    }

    /// The connection's cached token, or a new one from `fetch` (token and expiry) when there is
    /// none or it expires within a minute. One fetch at a time per connection: callers waiting
    /// here reuse its result.
    pub(super) async fn cached_token<F, Fut>(
        &self,
        creds: &ConnectionCredentials,
        now: OffsetDateTime,
        fetch: F,
    ) -> Result<String, CallError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(String, OffsetDateTime), CallError>>,
    {
        let key: CacheKey = (creds.connection_id, creds.version);
        let cell = {
            let mut tokens = lock(&self.inner.tokens);
            tokens.retain(|k, _| k.0 != creds.connection_id || k.1 == creds.version);
            tokens.entry(key).or_default().clone()
        };
        let mut slot = cell.lock().await;
        if let Some(cached) = slot.as_ref() {
            if now < cached.expires_at - TOKEN_MARGIN {
                return Ok(cached.token.expose_secret().to_owned());
            }
        }
        let (token, expires_at) = fetch().await?;
        *slot = Some(CachedToken {
            token: SecretString::from(token.clone()),
            expires_at,
        });
        Ok(token)
    }
}
