//! Client ID Metadata Documents: a `client_id` that is an `https` URL names a JSON document the
//! client publishes (MCP 2025-11-25, SEP-991). The gateway fetches it through the outbound
//! guard ([`crate::outbound`], strict: public addresses only, whatever the operator relaxed for
//! vendors): `https` only; every address the host resolves to must be public and the request
//! goes to the address that was checked (no DNS rebinding); no redirects; 5 s in all; at most
//! 64 KiB (claude.ai's document is over the 5 KiB the draft suggests). The document's
//! `client_id` must equal the URL exactly, its `redirect_uris` must be registrable, it must be a
//! public client. It is cached per `Cache-Control: max-age` (1 minute to 24 hours; 1 hour when
//! absent) in `oauth_clients` (kind `metadata`).

use serde::Deserialize;
use url::Url;

use super::redirect;
use crate::outbound::{Limits, Outbound, OutboundError, OutboundSettings};

/// The largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// 5 s in all (name lookup, connection, body), at most [`MAX_DOCUMENT_BYTES`].
const LIMITS: Limits = Limits {
    timeout: std::time::Duration::from_secs(5),
    max_bytes: MAX_DOCUMENT_BYTES,
};

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

/// Whether `client_id` is URL-shaped (a metadata document rather than a registered id).
pub fn is_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

/// Fetches and validates the document at `client_id` through the outbound guard's
/// [`Outbound::public_only`] twin (a client id is chosen by anyone, so neither
/// `outbound_allow_private` nor the origin overrides apply). `allow_loopback_http`
/// (configuration `oauth_cimd_allow_insecure_loopback`, for local testing only) lets
/// `http://127.0.0.1:<port>/…` through; nothing else is relaxed.
pub async fn fetch(
    outbound: &Outbound,
    client_id: &str,
    allow_loopback_http: bool,
) -> Result<Document, DocumentError> {
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
    // The testing switch needs a guard that admits loopback; built only then, and only for a
    // URL just checked to be http://127.x.
    let loopback_guard;
    let guard = if loopback_test {
        loopback_guard = Outbound::new(OutboundSettings {
            allow_private: true,
            ..OutboundSettings::default()
        })
        .map_err(|e| DocumentError::Fetch(e.to_string()))?;
        &loopback_guard
    } else {
        outbound.public_only()
    };
    let mut request = reqwest::Request::new(reqwest::Method::GET, url);
    request.headers_mut().insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    let response = guard.send(request, LIMITS).await.map_err(|e| match e {
        OutboundError::NotHttps => DocumentError::NotHttps,
        OutboundError::ForbiddenAddress => DocumentError::ForbiddenAddress,
        OutboundError::HostNotFound => DocumentError::Unresolvable,
        OutboundError::TooLarge => DocumentError::TooLarge,
        OutboundError::ConnectionRefused
        | OutboundError::TimedOut
        | OutboundError::Tls
        | OutboundError::Network => DocumentError::Fetch("no answer".into()),
    })?;
    if response.status != reqwest::StatusCode::OK {
        return Err(DocumentError::Fetch(format!(
            "status {}",
            response.status.as_u16()
        )));
    }
    let max_age = max_age(response.headers.get(reqwest::header::CACHE_CONTROL));
    let body = response.body;
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
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::outbound::address::is_public;

    fn outbound() -> Outbound {
        Outbound::new(OutboundSettings::default()).unwrap_or_else(|e| unreachable!("{e}"))
    }

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
            assert_eq!(fetch(&outbound(), url, false).await, Err(error), "{url}");
        }
        assert_eq!(
            fetch(&outbound(), "http://10.0.0.1:9/c.json", true).await,
            Err(DocumentError::NotHttps)
        );
    }

    #[tokio::test]
    async fn the_operators_relaxations_for_vendors_never_reach_a_client_id_url() {
        // Arrange: a LAN install (private targets allowed) that also overrides an origin.
        let (key, target) =
            OutboundSettings::parse_override("https://client.example", "http://127.0.0.1:9")
                .unwrap_or_else(|e| unreachable!("{e}"));
        let relaxed = Outbound::new(OutboundSettings {
            allow_private: true,
            origin_overrides: std::collections::BTreeMap::from([(key, target)]),
            ..OutboundSettings::default()
        })
        .unwrap_or_else(|e| unreachable!("{e}"));
        // Act + Assert: private addresses stay refused and the override is not applied (the
        // name is then looked up for real, and `.example` does not resolve).
        for (url, error) in [
            ("https://10.0.0.1/c.json", DocumentError::ForbiddenAddress),
            ("https://[::1]/c.json", DocumentError::ForbiddenAddress),
            ("https://localhost/c.json", DocumentError::ForbiddenAddress),
            ("https://client.example/c.json", DocumentError::Unresolvable),
        ] {
            assert_eq!(fetch(&relaxed, url, false).await, Err(error), "{url}");
        }
    }
}
