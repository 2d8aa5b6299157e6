//! Sealing the successor of a rotated refresh token for the grace window: AES-256-GCM under a
//! key derived from the master key with HKDF-SHA256 (`info` names the purpose), the predecessor
//! token's hash as associated data, a random 96-bit nonce. `nonce || ciphertext`, base64url.

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

fn cipher(master: &MasterKey) -> Option<Aes256Gcm> {
    let mut key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, master.expose())
        .expand(b"mcp-gateway oauth refresh successor v1", key.as_mut())
        .ok()?;
    Aes256Gcm::new_from_slice(key.as_ref()).ok()
}

/// Seals `plaintext`, bound to `context`.
pub(crate) fn seal(master: &MasterKey, context: &str, plaintext: &[u8]) -> Option<String> {
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher(master)?
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

/// Opens what [`seal`] made for the same `context`; `None` if anything differs.
pub(crate) fn open(master: &MasterKey, context: &str, sealed: &str) -> Option<Zeroizing<Vec<u8>>> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < 12 {
        return None;
    }
    let (nonce, body) = bytes.split_at(12);
    cipher(master)?
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
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let key = MasterKey::from_bytes([7; 32]);
        let sealed = seal(&key, "ctx", b"secret successor").unwrap_or_default();
        assert!(!sealed.contains("secret"));
        assert_eq!(
            open(&key, "ctx", &sealed).map(|v| v.to_vec()),
            Some(b"secret successor".to_vec())
        );
        assert!(open(&key, "other", &sealed).is_none());
        assert!(open(&MasterKey::from_bytes([8; 32]), "ctx", &sealed).is_none());
    }
}
