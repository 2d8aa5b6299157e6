//! Paths shared by the portal and the server's routers (one definition each).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Sign-in entry point: picks the sign-in method.
pub const LOGIN: &str = "/auth/login";
/// The development sign-in form (GET) and its submission (POST).
pub const DEV_LOGIN: &str = "/auth/dev/login";
/// Sign-out (POST only).
pub const LOGOUT: &str = "/auth/logout";
/// Shown after signing out.
pub const SIGNED_OUT: &str = "/signed-out";
/// Landing page after sign-in.
pub const SETTINGS: &str = "/settings";
/// Vendor connections.
pub const CONNECTIONS: &str = "/connections";
/// Teams and members.
pub const TEAMS: &str = "/teams";
/// The MCP endpoint clients are given.
pub const MCP: &str = "/v1/mcp";

/// Portal pages that need a signed-in user; anyone else is sent to sign-in and back.
pub const PROTECTED_PAGES: &[&str] = &[SETTINGS, CONNECTIONS, TEAMS];

/// Characters kept as they are in a `next` query value: RFC 3986 unreserved ones and `/`.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// `/auth/login?next=<path>` for a same-origin return path (percent-encoded).
pub fn login_with_next(next: &str) -> String {
    format!("{LOGIN}?next={}", encode_query_value(next))
}

/// `/auth/dev/login?next=<path>`, or the bare form path when there is nowhere to return to.
pub fn dev_login_with_next(next: &str) -> String {
    if next.is_empty() {
        DEV_LOGIN.to_owned()
    } else {
        format!("{DEV_LOGIN}?next={}", encode_query_value(next))
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters and `/` kept).
pub fn encode_query_value(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_parameter_is_encoded() {
        assert_eq!(login_with_next("/settings"), "/auth/login?next=/settings");
        assert_eq!(
            login_with_next("/teams?tab=a&b=c"),
            "/auth/login?next=/teams%3Ftab%3Da%26b%3Dc"
        );
        assert_eq!(login_with_next("/a b~é"), "/auth/login?next=/a%20b~%C3%A9");
        assert_eq!(dev_login_with_next(""), "/auth/dev/login");
        assert_eq!(dev_login_with_next("/teams"), "/auth/dev/login?next=/teams");
    }
}
