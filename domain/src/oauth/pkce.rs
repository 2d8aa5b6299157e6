//! PKCE (RFC 7636), S256 only (security.md AS-1, AS-2).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Whether `value` is a well-formed code verifier or S256 challenge alphabet: 43 to 128
/// characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
pub fn is_valid_verifier(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `challenge` is an S256 challenge: the base64url (no padding) of 32 bytes.
pub fn is_valid_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && URL_SAFE_NO_PAD
            .decode(challenge)
            .is_ok_and(|bytes| bytes.len() == 32)
}

/// The S256 challenge of `verifier`.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` is well-formed and hashes to `challenge` (compared in constant time).
pub fn verify(verifier: &str, challenge: &str) -> bool {
    is_valid_verifier(verifier) && bool::from(s256(verifier).as_bytes().ct_eq(challenge.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc_7636_appendix_b_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(verify(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!verify(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(is_valid_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!is_valid_s256_challenge(
            verifier.get(..42).unwrap_or_default()
        ));
    }

    /// AS-2, the reverse downgrade: a code without a challenge (the column is never NULL, so
    /// "none" can only be empty) accepts no verifier at all.
    #[test]
    fn no_verifier_matches_an_absent_challenge() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(verify(verifier, &s256(verifier)), "the control");
        assert!(!verify(verifier, ""));
        assert!(!verify("", ""));
    }

    #[test]
    fn verifier_length_boundaries() {
        for (len, ok) in [(42, false), (43, true), (128, true), (129, false)] {
            assert_eq!(is_valid_verifier(&"a".repeat(len)), ok, "length {len}");
        }
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(43))));
        assert!(!is_valid_verifier(&format!("{} ", "a".repeat(43))));
    }

    proptest! {
        #[test]
        fn only_the_unreserved_alphabet_is_accepted(s in "[A-Za-z0-9._~-]{43,128}") {
            prop_assert!(is_valid_verifier(&s));
            let challenge = s256(&s);
            prop_assert!(verify(&s, &challenge));
        }

        #[test]
        fn any_other_character_is_refused(prefix in "[A-Za-z0-9]{43}", bad in "[^A-Za-z0-9._~-]") {
            let candidate = format!("{prefix}{bad}");
            prop_assert!(!is_valid_verifier(&candidate));
        }
    }
}
