//! Client ID Metadata Documents: a `client_id` that is an `https` URL names a JSON document the
//! client publishes (MCP 2025-11-25, SEP-991). The gateway fetches it through an SSRF guard:
//! `https` only; every address the host resolves to must be public (no loopback, private,
//! link-local, CGNAT, multicast, documentation or IPv4-mapped private addresses) and the request
//! goes to the address that was checked (no DNS rebinding); no redirects; 3 s to connect, 5 s in
//! all; at most 64 KiB (claude.ai's document is over the 5 KiB the draft suggests). The document's
//! `client_id` must equal the URL exactly, its `redirect_uris` must be registrable, it must be a
//! public client. It is cached per `Cache-Control: max-age` (1 minute to 24 hours; 1 hour when
//! absent) in `oauth_clients` (kind `metadata`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::Deserialize;
use url::Url;

use super::redirect;

/// The largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// Why a metadata document cannot be used (shown on the error page; never secrets).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Not an `https` URL with a path.
    #[error("the client_id URL must be https with a path")]
    NotHttps,
    /// The host resolves to an address the gateway does not call.
    #[error("the client_id URL's host is not a public address")]
    ForbiddenAddress,
    /// DNS failed.
    #[error("the client_id URL's host could not be resolved")]
    Unresolvable,
    /// Network error, timeout or a non-200 answer (redirects included).
    #[error("the metadata document could not be fetched ({0})")]
    Fetch(String),
    /// Over [`MAX_DOCUMENT_BYTES`].
    #[error("the metadata document is larger than 64 KiB")]
    TooLarge,
    /// Not the JSON expected.
    #[error("the metadata document is not valid client metadata ({0})")]
    Invalid(String),
    /// Its `client_id` is not the URL it was fetched from.
    #[error("the metadata document's client_id does not equal its URL")]
    ClientIdMismatch,
}

/// What the gateway keeps of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// `client_name`.
    pub client_name: String,
    /// `redirect_uris`.
    pub redirect_uris: Vec<String>,
    /// How long to cache it.
    pub max_age: time::Duration,
}

#[derive(Deserialize)]
struct RawDocument {
    client_id: String,
    client_name: Option<String>,
    redirect_uris: Option<Vec<String>>,
    token_endpoint_auth_method: Option<String>,
}

/// Whether the gateway may call `ip` (public unicast only).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || (first == 0x2001 && v6.segments()[1] == 0x0db8)) // documentation
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240)
}

/// Whether `client_id` is URL-shaped (a metadata document rather than a registered id).
pub fn is_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

/// Fetches and validates the document at `client_id`. `allow_loopback_http` (configuration
/// `oauth_cimd_allow_insecure_loopback`, for local testing only) lets `http://127.0.0.1:<port>/…`
/// through; nothing else is relaxed.
pub async fn fetch(client_id: &str, allow_loopback_http: bool) -> Result<Document, DocumentError> {
    let url = Url::parse(client_id).map_err(|_| DocumentError::NotHttps)?;
    let loopback_test = allow_loopback_http
        && url.scheme() == "http"
        && matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback());
    if (url.scheme() != "https" && !loopback_test)
        || url.path() == "/"
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(DocumentError::NotHttps);
    }
    let host = url.host_str().ok_or(DocumentError::NotHttps)?.to_owned();
    let port = url.port_or_known_default().ok_or(DocumentError::NotHttps)?;
    let addresses: Vec<SocketAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        _ => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| DocumentError::Unresolvable)?
            .collect(),
    };
    if addresses.is_empty() {
        return Err(DocumentError::Unresolvable);
    }
    if !loopback_test && !addresses.iter().all(|a| is_public(a.ip())) {
        return Err(DocumentError::ForbiddenAddress);
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(3))
        .timeout(std::time::Duration::from_secs(5))
        .resolve(&host, addresses[0])
        .build()
        .map_err(|e| DocumentError::Fetch(e.to_string()))?;
    let mut response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|_| DocumentError::Fetch("no answer".into()))?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(DocumentError::Fetch(format!(
            "status {}",
            response.status().as_u16()
        )));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
    {
        return Err(DocumentError::TooLarge);
    }
    let max_age = max_age(response.headers().get(reqwest::header::CACHE_CONTROL));
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| DocumentError::Fetch("the answer broke off".into()))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(DocumentError::TooLarge);
        }
    }
    let raw: RawDocument =
        serde_json::from_slice(&body).map_err(|e| DocumentError::Invalid(e.to_string()))?;
    if raw.client_id != client_id {
        return Err(DocumentError::ClientIdMismatch);
    }
    let client_name = raw
        .client_name
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect::<String>()
        })
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| DocumentError::Invalid("client_name is required".into()))?;
    let redirect_uris = raw
        .redirect_uris
        .filter(|u| !u.is_empty() && u.len() <= redirect::MAX_REDIRECT_URIS)
        .ok_or_else(|| DocumentError::Invalid("redirect_uris must list 1 to 10 URIs".into()))?;
    for uri in &redirect_uris {
        redirect::validate_registration(uri).map_err(|e| DocumentError::Invalid(e.to_string()))?;
    }
    if raw
        .token_endpoint_auth_method
        .as_deref()
        .is_some_and(|m| m != "none")
    {
        return Err(DocumentError::Invalid(
            "a metadata-document client must be public (token_endpoint_auth_method none)".into(),
        ));
    }
    Ok(Document {
        client_name: client_name.trim().to_owned(),
        redirect_uris,
        max_age,
    })
}

/// The cache lifetime from `Cache-Control` (`max-age`, clamped to 1 min – 24 h; `no-store` or
/// `no-cache` → 1 min; nothing → 1 h).
fn max_age(header: Option<&reqwest::header::HeaderValue>) -> time::Duration {
    let value = header
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if value.contains("no-store") || value.contains("no-cache") {
        return time::Duration::minutes(1);
    }
    let seconds = value
        .split(',')
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .find_map(|v| v.trim().parse::<i64>().ok());
    match seconds {
        Some(s) => time::Duration::seconds(s.clamp(60, 86_400)),
        None => time::Duration::hours(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_unicast_addresses_are_called() {
        for blocked in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "198.18.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(
                !is_public(blocked.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))),
                "{blocked}"
            );
        }
        for public in ["1.1.1.1", "160.79.104.10", "2606:4700::1111"] {
            assert!(
                is_public(public.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))),
                "{public}"
            );
        }
    }

    #[test]
    fn cache_lifetime_follows_cache_control_within_bounds() {
        let h = |v: &str| reqwest::header::HeaderValue::from_str(v).ok();
        assert_eq!(
            max_age(h("public, max-age=600").as_ref()),
            time::Duration::seconds(600)
        );
        assert_eq!(
            max_age(h("max-age=5").as_ref()),
            time::Duration::seconds(60)
        );
        assert_eq!(
            max_age(h("max-age=999999").as_ref()),
            time::Duration::hours(24)
        );
        assert_eq!(max_age(h("no-store").as_ref()), time::Duration::minutes(1));
        assert_eq!(max_age(None), time::Duration::hours(1));
    }

    #[tokio::test]
    async fn urls_that_are_not_public_https_are_never_fetched() {
        for (url, error) in [
            ("http://example.com/client.json", DocumentError::NotHttps),
            ("https://example.com/", DocumentError::NotHttps),
            ("https://user@example.com/c.json", DocumentError::NotHttps),
            ("https://127.0.0.1/c.json", DocumentError::ForbiddenAddress),
            ("https://10.0.0.1/c.json", DocumentError::ForbiddenAddress),
            (
                "https://169.254.169.254/latest/meta-data",
                DocumentError::ForbiddenAddress,
            ),
            ("https://[::1]/c.json", DocumentError::ForbiddenAddress),
            (
                "https://[::ffff:192.168.0.1]/c.json",
                DocumentError::ForbiddenAddress,
            ),
            ("https://localhost/c.json", DocumentError::ForbiddenAddress),
            // The testing switch admits plain http on 127.0.0.1 only when it is on.
            ("http://127.0.0.1:9/c.json", DocumentError::NotHttps),
        ] {
            assert_eq!(fetch(url, false).await, Err(error), "{url}");
        }
        assert_eq!(
            fetch("http://10.0.0.1:9/c.json", true).await,
            Err(DocumentError::NotHttps)
        );
    }
}
