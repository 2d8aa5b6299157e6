//! The credential vault: envelope encryption of stored secrets (security.md VAULT-1…4, 7, 8).
//!
//! # Design
//!
//! * **Two levels of keys.** A secret is sealed with AES-256-GCM under a random 256-bit *data
//!   key* (DEK). There is one data key per scope — a user, a team or an organisation
//!   ([`KeyScope`]) — in the `data_keys` table, created on the scope's first seal. The database
//!   holds data keys only *wrapped* (AES-256-GCM) under the *master key* (the key-encryption key,
//!   KEK, from `master_key_file`), which never enters the database: a dump alone opens nothing.
//!   Per-scope keys keep each key's GCM invocations far below the 2^32 random-nonce bound,
//!   make rotation cheap (re-wrap one row per scope, never re-encrypt secrets) and make
//!   crypto-shredding a scope one `DELETE` ([`Vault::destroy_scope`]). Rejected: one data key
//!   per secret (a wrap per row, a rotation as long as the credential table) and encrypting
//!   secrets directly under the master key (rotation would rewrite every secret).
//! * **Everything is bound to its context (AAD, VAULT-2).** A secret's AAD is (connection id,
//!   scope kind, scope id, vendor, data key id); a wrapped data key's AAD is (scope kind, scope id,
//!   data key id, master key id). Fields are length-prefixed under a versioned label. A ciphertext
//!   copied into another row, scope or vendor fails with [`VaultError::Integrity`] — one variant
//!   for every authentication failure, so errors never say which part was wrong.
//! * **Self-describing values.** [`Vault::seal`] returns `v1.<data key id>.<base64url(nonce ||
//!   ciphertext || tag)>`, one column for the caller; the version tag leaves room for a new
//!   format. Nonces are 96 random bits per encryption.
//! * **Master keys are named, not numbered.** `kek_id` is 8 bytes of SHA-256 over an HKDF output
//!   labelled "key id", in hex: it tells keys apart without revealing anything, and needs no
//!   version counter that two replicas could disagree on. The wrapping key is HKDF-derived from
//!   the master key too, so the master key's other uses never share an AES key with the vault.
//! * **Rotation without downtime (VAULT-3).** Set the new master key as `master_key` and the old
//!   one as `master_key_previous`, restart the replicas (they read both), run
//!   [`Vault::rotate`] (`mcp-gateway keys rotate`): it re-wraps every data key not under the
//!   current key, in batches, each with `UPDATE … WHERE id = ? AND kek_id = <old>`, so concurrent
//!   rotations and reads are safe and a rerun after a crash converges. Then drop the previous key.
//!   A data key under a master key this process does not hold is [`VaultError::UnknownKek`].
//! * **Fast opens (VAULT-8).** Unwrapped data keys (never plaintexts) are cached in memory by id,
//!   in zeroizing buffers, bounded in number and age ([`DEK_CACHE_CAPACITY`], [`DEK_CACHE_TTL`]):
//!   a warm [`Vault::open`] makes no database query. Rotation leaves data keys unchanged, so it
//!   invalidates nothing; [`Vault::destroy_scope`] evicts at once here, and other replicas stop
//!   within the TTL. Seals always read the scope's row (they are rare, and must never write under
//!   a key another replica destroyed).
//! * **Lazy, race-free creation.** The first seal of a scope inserts its key with
//!   `ON CONFLICT DO NOTHING` on the unique (scope kind, scope id) and re-reads: two concurrent
//!   first seals end with one key, and no statement fails (a failed statement would abort a
//!   caller's PostgreSQL transaction).
//! * **Primitives (VAULT-4):** RustCrypto `aes-gcm` and `hkdf`/`sha2`; nothing hand-rolled.
//!   Plaintexts come back only as `Zeroizing<Vec<u8>>`; no type here prints a key or a secret.

mod cache;
mod keys;
mod rotation;
mod store;

use std::{fmt, sync::Arc, time::Duration};

use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroizing;

pub use rotation::{rotate_and_record, RotationReport};

use crate::crypto::MasterKey;

/// At most this many unwrapped data keys are held in memory (one per active scope).
pub const DEK_CACHE_CAPACITY: usize = 10_000;
/// A cached data key is re-read from the database after this long, so a key destroyed by another
/// replica stops opening here within it.
pub const DEK_CACHE_TTL: Duration = Duration::from_secs(5 * 60);

/// Whose data key a secret is sealed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyScope {
    /// A user's personal credentials.
    User(Uuid),
    /// A team's (department's) shared credentials.
    Team(Uuid),
    /// An organisation's shared credentials.
    Organization(Uuid),
}

impl KeyScope {
    /// The `scope_kind` column value: `user`, `team` or `organization`.
    pub fn kind(&self) -> &'static str {
        match self {
            KeyScope::User(_) => "user",
            KeyScope::Team(_) => "team",
            KeyScope::Organization(_) => "organization",
        }
    }

    /// The user's, team's or organisation's id.
    pub fn id(&self) -> Uuid {
        match self {
            KeyScope::User(id) | KeyScope::Team(id) | KeyScope::Organization(id) => *id,
        }
    }

    /// The scope a `data_keys` row names; `None` for an unknown kind.
    pub fn from_parts(kind: &str, id: Uuid) -> Option<Self> {
        match kind {
            "user" => Some(KeyScope::User(id)),
            "team" => Some(KeyScope::Team(id)),
            "organization" => Some(KeyScope::Organization(id)),
            _ => None,
        }
    }
}

/// What a ciphertext is bound to (AAD): the connection row, its scope and its vendor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealContext<'a> {
    /// The row the sealed value is stored in.
    pub connection_id: Uuid,
    /// Whose data key seals it.
    pub scope: KeyScope,
    /// The vendor the credential is for (e.g. `autotask`).
    pub vendor: &'a str,
}

/// Why sealing, opening or rotating failed. Messages never contain key material or secrets.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The value does not authenticate: tampered with, moved to another row, scope or vendor, or
    /// sealed under another key. Deliberately one variant that never says which part failed;
    /// callers report it as an integrity failure (audit it, answer with a generic 500/502).
    #[error("the sealed secret failed its integrity check (tampered with, moved to another row, or sealed under another key)")]
    Integrity,
    /// The scope's data key is wrapped under a master key this process does not hold (retired
    /// too early, or `master_key_previous` missing during a rotation). An operator error: 500.
    #[error(
        "a data key is wrapped under master key {kek_id}, which this gateway does not hold; \
             configure that key as master_key_previous (GATEWAY_MASTER_KEY_PREVIOUS_FILE) and run \
             `mcp-gateway keys rotate`"
    )]
    UnknownKek {
        /// The non-secret id of the missing master key.
        kek_id: String,
    },
    /// The data key the value names no longer exists: its scope was destroyed (crypto-shredding)
    /// and the secret is gone for good; it must be entered again. Callers treat it like a
    /// missing credential (404/409).
    #[error("the data key of this scope was destroyed; the secret cannot be recovered and must be entered again")]
    DataKeyMissing,
    /// Not a value [`Vault::seal`] produced (or a plaintext over 64 KiB to seal): a 500, as the
    /// stored column is corrupt or the caller passed the wrong thing.
    #[error("not a sealed secret of a known format (or a plaintext too large to seal)")]
    Malformed,
    /// The database failed: 500/503.
    #[error("vault database error: {0}")]
    Db(#[from] DbErr),
}

/// The vault: seals and opens secrets under per-scope data keys wrapped by the master key.
/// Cheap to clone (an `Arc` inside); one per process, shared by every request.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

struct Inner {
    current: keys::Kek,
    previous: Option<keys::Kek>,
    cache: cache::DekCache,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("current_kek_id", &self.inner.current.id)
            .field("previous_kek_id", &self.previous_kek_id())
            .field("cached_data_keys", &self.inner.cache.len())
            .finish()
    }
}

impl Vault {
    /// A vault sealing under `current` and also opening data keys still wrapped under
    /// `previous` (during a rotation). The master keys are consumed; only derived keys are kept.
    pub fn new(current: MasterKey, previous: Option<MasterKey>) -> Self {
        let current = keys::Kek::derive(&current);
        // The same key given twice is one key (configuration refuses it; be lenient here).
        let previous = previous
            .map(|key| keys::Kek::derive(&key))
            .filter(|previous| previous.id != current.id);
        Self {
            inner: Arc::new(Inner {
                current,
                previous,
                cache: cache::DekCache::new(DEK_CACHE_CAPACITY, DEK_CACHE_TTL),
            }),
        }
    }

    /// Changes how long an unwrapped data key is served from memory ([`DEK_CACHE_TTL`] by
    /// default; zero makes every open read the database, as tests of cross-replica behaviour need).
    pub fn with_cache_ttl(self, ttl: Duration) -> Self {
        self.inner.cache.set_ttl(ttl);
        self
    }

    /// The id of the master key new data keys are wrapped under (non-secret).
    pub fn current_kek_id(&self) -> &str {
        &self.inner.current.id
    }

    /// The id of the previous master key, when one is configured.
    pub fn previous_kek_id(&self) -> Option<&str> {
        self.inner.previous.as_ref().map(|k| k.id.as_str())
    }

    /// Encrypts under the scope's data key (created on the scope's first seal); returns one
    /// self-describing text value to store: `v1.<dek id>.<base64url(nonce||ciphertext)>`.
    #[tracing::instrument(skip_all, fields(connection_id = %ctx.connection_id, scope = ctx.scope.kind()))]
    pub async fn seal<C: ConnectionTrait>(
        &self,
        db: &C,
        ctx: &SealContext<'_>,
        plaintext: &[u8],
        now: OffsetDateTime,
    ) -> Result<String, VaultError> {
        if plaintext.len() > keys::MAX_PLAINTEXT_LEN {
            return Err(VaultError::Malformed);
        }
        let (dek_id, key) = self.scope_key(db, ctx.scope, now).await?;
        Ok(keys::encode(
            dek_id,
            &keys::seal_bytes(&key, ctx, dek_id, plaintext),
        ))
    }

    /// Decrypts what [`Vault::seal`] returned for the same context; the plaintext only in a
    /// zeroizing buffer. Warm (data key cached), this makes no database query.
    #[tracing::instrument(skip_all, fields(connection_id = %ctx.connection_id, scope = ctx.scope.kind()))]
    pub async fn open<C: ConnectionTrait>(
        &self,
        db: &C,
        ctx: &SealContext<'_>,
        sealed: &str,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let (dek_id, bytes) = keys::decode(sealed)?;
        let key = self.key_by_id(db, ctx.scope, dek_id).await?;
        keys::open_bytes(&key, ctx, dek_id, &bytes).inspect_err(|_| {
            tracing::warn!(
                vendor = ctx.vendor,
                "a sealed secret failed its integrity check"
            );
        })
    }

    /// Crypto-shredding: deletes the scope's data key (everything sealed under it becomes
    /// unreadable, [`VaultError::DataKeyMissing`]) and evicts it from this process's cache.
    /// Idempotent. Other replicas stop opening within [`DEK_CACHE_TTL`].
    #[tracing::instrument(skip_all, fields(scope = scope.kind(), scope_id = %scope.id()))]
    pub async fn destroy_scope<C: ConnectionTrait>(
        &self,
        db: &C,
        scope: KeyScope,
    ) -> Result<(), VaultError> {
        store::delete_scope(db, scope).await?;
        self.inner.cache.evict_scope(scope);
        Ok(())
    }
}

/// Crypto-shredding inside a caller's transaction: deletes the data keys of `scopes`, so every
/// ciphertext sealed under them is unreadable from then on. Used when a team or an organisation is
/// deleted (its connection rows go in the same transaction). A process's cached copy of a key
/// expires with the cache's lifetime; no ciphertext is left for it to open.
pub async fn shred_scopes<C: ConnectionTrait>(
    db: &C,
    scopes: &[KeyScope],
) -> Result<(), sea_orm::DbErr> {
    for scope in scopes {
        store::delete_scope(db, *scope).await?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "vault_tests.rs"]
mod tests;
