//! Sealing the successor of a rotated refresh token for the grace window: AES-256-GCM under a
//! key derived with HKDF-SHA256 from the master key *and the predecessor token itself* (`info`
//! names the purpose), the predecessor's hash as associated data, a random 96-bit nonce.
//! `nonce || ciphertext`, base64url.
//!
//! Why the predecessor goes into the key (security.md VAULT-6): the database stores only its
//! SHA-256, so a copy of the database together with the master key still cannot open a sealed
//! successor and take over a live refresh token; only someone who holds the predecessor — the
//! client, re-presenting it within the grace window — can. Rejected: deleting the sealed value
//! exactly when the window ends (a timer per rotation on some replica; a crash or a slow
//! housekeeping run leaves it readable), and sealing under the master key alone (what this
//! replaced: database + key = live token until the hourly clean-up).

use aes_gcm::{
    aead::{Aead, KeyInit, Payload},
    Aes256Gcm, Nonce,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::crypto::MasterKey;

fn cipher(master: &MasterKey, predecessor: &str) -> Option<Aes256Gcm> {
    let mut material = Zeroizing::new(Vec::with_capacity(32 + predecessor.len()));
    material.extend_from_slice(master.expose());
    material.extend_from_slice(predecessor.as_bytes());
    let mut key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, &material)
        .expand(b"mcp-gateway oauth refresh successor v2", key.as_mut())
        .ok()?;
    Aes256Gcm::new_from_slice(key.as_ref()).ok()
}

/// Seals `plaintext` under the master key and the `predecessor` token, bound to `context`.
pub(crate) fn seal(
    master: &MasterKey,
    predecessor: &str,
    context: &str,
    plaintext: &[u8],
) -> Option<String> {
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher(master, predecessor)?
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: context.as_bytes(),
            },
        )
        .ok()?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Some(URL_SAFE_NO_PAD.encode(out))
}

/// Opens what [`seal`] made with the same key, predecessor and `context`; `None` if anything
/// differs.
pub(crate) fn open(
    master: &MasterKey,
    predecessor: &str,
    context: &str,
    sealed: &str,
) -> Option<Zeroizing<Vec<u8>>> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < 12 {
        return None;
    }
    let (nonce, body) = bytes.split_at(12);
    cipher(master, predecessor)?
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: context.as_bytes(),
            },
        )
        .ok()
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_predecessor_and_context() {
        let key = MasterKey::from_bytes([7; 32]);
        let sealed = seal(&key, "gwrt_old", "ctx", b"secret successor").unwrap_or_default();
        assert!(!sealed.contains("secret"));
        assert_eq!(
            open(&key, "gwrt_old", "ctx", &sealed).map(|v| v.to_vec()),
            Some(b"secret successor".to_vec())
        );
        assert!(open(&key, "gwrt_old", "other", &sealed).is_none());
        assert!(open(&MasterKey::from_bytes([8; 32]), "gwrt_old", "ctx", &sealed).is_none());
        // The master key and the stored context (the predecessor's hash) are not enough.
        assert!(open(&key, "", "ctx", &sealed).is_none());
        assert!(open(&key, "gwrt_other", "ctx", &sealed).is_none());
    }
}
