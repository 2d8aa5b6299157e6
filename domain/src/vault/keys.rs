//! The vault's cryptography, and nothing else: deriving a master key's wrapping key and id, the
//! associated data (AAD) that binds every ciphertext to its context, AES-256-GCM with random
//! 96-bit nonces, and the text form of a sealed secret.
//!
//! All keys live in `Zeroizing` buffers; `aes` is built with its `zeroize` feature so the
//! expanded round keys of a cipher are wiped when it drops, too.

use aes_gcm::{
    aead::{Aead, KeyInit, Payload},
    Aes256Gcm, Key, Nonce,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::{KeyScope, SealContext, VaultError};
use crate::crypto::MasterKey;

/// Length of a data key and of a derived wrapping key (AES-256).
pub(super) const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// The version tag that starts every sealed value; a new format gets a new tag.
const FORMAT: &str = "v1";
/// Sealing refuses larger plaintexts: credentials are small, and a cap keeps a caller's mistake
/// (sealing a file) from becoming a multi-megabyte column.
pub(super) const MAX_PLAINTEXT_LEN: usize = 64 * 1024;

/// A key in a buffer that is wiped when dropped.
pub(super) type SecretKey = Zeroizing<[u8; KEY_LEN]>;

/// A master key as the vault uses it: a non-secret id and the key that wraps data keys.
///
/// The wrapping key is derived with HKDF-SHA256 rather than being the master key itself, so the
/// same master key can serve other purposes (the OAuth refresh-successor seal derives its own
/// key) without two uses ever sharing an AES key.
pub(super) struct Kek {
    /// Hex of SHA-256 over an HKDF output labelled "key id": names the key, reveals nothing.
    pub(super) id: String,
    wrap_key: SecretKey,
}

impl Kek {
    pub(super) fn derive(master: &MasterKey) -> Self {
        let hkdf = Hkdf::<Sha256>::new(None, master.expose());
        let expand = |info: &[u8]| {
            let mut out = Zeroizing::new([0u8; KEY_LEN]);
            #[allow(
                clippy::expect_used,
                reason = "HKDF-SHA256 expands up to 8160 bytes; 32 cannot fail"
            )]
            hkdf.expand(info, out.as_mut())
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            out
        };
        let id_material = expand(b"mcp-gateway vault kek id v1");
        let digest = Sha256::digest(id_material.as_ref());
        // 8 bytes tell a handful of master keys apart; the id is a label, not a security check
        // (a wrong key still fails the wrapped key's authentication tag).
        let id = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            id,
            wrap_key: expand(b"mcp-gateway vault kek wrap v1"),
        }
    }

    /// Wraps a data key: `nonce || AES-256-GCM(dek)`, bound to the scope, the data key's id and
    /// this master key's id.
    pub(super) fn wrap(&self, scope: KeyScope, dek_id: Uuid, dek: &SecretKey) -> Vec<u8> {
        encrypt(
            &self.wrap_key,
            &wrap_aad(scope, dek_id, &self.id),
            dek.as_ref(),
        )
    }

    /// Unwraps what [`Kek::wrap`] made for the same scope and data key id under this key.
    pub(super) fn unwrap(
        &self,
        scope: KeyScope,
        dek_id: Uuid,
        wrapped: &[u8],
    ) -> Result<SecretKey, VaultError> {
        let plain = decrypt(&self.wrap_key, &wrap_aad(scope, dek_id, &self.id), wrapped)?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        if plain.len() != KEY_LEN {
            return Err(VaultError::Integrity);
        }
        key.copy_from_slice(&plain);
        Ok(key)
    }
}

/// A fresh random data key. `rand::rng()` is a ChaCha CSPRNG seeded from the operating system.
pub(super) fn generate_data_key() -> SecretKey {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    rand::rng().fill_bytes(key.as_mut());
    key
}

/// Encrypts a secret under a data key, bound to its context: `nonce || ciphertext || tag`.
pub(super) fn seal_bytes(
    key: &SecretKey,
    ctx: &SealContext<'_>,
    dek_id: Uuid,
    msg: &[u8],
) -> Vec<u8> {
    encrypt(key, &secret_aad(ctx, dek_id), msg)
}

/// Decrypts what [`seal_bytes`] made for the same context and data key.
pub(super) fn open_bytes(
    key: &SecretKey,
    ctx: &SealContext<'_>,
    dek_id: Uuid,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    decrypt(key, &secret_aad(ctx, dek_id), sealed)
}

/// `v1.<data key id, 32 hex digits>.<base64url(nonce || ciphertext || tag)>`: one text value
/// that says which data key opens it, so the caller stores a single column.
pub(super) fn encode(dek_id: Uuid, bytes: &[u8]) -> String {
    format!(
        "{FORMAT}.{}.{}",
        dek_id.as_simple(),
        URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Parses [`encode`]'s output; anything else is [`VaultError::Malformed`].
pub(super) fn decode(sealed: &str) -> Result<(Uuid, Vec<u8>), VaultError> {
    let mut parts = sealed.split('.');
    let (Some(FORMAT), Some(id), Some(body), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VaultError::Malformed);
    };
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(VaultError::Malformed);
    }
    let dek_id = Uuid::try_parse(id).map_err(|_| VaultError::Malformed)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| VaultError::Malformed)?;
    if bytes.len() < NONCE_LEN + TAG_LEN {
        return Err(VaultError::Malformed);
    }
    Ok((dek_id, bytes))
}

fn encrypt(key: &SecretKey, aad: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_ref()));
    // Encryption fails only past GCM's 64 GiB message limit; callers cap lengths far below it.
    let ciphertext = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg, aad })
        .unwrap_or_default();
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce);
    out.extend(ciphertext);
    out
}

/// One error for every failure: a tampered nonce, ciphertext or tag, another context, another
/// key — telling them apart would help an attacker, never the operator.
fn decrypt(key: &SecretKey, aad: &[u8], bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    if bytes.len() < NONCE_LEN + TAG_LEN {
        return Err(VaultError::Integrity);
    }
    let (nonce, body) = bytes.split_at(NONCE_LEN);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_ref()));
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Integrity)
}

/// A data key's AAD: its scope, its id and the master key wrapping it (VAULT-2), so a wrapped
/// key copied to another scope's row, or relabelled with another `kek_id`, does not unwrap.
fn wrap_aad(scope: KeyScope, dek_id: Uuid, kek_id: &str) -> Vec<u8> {
    canonical(
        b"mcp-gateway vault data key v1",
        &[
            scope.kind().as_bytes(),
            scope.id().as_bytes(),
            dek_id.as_bytes(),
            kek_id.as_bytes(),
        ],
    )
}

/// A secret's AAD: the connection row, its scope, its vendor and the data key (VAULT-2), so a
/// ciphertext swapped into another row, scope or vendor does not open.
fn secret_aad(ctx: &SealContext<'_>, dek_id: Uuid) -> Vec<u8> {
    canonical(
        b"mcp-gateway vault secret v1",
        &[
            ctx.connection_id.as_bytes(),
            ctx.scope.kind().as_bytes(),
            ctx.scope.id().as_bytes(),
            ctx.vendor.as_bytes(),
            dek_id.as_bytes(),
        ],
    )
}

/// A label, then each field prefixed with its length: no two different tuples encode alike
/// (plain concatenation would make vendor `ab` + `c` equal `a` + `bc`).
fn canonical(label: &[u8], fields: &[&[u8]]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(label.len() + fields.iter().map(|f| f.len() + 4).sum::<usize>());
    out.extend_from_slice(label);
    for field in fields {
        out.extend_from_slice(&u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(field);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_kek_id_is_stable_short_and_not_the_key() {
        let master = MasterKey::from_bytes([9; 32]);
        let a = Kek::derive(&master);
        let b = Kek::derive(&MasterKey::from_bytes([9; 32]));
        assert_eq!(a.id, b.id);
        assert_eq!(a.id.len(), 16);
        assert_ne!(a.id, Kek::derive(&MasterKey::from_bytes([8; 32])).id);
        assert_ne!(a.wrap_key.as_ref(), master.expose());
    }

    #[test]
    fn canonical_encoding_separates_fields() {
        assert_ne!(
            canonical(b"l", &[b"ab", b"c"]),
            canonical(b"l", &[b"a", b"bc"])
        );
    }

    #[test]
    fn a_wrapped_key_unwraps_only_in_its_own_scope_and_id() {
        let kek = Kek::derive(&MasterKey::from_bytes([1; 32]));
        let scope = KeyScope::Team(Uuid::new_v4());
        let (dek_id, dek) = (Uuid::new_v4(), generate_data_key());
        let wrapped = kek.wrap(scope, dek_id, &dek);
        assert_eq!(
            kek.unwrap(scope, dek_id, &wrapped).unwrap().as_ref(),
            dek.as_ref()
        );
        let other_scope = KeyScope::User(scope.id());
        assert!(matches!(
            kek.unwrap(other_scope, dek_id, &wrapped),
            Err(VaultError::Integrity)
        ));
        assert!(matches!(
            kek.unwrap(scope, Uuid::new_v4(), &wrapped),
            Err(VaultError::Integrity)
        ));
    }

    #[test]
    fn decode_refuses_anything_but_the_v1_format() {
        let good = encode(Uuid::new_v4(), &[0u8; 40]);
        assert!(decode(&good).is_ok());
        for bad in [
            "",
            "v1",
            "v2.00000000000000000000000000000000.AAAA",
            &good.replacen("v1", "v2", 1),
            &format!("{good}.x"),
            &good.replace('.', ":"),
            &encode(Uuid::new_v4(), &[0u8; 27]),
            "v1.0000000000000000000000000000000g.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "v1.00000000-0000-0000-0000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "v1.00000000000000000000000000000000.!!!!",
        ] {
            assert!(matches!(decode(bad), Err(VaultError::Malformed)), "{bad}");
        }
    }
}
