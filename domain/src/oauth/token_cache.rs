//! The resource server's in-memory cache of access-token checks, so a warm `/v1/mcp` request
//! makes no database round trip (security.md AS-7 with the performance issue's budget).
//!
//! Keyed by the token's SHA-256 (the plaintext token is never kept); an entry is the
//! [`AccessGrant`] the full check ([`grants::validate_access`]) returned, the token's expiry and
//! when that check ran.
//!
//! - **Never past expiry**: every hit compares `now` with the token's own `expires_at`.
//! - **Revocation within [`DEFAULT_FRESHNESS`] on every replica**: an entry older than the
//!   freshness is re-validated against the database with the same full check (token, grant,
//!   user's "sign out everywhere", consent, audience), whichever replica made the revocation.
//! - **At once on the replica that revoked**: the domain functions that revoke (grant and token
//!   revocation, consent and client deletion, sign-out everywhere, tenant offboarding) call
//!   [`announce_revocation`], which bumps a process-wide generation ([`note_revocation`]); an
//!   entry checked under an older generation is re-validated. A missed call only falls back to
//!   the one-second bound.
//! - **And on the other replicas' next request** (PostgreSQL): [`announce_revocation`] also
//!   sends a notification on [`REVOCATION_CHANNEL`] through the revoking connection, delivered
//!   when its transaction commits — before the revoking request can answer. Every process
//!   listens (`connections::change_feed`, the same listening connection as tool-list changes)
//!   and bumps its generation on each one, so a client that revokes on one replica and calls
//!   another is refused there. A lost notification (the listener reconnecting) also bumps it.
//!
//! Rejected alternative: a per-process "revocation generation" counter read once a second. It
//! needs every revocation path (token, grant, consent, sign-out, offboarding, user deletion) to
//! bump it, and forgetting one is a silent security hole; re-validating each entry uses the
//! one check that already covers them all. The cost is one indexed lookup per token per second,
//! off the hot path of every other request in that second.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};
use time::{Duration, OffsetDateTime};

use super::{
    grants::{self, AccessGrant, InvalidToken},
    hash, OAuthSettings,
};

/// How long a successful check is trusted before it is repeated against the database: the
/// revocation SLA across replicas.
pub const DEFAULT_FRESHNESS: Duration = Duration::seconds(1);

/// Most cached tokens per process; beyond it, expired entries are dropped, then all.
pub const MAX_ENTRIES: usize = 100_000;

/// Revocations made by this process (see [`note_revocation`]).
static LOCAL_REVOCATIONS: AtomicU64 = AtomicU64::new(0);

/// Tells this process's caches that something was revoked: their entries are re-checked on next
/// use. Called by every domain function that revokes access.
pub fn note_revocation() {
    LOCAL_REVOCATIONS.fetch_add(1, Ordering::SeqCst);
}

/// The PostgreSQL channel on which revocations are announced to every replica.
pub const REVOCATION_CHANNEL: &str = "mcp_gateway_revocations";

/// [`note_revocation`] here and, on PostgreSQL, on every other replica: a notification on
/// [`REVOCATION_CHANNEL`] sent through `db`. Inside a transaction it is delivered at commit (and
/// not at all on rollback). If it cannot be sent, the others still re-check within
/// [`DEFAULT_FRESHNESS`]; the failure is logged.
pub async fn announce_revocation<C: ConnectionTrait>(db: &C) {
    note_revocation();
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let notify = Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_notify($1, '')",
        [REVOCATION_CHANNEL.into()],
    );
    if let Err(e) = db.execute(notify).await {
        tracing::warn!(error = %e, "announcing a revocation to the other replicas failed");
    }
}

#[derive(Debug, Clone)]
struct Entry {
    grant: AccessGrant,
    expires_at: OffsetDateTime,
    checked_at: OffsetDateTime,
    generation: u64,
}

/// Cached access-token checks, shared by every request of this process (cheap to clone).
#[derive(Debug, Clone)]
pub struct AccessTokenCache {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    freshness: Duration,
    follows_local_revocations: bool,
}

impl Default for AccessTokenCache {
    fn default() -> Self {
        Self::new(DEFAULT_FRESHNESS)
    }
}

impl AccessTokenCache {
    /// A cache whose entries are re-validated once older than `freshness`.
    pub fn new(freshness: Duration) -> Self {
        Self {
            entries: Arc::new(Mutex::new(HashMap::new())),
            freshness,
            follows_local_revocations: true,
        }
    }

    /// A cache that learns of revocations from the database only, as another replica does (tests
    /// of the cross-replica bound run both "replicas" in one process).
    pub fn without_local_revocations(freshness: Duration) -> Self {
        Self {
            follows_local_revocations: false,
            ..Self::new(freshness)
        }
    }

    fn generation(&self) -> u64 {
        if self.follows_local_revocations {
            LOCAL_REVOCATIONS.load(Ordering::SeqCst)
        } else {
            0
        }
    }

    /// [`grants::validate_access`], answered from memory while the last check of this token is
    /// younger than the freshness and the token has not expired.
    pub async fn validate(
        &self,
        db: &DatabaseConnection,
        settings: &OAuthSettings,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Result<AccessGrant, InvalidToken>, DbErr> {
        if !grants::is_access_token_shaped(token) {
            return Ok(Err(InvalidToken::Unknown));
        }
        let key = hash(token);
        // Read before the database: a revocation during the check makes the entry stale.
        let generation = self.generation();
        match self.lookup(&key, now, generation) {
            Some(Ok(grant)) => return Ok(Ok(grant)),
            Some(Err(expired)) => return Ok(Err(expired)),
            None => {}
        }
        match grants::validate_access_hash(db, settings, &key, now).await? {
            Ok((grant, expires_at)) => {
                self.store(key, grant.clone(), expires_at, now, generation);
                Ok(Ok(grant))
            }
            Err(invalid) => {
                self.forget(&key);
                Ok(Err(invalid))
            }
        }
    }

    /// A fresh entry's grant, `Expired` for an expired one (removed), `None` to ask the database.
    fn lookup(
        &self,
        key: &str,
        now: OffsetDateTime,
        generation: u64,
    ) -> Option<Result<AccessGrant, InvalidToken>> {
        let mut entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        if entry.expires_at <= now {
            entries.remove(key);
            return Some(Err(InvalidToken::Expired));
        }
        // A clock that went backwards also counts as stale.
        let age = now - entry.checked_at;
        if age.is_negative() || age >= self.freshness || entry.generation != generation {
            return None;
        }
        Some(Ok(entry.grant.clone()))
    }

    fn store(
        &self,
        key: String,
        grant: AccessGrant,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
        generation: u64,
    ) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.retain(|_, e| e.expires_at > now && now - e.checked_at < self.freshness);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                grant,
                expires_at,
                checked_at: now,
                generation,
            },
        );
    }

    fn forget(&self, key: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    /// How many tokens are cached (tests and metrics).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[path = "token_cache_tests.rs"]
mod tests;
