//! Sealed `Mcp-Session-Id`s: sessions that survive restarts and work on every replica without a
//! database (MCP 2025-11-25 transports, "Session Management"; security.md MCP-5).
//!
//! The id is AES-256-GCM ciphertext (key from the master key with HKDF-SHA256, its own `info`)
//! over [`SessionClaims`]: who opened it (user, client, grant), the negotiated protocol version
//! and when. Any replica that holds the master key opens it, so a deploy or a load balancer
//! changing replicas does not break sessions (product.md §5.3). The id is not a credential: the
//! bearer token is checked on every request and must name the same user and client (else 404).
//!
//! Rejected: a random id in a table (a database read on every MCP request, and the hot path must
//! stay off the database), or a random id in process memory (lost on every deploy — the very
//! failure we are replacing).
//!
//! Ending a session (`DELETE`) is recorded in [`EndedSessions`], in memory per replica with an
//! expiry: a sealed id cannot be un-issued, and a shared table would put a read back on the hot
//! path. Trade-off, accepted: after a `DELETE` on replica A, the same client with the same user's
//! valid token could keep using the id on replica B until the id's [`SESSION_LIFETIME`] ends.
//! Nothing is gained by that (the token alone opens a new session), so it is not a privilege.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};

use aes_gcm::{
    aead::{Aead, KeyInit, Payload},
    Aes256Gcm, Nonce,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hkdf::Hkdf;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::crypto::MasterKey;

use super::McpCaller;

/// Prefix of every session id (and the format version).
const PREFIX: &str = "mcps1.";
/// HKDF `info`: a key for this purpose only.
const KEY_INFO: &[u8] = b"mcp-gateway mcp session id v1";
/// Associated data: binds the ciphertext to this use.
const AAD: &[u8] = b"mcp-session";
/// A session id is honoured this long after `initialize` (then 404, and the client
/// re-initialises — which every client does on its own).
pub const SESSION_LIFETIME: Duration = Duration::days(30);

/// What a session id carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The user who opened it (none for a service client).
    #[serde(rename = "u")]
    pub user_id: Option<Uuid>,
    /// The OAuth client that opened it.
    #[serde(rename = "c")]
    pub client_id: String,
    /// The grant of the token that opened it (for the logs; a refreshed token keeps it).
    #[serde(rename = "g")]
    pub grant_id: Uuid,
    /// The negotiated protocol version.
    #[serde(rename = "v")]
    pub protocol_version: String,
    /// When `initialize` was answered (Unix seconds).
    #[serde(rename = "t")]
    pub issued_at: i64,
    /// The per-connection endpoint it was opened on (`/v1/{slug}/mcp`); none for `/v1/mcp`.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
}

impl SessionClaims {
    /// The claims of a session `caller` opens now with `protocol_version`.
    pub fn new(caller: &McpCaller, protocol_version: &str, now: OffsetDateTime) -> Self {
        Self {
            user_id: caller.user_id,
            client_id: caller.client_id.clone(),
            grant_id: caller.grant_id,
            protocol_version: protocol_version.to_owned(),
            issued_at: now.unix_timestamp(),
            connection: caller.connection.as_ref().map(|s| s.as_str().to_owned()),
        }
    }

    /// Whether `caller`'s token may use this session: the same user, the same client and the
    /// same endpoint (a session of `/v1/mcp` is unknown at `/v1/{slug}/mcp`, and the reverse).
    pub fn belongs_to(&self, caller: &McpCaller) -> bool {
        self.user_id == caller.user_id
            && self.client_id == caller.client_id
            && self.connection.as_deref() == caller.connection.as_ref().map(|s| s.as_str())
    }

    /// Whether the session is past its [`SESSION_LIFETIME`] at `now` (or issued in the future).
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        let age = now.unix_timestamp() - self.issued_at;
        age < -60 || age > SESSION_LIFETIME.whole_seconds()
    }
}

/// Seals and opens session ids under the key derived from the master key.
pub struct SessionKeys {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(<hidden>)")
    }
}

impl SessionKeys {
    /// Derives the session key from the master key.
    pub fn derive(master: &MasterKey) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        // HKDF-SHA256 can expand up to 8160 bytes; 32 never fails.
        let _ = Hkdf::<Sha256>::new(None, master.expose()).expand(KEY_INFO, key.as_mut());
        Self {
            cipher: Aes256Gcm::new(aes_gcm::Key::<Aes256Gcm>::from_slice(key.as_ref())),
        }
    }

    /// A new session id for `claims`: `mcps1.` + base64url(nonce ‖ ciphertext), visible ASCII.
    pub fn seal(&self, claims: &SessionClaims) -> Option<String> {
        let plaintext = Zeroizing::new(serde_json::to_vec(claims).ok()?);
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &plaintext,
                    aad: AAD,
                },
            )
            .ok()?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Some(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// The claims of a session id this gateway (any replica, same master key) issued; `None` for
    /// anything malformed, forged, or sealed under another key.
    pub fn open(&self, id: &str) -> Option<SessionClaims> {
        let encoded = id.strip_prefix(PREFIX)?;
        if encoded.len() > 1024 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        let plaintext = Zeroizing::new(
            self.cipher
                .decrypt(
                    Nonce::from_slice(nonce),
                    Payload {
                        msg: body,
                        aad: AAD,
                    },
                )
                .ok()?,
        );
        serde_json::from_slice(&plaintext).ok()
    }
}

/// Session ids ended with `DELETE` on this replica, until they would have expired anyway.
#[derive(Debug, Default)]
pub struct EndedSessions {
    ended: Mutex<HashMap<[u8; 32], OffsetDateTime>>,
}

impl EndedSessions {
    /// Records `id` (with `claims`) as ended; forgets entries past their lifetime.
    pub fn end(&self, id: &str, claims: &SessionClaims, now: OffsetDateTime) {
        let until = OffsetDateTime::from_unix_timestamp(claims.issued_at)
            .map(|issued| issued + SESSION_LIFETIME)
            .unwrap_or(now + SESSION_LIFETIME);
        let mut ended = self.ended.lock().unwrap_or_else(PoisonError::into_inner);
        ended.retain(|_, expiry| *expiry > now);
        ended.insert(fingerprint(id), until);
    }

    /// Whether `id` was ended here.
    pub fn is_ended(&self, id: &str) -> bool {
        self.ended
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&fingerprint(id))
    }
}

/// SHA-256 of a session id: what the in-memory registries key on.
pub(crate) fn fingerprint(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
