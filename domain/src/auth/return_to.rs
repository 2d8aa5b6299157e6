//! The path a user returns to after signing in (`?next=`), accepted only as a same-origin
//! relative path — the portal must never become an open redirector (security.md AS-4,
//! RFC 9700 §4.11).
//!
//! Browsers are lenient in ways that turn innocent-looking strings into other origins: `//evil`
//! and `/\evil` are scheme-relative (WHATWG URL treats `\` as `/` for http), and tab/CR/LF are
//! silently removed (`/\t/evil` → `//evil`). So the rule is an allow-list: a single leading `/`
//! followed by printable ASCII path characters other than `\`, and never `//` at the start.
//! Percent-encoding is left as is: `/%2F%2Fevil` is a path on this origin to every browser.

use std::fmt;

/// Where to go after sign-in when no (acceptable) return path was given.
pub const DEFAULT_RETURN_PATH: &str = "/settings";
/// Longest accepted return path.
pub const MAX_RETURN_PATH_LEN: usize = 1024;

/// A validated same-origin relative path (with optional query), e.g. `/settings?tab=apps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPath(String);

impl ReturnPath {
    /// Accepts `value` only if it is a same-origin relative path.
    pub fn parse(value: &str) -> Option<Self> {
        let bytes = value.as_bytes();
        let ok = !value.is_empty()
            && value.len() <= MAX_RETURN_PATH_LEN
            && bytes[0] == b'/'
            && !matches!(bytes.get(1), Some(b'/' | b'\\'))
            && bytes
                .iter()
                .all(|&b| b.is_ascii_graphic() && b != b'\\' && b != b'#');
        ok.then(|| Self(value.to_owned()))
    }

    /// `value` if acceptable, else the default (`/settings`). Used for untrusted `next` values.
    pub fn parse_or_default(value: Option<&str>) -> Self {
        value.and_then(Self::parse).unwrap_or_default()
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ReturnPath {
    fn default() -> Self {
        Self(DEFAULT_RETURN_PATH.to_owned())
    }
}

impl fmt::Display for ReturnPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use proptest::prelude::*;
    use url::Url;

    use super::*;

    #[test]
    fn ordinary_paths_are_accepted() {
        for ok in [
            "/settings",
            "/",
            "/teams?tab=members&x=1",
            "/a/b/c",
            "/%2F%2Fevil",
            "/connections/%C3%A9",
        ] {
            assert_eq!(ReturnPath::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn off_origin_and_ambiguous_values_are_refused() {
        for bad in [
            "//evil.example",
            "https://evil",
            "/\\evil",
            "\\\\evil",
            "/\t/evil",
            "/\n/evil",
            " /settings",
            "%2F%2Fevil",
            "javascript:alert(1)",
            "settings",
            "",
            "/settings#frag",
            "/\u{ff0f}evil",
        ] {
            assert_eq!(ReturnPath::parse(bad), None, "{bad:?}");
        }
        assert!(ReturnPath::parse(&format!("/{}", "a".repeat(MAX_RETURN_PATH_LEN))).is_none());
    }

    #[test]
    fn an_unacceptable_value_falls_back_to_settings() {
        assert_eq!(
            ReturnPath::parse_or_default(Some("//evil")).as_str(),
            "/settings"
        );
        assert_eq!(ReturnPath::parse_or_default(None).as_str(), "/settings");
    }

    proptest! {
        // Whatever is accepted resolves, per the WHATWG URL parser, to the gateway's own origin.
        #[test]
        fn every_accepted_path_stays_on_the_origin(s in "[/\\\\a-z%:.@?&=\t ]{0,12}") {
            let base = Url::parse("https://gateway.example:8443/auth/login").unwrap();
            if let Some(p) = ReturnPath::parse(&s) {
                let resolved = base.join(p.as_str()).unwrap();
                prop_assert_eq!(resolved.origin(), base.origin());
            }
        }
    }
}
