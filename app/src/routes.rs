//! Paths shared by the portal and the server's routers (one definition each).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Sign-in entry point: picks the sign-in method.
pub const LOGIN: &str = "/auth/login";
/// The development sign-in form (GET) and its submission (POST).
pub const DEV_LOGIN: &str = "/auth/dev/login";
/// Starts a Microsoft Entra sign-in.
pub const MICROSOFT_LOGIN: &str = "/auth/microsoft/login";
/// Microsoft's redirect back.
pub const MICROSOFT_CALLBACK: &str = "/auth/microsoft/callback";
/// Starts an Auth0 sign-in (`connection=` optional).
pub const AUTH0_LOGIN: &str = "/auth/auth0/login";
/// Starts an Auth0 sign-up.
pub const AUTH0_SIGNUP: &str = "/auth/auth0/signup";
/// Auth0's redirect back.
pub const AUTH0_CALLBACK: &str = "/auth/auth0/callback";
/// Starts tenant onboarding (`customer_name=`, optional `tenant=`).
pub const ADMIN_CONSENT: &str = "/auth/admin-consent";
/// Microsoft's admin-consent redirect back.
pub const ADMIN_CONSENT_CALLBACK: &str = "/auth/admin-consent/callback";
/// The onboarding outcome page.
pub const ADMIN_CONSENT_RESULT: &str = "/auth/admin-consent/result";
/// The form asking for the organisation's name before admin consent.
pub const ONBOARD: &str = "/auth/onboard";
/// A sign-in that failed.
pub const AUTH_ERROR: &str = "/auth/error";
/// A Microsoft user whose tenant is not onboarded.
pub const NOT_ONBOARDED: &str = "/auth/not-onboarded";
/// The operators' page.
pub const ADMIN: &str = "/admin";
/// Sign-out (POST only).
pub const LOGOUT: &str = "/auth/logout";
/// Ends every session of the signed-in user (POST only).
pub const LOGOUT_EVERYWHERE: &str = "/auth/logout-everywhere";
/// Shown after signing out.
pub const SIGNED_OUT: &str = "/signed-out";
/// Landing page after sign-in.
pub const SETTINGS: &str = "/settings";
/// Vendor connections.
pub const CONNECTIONS: &str = "/connections";
/// The vendor catalog: every vendor, what it offers and what a connection needs (`q=` searches).
pub const CATALOG: &str = "/catalog";
/// Vendor health per vendor kind, for operators (JSON for `Accept: application/json`).
pub const HEALTH_VENDORS: &str = "/health/vendors";
/// The organisation: its members, roles, teams, invite links, plan.
pub const ORGANISATION: &str = "/organisation";
/// The organisation's audit log.
pub const ORGANISATION_AUDIT: &str = "/organisation/audit";
/// Its CSV export (served by the server, same query as the page).
pub const ORGANISATION_AUDIT_EXPORT: &str = "/organisation/audit/export.csv";
/// Where the organisation page was until the portal said "team" for it; answers a permanent
/// redirect to [`ORGANISATION`] (bookmarks and links in old emails keep working).
pub const LEGACY_TEAMS: &str = "/teams";
/// The old [`ORGANISATION_AUDIT`], redirected the same way.
pub const LEGACY_TEAM_AUDIT: &str = "/teams/audit";
/// The old [`ORGANISATION_AUDIT_EXPORT`], redirected the same way.
pub const LEGACY_TEAM_AUDIT_EXPORT: &str = "/teams/audit/export.csv";
/// Each old portal path and the path it moved to.
pub const MOVED_PAGES: [(&str, &str); 3] = [
    (LEGACY_TEAMS, ORGANISATION),
    (LEGACY_TEAM_AUDIT, ORGANISATION_AUDIT),
    (LEGACY_TEAM_AUDIT_EXPORT, ORGANISATION_AUDIT_EXPORT),
];
/// OAuth authorization endpoint (root path: older MCP clients construct it themselves).
pub const AUTHORIZE: &str = "/authorize";
/// Where sign-in returns to in the middle of an authorization.
pub const AUTHORIZE_CONTINUE: &str = "/authorize/continue";
/// OAuth token endpoint.
pub const TOKEN: &str = "/token";
/// Dynamic client registration (RFC 7591).
pub const REGISTER: &str = "/register";
/// Token revocation (RFC 7009).
pub const REVOKE: &str = "/revoke";
/// The consent popup (GET shows it, POST decides).
pub const OAUTH_CONSENT: &str = "/oauth/consent";
/// RFC 8414 metadata.
pub const AS_METADATA: &str = "/.well-known/oauth-authorization-server";
/// OpenID discovery path (same document).
pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
/// RFC 9728 metadata (root form).
pub const PROTECTED_RESOURCE_METADATA: &str = "/.well-known/oauth-protected-resource";

/// Invite links: `/invite/<token>`.
pub const INVITE: &str = "/invite";
/// The MCP endpoint clients are given.
pub const MCP: &str = "/v1/mcp";
/// One connection's MCP endpoint (axum route syntax): only that connection's tools.
pub const CONNECTION_MCP: &str = "/v1/{slug}/mcp";

/// Portal pages that need a signed-in user; anyone else is sent to sign-in and back.
pub const PROTECTED_PAGES: &[&str] = &[
    SETTINGS,
    CONNECTIONS,
    CATALOG,
    ORGANISATION,
    ADMIN,
    INVITE,
    OAUTH_CONSENT,
];

/// Whether `path` is one of [`PROTECTED_PAGES`] or below one (`/invite/<token>`).
pub fn is_protected_page(path: &str) -> bool {
    PROTECTED_PAGES
        .iter()
        .any(|p| path == *p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
}

/// The connections page with `vendor`'s connect form open (the catalog's *Connect* buttons).
pub fn connect_vendor(vendor: &str) -> String {
    format!(
        "{CONNECTIONS}?connect={}#connect-panel",
        encode_query_value(vendor)
    )
}

/// The invite link for `token` on `public_origin`.
pub fn invite_link(public_origin: &str, token: &str) -> String {
    format!("{}{INVITE}/{token}", public_origin.trim_end_matches('/'))
}

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
    with_next(DEV_LOGIN, next)
}

/// `path?next=<next>`, or `path` when there is nowhere to return to.
pub fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?next={}", encode_query_value(next))
    }
}

/// The consent link for a customer (absolute, to send to a Microsoft 365 administrator).
pub fn admin_consent_link(public_origin: &str, customer_name: &str) -> String {
    format!(
        "{public_origin}{ADMIN_CONSENT}?customer_name={}",
        encode_query_value(customer_name)
    )
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
            login_with_next("/organisation?tab=a&b=c"),
            "/auth/login?next=/organisation%3Ftab%3Da%26b%3Dc"
        );
        assert_eq!(login_with_next("/a b~é"), "/auth/login?next=/a%20b~%C3%A9");
        assert_eq!(dev_login_with_next(""), "/auth/dev/login");
        assert_eq!(
            dev_login_with_next("/organisation"),
            "/auth/dev/login?next=/organisation"
        );
    }

    #[test]
    fn every_moved_page_leads_to_a_protected_page_and_is_not_one_itself() {
        for (old, new) in MOVED_PAGES {
            assert!(is_protected_page(new), "{new}");
            assert!(
                !is_protected_page(old),
                "{old} answers its redirect to anyone"
            );
        }
        assert!(is_protected_page("/organisation/audit/export.csv"));
        assert!(is_protected_page(CATALOG));
        assert_eq!(
            connect_vendor("itglue"),
            "/connections?connect=itglue#connect-panel"
        );
        assert!(!is_protected_page("/organisations"));
    }
}
