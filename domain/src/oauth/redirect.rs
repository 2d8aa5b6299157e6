//! Redirect URIs: what may be registered, and whether a request's URI matches a registered one
//! (security.md AS-3). Exact string comparison; the only exception is RFC 8252 §7.3: for a
//! registered `http` loopback URI (`127.0.0.1`, `[::1]`, `localhost`) the request may use any
//! port — including a registered URI without a port, as Claude Code's metadata lists
//! `http://localhost/callback` while it listens on an ephemeral port. Scheme, host, path and
//! query still compare exactly, and `127.0.0.1` never matches `localhost`.

use url::Url;

/// The most redirect URIs one client may register.
pub const MAX_REDIRECT_URIS: usize = 10;
/// The longest redirect URI accepted.
pub const MAX_REDIRECT_URI_LEN: usize = 2000;

/// Why a redirect URI cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    /// Not an absolute URI.
    #[error("`{0}` is not an absolute URI")]
    NotAbsolute(String),
    /// `http` on a host that is not loopback.
    #[error("`{0}` uses http on a host that is not loopback; use https (http only for 127.0.0.1, [::1] or localhost)")]
    InsecureHttp(String),
    /// A dangerous or meaningless scheme.
    #[error("`{0}` has a scheme that cannot receive an authorization response")]
    ForbiddenScheme(String),
    /// A fragment (RFC 6749 §3.1.2 forbids it).
    #[error("`{0}` contains a fragment")]
    Fragment(String),
    /// User information (`https://a@host`).
    #[error("`{0}` contains user information")]
    UserInfo(String),
    /// Too long.
    #[error("a redirect URI is longer than {MAX_REDIRECT_URI_LEN} characters")]
    TooLong,
}

/// Whether `host` (as it appears in a URI) is a loopback host for the RFC 8252 rule.
fn loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
        Some(url::Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// Checks a URI a client wants to register.
pub fn validate_registration(uri: &str) -> Result<(), RedirectUriError> {
    if uri.len() > MAX_REDIRECT_URI_LEN {
        return Err(RedirectUriError::TooLong);
    }
    let url = Url::parse(uri).map_err(|_| RedirectUriError::NotAbsolute(uri.to_owned()))?;
    if url.fragment().is_some() || uri.contains('#') {
        return Err(RedirectUriError::Fragment(uri.to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(RedirectUriError::UserInfo(uri.to_owned()));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback_host(&url) => Ok(()),
        "http" => Err(RedirectUriError::InsecureHttp(uri.to_owned())),
        "javascript" | "data" | "file" | "vbscript" | "about" | "blob" | "ftp" | "ws" | "wss" => {
            Err(RedirectUriError::ForbiddenScheme(uri.to_owned()))
        }
        // A private-use scheme of a native app (`claude://…`, `com.example.app:/cb`): compared
        // exactly.
        scheme if scheme.contains('.') || scheme.len() > 2 => Ok(()),
        _ => Err(RedirectUriError::ForbiddenScheme(uri.to_owned())),
    }
}

/// The registered URI and the requested one differ only in the port of an `http` loopback URI.
fn loopback_port_only_difference(registered: &str, requested: &str) -> bool {
    let (Ok(reg), Ok(req)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    if reg.scheme() != "http" || req.scheme() != "http" || !loopback_host(&reg) {
        return false;
    }
    // Compare the written forms with the port removed, so nothing but the port may differ
    // (no normalisation of case, percent-encoding or path).
    let strip = |raw: &str, url: &Url| -> Option<String> {
        let host = match url.host()? {
            url::Host::Ipv6(_) => "[::1]".to_owned(),
            other => other.to_string(),
        };
        let prefix = format!("http://{host}");
        let rest = raw.strip_prefix(&prefix)?;
        let rest = match rest.strip_prefix(':') {
            Some(after) => {
                let digits = after.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                &after[digits..]
            }
            None => rest,
        };
        Some(format!("{prefix}{rest}"))
    };
    matches!((strip(registered, &reg), strip(requested, &req)), (Some(a), Some(b)) if a == b && !b.is_empty())
}

/// Whether `requested` matches one of `registered` (exactly, or by the loopback port rule).
pub fn matches(registered: &[String], requested: &str) -> bool {
    registered
        .iter()
        .any(|r| r == requested || loopback_port_only_difference(r, requested))
}

/// Whether every URI is a loopback one (the consent page warns: anyone can claim such a client).
pub fn loopback_only(uris: &[String]) -> bool {
    !uris.is_empty()
        && uris
            .iter()
            .all(|u| Url::parse(u).is_ok_and(|url| url.scheme() == "http" && loopback_host(&url)))
}

/// The host shown on the consent page for a redirect URI (or the scheme for a private-use one).
pub fn display_host(uri: &str) -> String {
    match Url::parse(uri) {
        Ok(url) => match url.host_str() {
            Some(host) => host.to_owned(),
            None => format!("{}:", url.scheme()),
        },
        Err(_) => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reg(uris: &[&str]) -> Vec<String> {
        uris.iter().map(|u| (*u).to_owned()).collect()
    }

    #[test]
    fn exact_matching_table() {
        let https = reg(&["https://claude.ai/api/mcp/auth_callback"]);
        let cases = [
            ("https://claude.ai/api/mcp/auth_callback", true),
            ("https://claude.ai/api/mcp/auth_callback/", false),
            ("https://CLAUDE.ai/api/mcp/auth_callback", false),
            ("HTTPS://claude.ai/api/mcp/auth_callback", false),
            ("https://claude.ai/api/mcp%2Fauth_callback", false),
            ("https://claude.ai/api/mcp/auth_callback?x=1", false),
            ("https://claude.ai/api/mcp/auth_callback#f", false),
            ("https://claude.ai/api/mcp/../mcp/auth_callback", false),
            ("https://a@claude.ai/api/mcp/auth_callback", false),
            ("https://claude.ai:443/api/mcp/auth_callback", false),
            ("https://claude.ai:8443/api/mcp/auth_callback", false),
            (
                "https://claude.ai.evil.example/api/mcp/auth_callback",
                false,
            ),
            (
                "https://evil.example/?https://claude.ai/api/mcp/auth_callback",
                false,
            ),
            ("http://claude.ai/api/mcp/auth_callback", false),
            ("https://claude.ai/api/mcp/auth_callbac", false),
            ("https://claude.ai/api/mcp/auth_callbackk", false),
        ];
        for (requested, ok) in cases {
            assert_eq!(matches(&https, requested), ok, "{requested}");
        }
    }

    #[test]
    fn loopback_ports_may_differ_but_nothing_else() {
        let code = reg(&["http://localhost/callback", "http://127.0.0.1/callback"]);
        let cases = [
            ("http://localhost/callback", true),
            ("http://localhost:54321/callback", true),
            ("http://127.0.0.1:8080/callback", true),
            ("http://127.0.0.1/callback", true),
            ("http://localhost:54321/callback/", false),
            ("http://localhost:54321/Callback", false),
            ("http://localhost:54321/callback?x=1", false),
            ("https://localhost:54321/callback", false),
            ("http://127.0.0.2:8080/callback", false),
            ("http://[::ffff:127.0.0.1]:8080/callback", false),
            ("http://localhost.evil.example:80/callback", false),
            ("http://localhost:/callback", false),
            ("http://LOCALHOST:5000/callback", false),
        ];
        for (requested, ok) in cases {
            assert_eq!(matches(&code, requested), ok, "{requested}");
        }
        let v6 = reg(&["http://[::1]:6276/oauth/callback"]);
        assert!(matches(&v6, "http://[::1]:9999/oauth/callback"));
        // 127.0.0.1 never matches localhost.
        assert!(!matches(
            &reg(&["http://127.0.0.1/cb"]),
            "http://localhost:1/cb"
        ));
        assert!(!matches(
            &reg(&["http://localhost/cb"]),
            "http://127.0.0.1:1/cb"
        ));
        // Custom schemes: exactly.
        let native = reg(&["claude://oauth/callback"]);
        assert!(matches(&native, "claude://oauth/callback"));
        assert!(!matches(&native, "claude://oauth/callback2"));
    }

    #[test]
    fn registration_rules() {
        for ok in [
            "https://claude.ai/api/mcp/auth_callback",
            "http://localhost/callback",
            "http://127.0.0.1:6276/oauth/callback",
            "http://[::1]/cb",
            "claude://oauth/callback",
            "com.example.app:/oauth",
        ] {
            assert_eq!(validate_registration(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://evil.example/cb",
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "https://claude.ai/cb#frag",
            "https://user@claude.ai/cb",
            "/relative/cb",
            "",
        ] {
            assert!(validate_registration(bad).is_err(), "{bad}");
        }
        assert!(loopback_only(&reg(&[
            "http://localhost/callback",
            "http://127.0.0.1/callback"
        ])));
        assert!(!loopback_only(&reg(&[
            "http://localhost/callback",
            "https://claude.ai/cb"
        ])));
        assert_eq!(
            display_host("https://claude.ai/api/mcp/auth_callback"),
            "claude.ai"
        );
    }

    proptest! {
        /// Accept ⇒ byte-equal, or a loopback URI differing only in its port.
        #[test]
        fn one_changed_byte_is_refused(index in 0usize..40, byte in 0x21u8..0x7f) {
            let registered = "https://claude.ai/api/mcp/auth_callback".to_owned();
            let mut bytes = registered.clone().into_bytes();
            let i = index % bytes.len();
            prop_assume!(bytes[i] != byte);
            bytes[i] = byte;
            let mutated = String::from_utf8(bytes).unwrap_or_default();
            prop_assert!(!matches(&[registered], &mutated));
        }

        #[test]
        fn loopback_accepts_every_port_and_only_the_port(port in 1u16..=65535) {
            let registered = vec!["http://127.0.0.1/oauth/callback".to_owned()];
            let with_port = format!("http://127.0.0.1:{port}/oauth/callback");
            prop_assert!(matches(&registered, &with_port));
            let other_path = format!("http://127.0.0.1:{port}/oauth/callbacks");
            prop_assert!(!matches(&registered, &other_path));
        }
    }
}

#[cfg(test)]
#[path = "redirect_props_tests.rs"]
mod props;
