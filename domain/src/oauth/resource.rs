//! The one protected resource: the canonical MCP URL (RFC 8707, RFC 9728).

use url::Url;

/// The path of the MCP endpoint.
pub const MCP_PATH: &str = "/v1/mcp";

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
}
