//! List cursors: the `next_cursor` a truncated list result carries and the `cursor` argument
//! that resumes it. A cursor holds the vendor request of the page to continue from (method,
//! URL, body — as the engine itself built or followed it) and how many items of that page were
//! already returned, so the next call continues exactly after the last item shown, whatever the
//! vendor's paging style.
//!
//! Sealed, not just signed: AES-256-GCM under the engine's cursor key (random per process, or
//! derived from the master key with HKDF-SHA256 so every replica opens every other's cursors),
//! a random 96-bit nonce, and `(connection, vendor, tool)` as associated data. A model can
//! neither read the vendor URL inside nor change it, nor replay a cursor on another tool or
//! connection; on opening, the URL must still be on the connection's base origin (a region
//! changed since is refused too). Rejected: an HMAC over a readable cursor (it would show
//! vendor query strings to the model and invite edits that are only caught later), and putting
//! page numbers in tool arguments (a different argument per paging style, and no way to resume
//! a page partly shown).

use aes_gcm::{
    aead::{Aead, KeyInit, Payload},
    Aes256Gcm, Nonce,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hkdf::Hkdf;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;
use url::Url;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{crypto::MasterKey, vendors::CallError};

/// Marks the format, so a future change can refuse old cursors plainly.
const PREFIX: &str = "c1.";

/// Where a listing resumes: one vendor request and the items of its page already returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Cursor {
    /// HTTP method of the page's request.
    #[serde(rename = "m")]
    pub method: String,
    /// The page's URL (on the base URL's origin).
    #[serde(rename = "u")]
    pub url: String,
    /// The page's JSON body, when its request had one (a listing whose first page is a POST).
    #[serde(rename = "b", default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Items at the start of that page that were already returned.
    #[serde(rename = "s")]
    pub skip: usize,
}

/// Seals and opens cursors with the engine's key.
pub(super) struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    /// A sealer with a random key: cursors are valid in this process only.
    pub fn random() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(key.as_mut());
        Self::from_key(&key)
    }

    /// A sealer whose key is derived from the master key (the same on every replica).
    pub fn from_master(master: &MasterKey) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        // 32 bytes is a valid HKDF-SHA256 output length: expand cannot fail.
        let _ = Hkdf::<Sha256>::new(None, master.expose())
            .expand(b"mcp-gateway vendor list cursor v1", key.as_mut());
        Self::from_key(&key)
    }

    fn from_key(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// The cursor as an opaque string, bound to one tool of one connection.
    pub fn seal(&self, binding: &Binding<'_>, cursor: &Cursor) -> Option<String> {
        let plain = serde_json::to_vec(cursor).ok()?;
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let aad = binding.aad();
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .ok()?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Some(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Opens a cursor this sealer made for the same binding; its URL must be on `base`'s
    /// origin.
    pub fn open(&self, binding: &Binding<'_>, text: &str, base: &Url) -> Result<Cursor, CallError> {
        let refused = || {
            CallError::InvalidArguments(
                "`cursor` is not a cursor this tool returned for this connection (it was changed, \
                 comes from another tool or connection, or the gateway restarted since); list \
                 again without `cursor`"
                    .into(),
            )
        };
        let bytes = text
            .strip_prefix(PREFIX)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > 12)
            .ok_or_else(refused)?;
        let (nonce, body) = bytes.split_at(12);
        let aad = binding.aad();
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| refused())?;
        let cursor: Cursor = serde_json::from_slice(&plain).map_err(|_| refused())?;
        let url = Url::parse(&cursor.url).map_err(|_| refused())?;
        if url.origin() != base.origin() {
            return Err(CallError::InvalidArguments(
                "`cursor` was made for another address of this vendor (the connection's region \
                 or server changed); list again without `cursor`"
                    .into(),
            ));
        }
        Ok(cursor)
    }
}

/// What a cursor is bound to.
pub(super) struct Binding<'a> {
    /// The connection.
    pub connection: Uuid,
    /// The vendor's slug.
    pub vendor: &'a str,
    /// The tool's name.
    pub tool: &'a str,
}

impl Binding<'_> {
    fn aad(&self) -> Vec<u8> {
        let mut aad = b"vendor list cursor\0".to_vec();
        aad.extend_from_slice(self.connection.as_bytes());
        aad.extend_from_slice(self.vendor.as_bytes());
        aad.push(0);
        aad.extend_from_slice(self.tool.as_bytes());
        aad
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn cursor() -> Cursor {
        Cursor {
            method: "GET".into(),
            url: "https://api.itglue.com/organizations?page%5Bnumber%5D=2".into(),
            body: None,
            skip: 3,
        }
    }

    #[test]
    fn a_cursor_opens_only_for_its_tool_connection_key_and_origin() {
        let sealer = Sealer::random();
        let id = Uuid::new_v4();
        let bind = |tool| Binding {
            connection: id,
            vendor: "itglue",
            tool,
        };
        let base = Url::parse("https://api.itglue.com").unwrap();
        let text = sealer.seal(&bind("list_organizations"), &cursor()).unwrap();
        // The URL is not readable in it.
        assert!(!text.contains("itglue") && !text.contains("page"));
        assert_eq!(
            sealer
                .open(&bind("list_organizations"), &text, &base)
                .unwrap(),
            cursor()
        );
        assert!(sealer.open(&bind("list_contacts"), &text, &base).is_err());
        let other = Binding {
            connection: Uuid::new_v4(),
            vendor: "itglue",
            tool: "list_organizations",
        };
        assert!(sealer.open(&other, &text, &base).is_err());
        assert!(Sealer::random()
            .open(&bind("list_organizations"), &text, &base)
            .is_err());
        let eu = Url::parse("https://api.eu.itglue.com").unwrap();
        let err = sealer
            .open(&bind("list_organizations"), &text, &eu)
            .unwrap_err();
        assert!(
            err.message("IT Glue").contains("another address"),
            "{err:?}"
        );
        // One flipped character anywhere is refused.
        let mut bytes = text.clone().into_bytes();
        let at = bytes.len() - 5;
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(sealer
            .open(&bind("list_organizations"), &tampered, &base)
            .is_err());
    }

    #[test]
    fn replicas_sharing_the_master_key_open_each_others_cursors() {
        let master = MasterKey::from_bytes([7; 32]);
        let (a, b) = (Sealer::from_master(&master), Sealer::from_master(&master));
        let bind = Binding {
            connection: Uuid::nil(),
            vendor: "v",
            tool: "t",
        };
        let base = Url::parse("https://api.itglue.com").unwrap();
        let text = a.seal(&bind, &cursor()).unwrap();
        assert_eq!(b.open(&bind, &text, &base).unwrap(), cursor());
    }
}
