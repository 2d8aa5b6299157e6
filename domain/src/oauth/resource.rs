//! The protected resources (RFC 8707, RFC 9728): the gateway-wide MCP endpoint `/v1/mcp` (every
//! tool the user may use) and one endpoint per connection slug, `/v1/{slug}/mcp` (only that
//! connection's tools). A token is issued for exactly one of them and is refused at the others.

use url::Url;

use crate::connections::ConnectionSlug;

/// The path of the MCP endpoint.
pub const MCP_PATH: &str = "/v1/mcp";

/// The path of a per-connection endpoint: `/v1/{slug}/mcp`.
pub fn connection_path(slug: &ConnectionSlug) -> String {
    format!("/v1/{slug}/mcp")
}

/// Which MCP endpoint a path (`/v1/mcp` or `/v1/{slug}/mcp`) is: `Some(None)` for the
/// gateway-wide one, `Some(Some(slug))` for a connection's, `None` for anything else.
pub fn endpoint_of_path(path: &str) -> Option<Option<ConnectionSlug>> {
    if path == MCP_PATH {
        return Some(None);
    }
    let slug = path.strip_prefix("/v1/")?.strip_suffix("/mcp")?;
    let parsed = ConnectionSlug::parse(slug).ok()?;
    (parsed.as_str() == slug).then_some(Some(parsed))
}

/// The canonical resource URL a `resource` parameter names, when it is one of this gateway's MCP
/// endpoints (`canonical` is the gateway-wide one): same scheme, host and port, the path of an
/// endpoint with at most one trailing slash, nothing else. The answer is what grants store.
pub fn canonical_resource(requested: &str, canonical: &str) -> Option<String> {
    let (Ok(req), Ok(can)) = (Url::parse(requested), Url::parse(canonical)) else {
        return None;
    };
    let path = req.path().strip_suffix('/').unwrap_or(req.path());
    let same_origin = req.scheme() == can.scheme()
        && req.host() == can.host()
        && req.port_or_known_default() == can.port_or_known_default()
        && req.query().is_none()
        && req.fragment().is_none()
        && req.username().is_empty()
        && req.password().is_none();
    if !same_origin {
        return None;
    }
    let base = canonical.strip_suffix(MCP_PATH)?;
    match endpoint_of_path(path)? {
        None => Some(canonical.to_owned()),
        Some(slug) => Some(format!("{base}{}", connection_path(&slug))),
    }
}

/// The connection slug a stored resource is restricted to (`None`: the gateway-wide endpoint,
/// or not one of ours).
pub fn slug_of_resource(resource: &str, canonical: &str) -> Option<ConnectionSlug> {
    let base = canonical.strip_suffix(MCP_PATH)?;
    endpoint_of_path(resource.strip_prefix(base)?).flatten()
}

/// Whether a `resource` parameter names our MCP endpoint: the canonical URL, with scheme and
/// host in any case and an optional trailing slash tolerated (nothing else: no query, other
/// path, other port or fragment).
pub fn is_our_resource(requested: &str, canonical: &str) -> bool {
    let (Ok(req), Ok(can)) = (Url::parse(requested), Url::parse(canonical)) else {
        return false;
    };
    // `Url` lower-cases scheme and host; the path is compared as written, minus one trailing
    // slash.
    let path = req.path().strip_suffix('/').unwrap_or(req.path());
    req.scheme() == can.scheme()
        && req.host() == can.host()
        && req.port_or_known_default() == can.port_or_known_default()
        && path == can.path()
        && req.query().is_none()
        && req.fragment().is_none()
        && req.username().is_empty()
        && req.password().is_none()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn trailing_slash_and_host_case_are_tolerated_nothing_else() {
        let canonical = "https://gw.example.com/v1/mcp";
        for (requested, ok) in [
            ("https://gw.example.com/v1/mcp", true),
            ("https://gw.example.com/v1/mcp/", true),
            ("https://GW.Example.com/v1/mcp", true),
            ("HTTPS://gw.example.com/v1/mcp", true),
            ("https://gw.example.com:443/v1/mcp", true),
            ("https://gw.example.com/v1/MCP", false),
            ("https://gw.example.com/v1/mcp//", false),
            ("https://gw.example.com/v1/mcp?x=1", false),
            ("https://gw.example.com/v1/mcp#f", false),
            ("https://gw.example.com:8443/v1/mcp", false),
            ("http://gw.example.com/v1/mcp", false),
            ("https://evil.example/v1/mcp", false),
            ("https://gw.example.com/", false),
            ("https://gw.example.com", false),
            ("not a url", false),
        ] {
            assert_eq!(is_our_resource(requested, canonical), ok, "{requested}");
        }
    }

    #[test]
    fn a_resource_is_recognised_for_exactly_its_endpoint() {
        let settings = super::super::OAuthSettings::with_issuer("https://gw.example.com");
        let autotask = ConnectionSlug::parse("autotask").unwrap();
        let auto = ConnectionSlug::parse("auto").unwrap();
        let wide = "https://gw.example.com/v1/mcp";
        let at_autotask = "https://gw.example.com/v1/autotask/mcp";
        assert!(settings.is_resource_for(wide, None));
        assert!(!settings.is_resource_for(at_autotask, None));
        assert!(settings.is_resource_for(at_autotask, Some(&autotask)));
        assert!(!settings.is_resource_for(at_autotask, Some(&auto)));
        assert!(!settings.is_resource_for(wide, Some(&autotask)));
        assert!(!settings.is_resource_for("https://evil.example/v1/autotask/mcp", Some(&autotask)));
        assert!(!settings.is_resource_for(&format!("{at_autotask}/"), Some(&autotask)));
        for slug in [None, Some(&autotask)] {
            assert!(settings.is_resource_for(&settings.resource_for(slug), slug));
        }
    }

    #[test]
    fn per_connection_endpoints_are_resources_with_a_valid_slug_only() {
        let canonical = "https://gw.example.com/v1/mcp";
        for (requested, expected) in [
            ("https://gw.example.com/v1/mcp/", Some(canonical)),
            (
                "https://GW.example.com/v1/autotask/mcp",
                Some("https://gw.example.com/v1/autotask/mcp"),
            ),
            (
                "https://gw.example.com/v1/itglue-eu/mcp/",
                Some("https://gw.example.com/v1/itglue-eu/mcp"),
            ),
            ("https://gw.example.com/v1/gateway/mcp", None),
            ("https://gw.example.com/v1/Autotask/mcp", None),
            ("https://gw.example.com/v1/a--b/mcp", None),
            ("https://gw.example.com/v1/a/b/mcp", None),
            ("https://gw.example.com/v1//mcp", None),
            ("https://gw.example.com/v1/%2e%2e/mcp", None),
            ("https://gw.example.com/v1/autotask/mcp?x", None),
            ("https://evil.example/v1/autotask/mcp", None),
            ("https://gw.example.com:8443/v1/autotask/mcp", None),
        ] {
            assert_eq!(
                canonical_resource(requested, canonical).as_deref(),
                expected,
                "{requested}"
            );
        }
        assert_eq!(
            slug_of_resource("https://gw.example.com/v1/autotask/mcp", canonical)
                .map(|s| s.as_str().to_owned()),
            Some("autotask".to_owned())
        );
        assert_eq!(slug_of_resource(canonical, canonical), None);
        assert_eq!(
            slug_of_resource("https://evil.example/v1/autotask/mcp", canonical),
            None
        );
    }
}
