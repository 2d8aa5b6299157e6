//! The one outbound HTTP guard: every request the gateway makes to an address a user, a vendor
//! definition or a document supplied goes through [`Outbound`] (MCP-4, SSRF).
//!
//! Rules: `https` only; no userinfo; every address a host resolves to must be public (see
//! [`address::is_public`]) and the connection is made to the address that was checked (the
//! resolver itself refuses, so DNS rebinding between check and connect is impossible); no proxy
//! from the environment; no redirects followed (a 3xx is an answer the caller classifies); time
//! and size capped per request. `outbound_allow_private` (operators of LAN installs, and tests)
//! admits private and loopback targets, and plain `http` to them only.
//!
//! `origin_overrides` (operator configuration, trusted) maps an origin the gateway would call
//! (`https://api.itglue.com`) to another (`http://127.0.0.1:4567`): a vendor fake in tests, or a
//! forward gateway in a LAN install. It is applied to every request before the checks above, and
//! its targets are admitted even when private.
//!
//! URLs anyone may choose (Client ID Metadata Documents, later DCR `logo_uri`/`jwks_uri`) go
//! through [`Outbound::public_only`]: the LAN relaxation and the overrides are for the vendor
//! connections an operator set up, not for addresses an anonymous client names.

pub mod address;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use reqwest::dns::Resolve;
use url::{Position, Url};

/// Outbound settings, from the configuration.
#[derive(Debug, Clone)]
pub struct OutboundSettings {
    /// Admit private, loopback and link-local targets (and plain `http` to them).
    pub allow_private: bool,
    /// Origin (`scheme://host[:port]`, as [`url::Origin::ascii_serialization`] writes it) →
    /// replacement origin, applied before any check.
    pub origin_overrides: BTreeMap<String, Url>,
    /// Longest wait to connect.
    pub connect_timeout: Duration,
}

impl Default for OutboundSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            origin_overrides: BTreeMap::new(),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

impl OutboundSettings {
    /// Parses one `origin_overrides` entry, `from` → `to`: both must be bare `http(s)` origins
    /// (no path, query, fragment or userinfo). Returns the key as [`Outbound::effective_url`]
    /// looks it up, and the target; the error says what is wrong with which side.
    pub fn parse_override(from: &str, to: &str) -> Result<(String, Url), String> {
        let key = bare_origin(from).map_err(|e| format!("`{from}` (the origin replaced) {e}"))?;
        let target = bare_origin(to).map_err(|e| format!("`{to}` (its replacement) {e}"))?;
        Ok((key.origin().ascii_serialization(), target))
    }
}

fn bare_origin(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| format!("is not an absolute URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https origin".into());
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err("must be an origin only (scheme://host[:port]), without a path".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain user information".into());
    }
    Ok(url)
}

/// Per-request limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Whole request, name lookup and connection to last byte.
    pub timeout: Duration,
    /// Largest body read; more is [`OutboundError::TooLarge`].
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            max_bytes: 1024 * 1024,
        }
    }
}

/// An answer, its body read in full (within [`Limits::max_bytes`]). A 3xx is an answer too: its
/// `Location` is never followed.
#[derive(Debug, Clone)]
pub struct OutboundResponse {
    /// HTTP status.
    pub status: reqwest::StatusCode,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

/// Why an outbound request did not produce an answer. Messages name the class of failure (the
/// portal's connection test shows it) and never carry the request's headers or body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// Not a URL the gateway may call: not `https` (plain `http` only to an admitted private
    /// target), userinfo, or no host.
    #[error("the address must be an https URL without user name or password")]
    NotHttps,
    /// The host is, or resolves to, an address the gateway does not call.
    #[error("the host is not a public address")]
    ForbiddenAddress,
    /// DNS found no address.
    #[error("host not found")]
    HostNotFound,
    /// TCP connection refused or reset.
    #[error("connection refused")]
    ConnectionRefused,
    /// No answer within the time limit (connection, or the whole request).
    #[error("timed out")]
    TimedOut,
    /// TLS handshake or certificate failure (including a server that does not speak TLS).
    #[error("TLS error (certificate or handshake)")]
    Tls,
    /// The body exceeded the size cap.
    #[error("the answer is larger than the gateway accepts")]
    TooLarge,
    /// Any other transport failure.
    #[error("network error")]
    Network,
}

/// The guarded HTTP client, built once at start-up. Cheap to clone.
#[derive(Clone)]
pub struct Outbound {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    settings: OutboundSettings,
    resolver: address::GuardedResolver,
    /// The strict twin for attacker-chosen URLs; `None` when this one is already strict.
    public_only: Option<Outbound>,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("allow_private", &self.inner.settings.allow_private)
            .field(
                "origin_overrides",
                &self.inner.settings.origin_overrides.len(),
            )
            .finish_non_exhaustive()
    }
}

impl Outbound {
    /// Builds the client over the system's DNS: no proxy, no redirects, the guarding resolver.
    pub fn new(settings: OutboundSettings) -> Result<Self, OutboundError> {
        Self::with_lookup(settings, Arc::new(address::SystemLookup))
    }

    /// [`Outbound::new`] with another name lookup (a DNS client of its own, or a test's fixed
    /// answers); every rule applies to what it answers.
    pub fn with_lookup(
        settings: OutboundSettings,
        lookup: Arc<dyn Resolve>,
    ) -> Result<Self, OutboundError> {
        let trusted_hosts = settings
            .origin_overrides
            .values()
            .filter_map(|target| target.host_str().map(str::to_owned))
            .collect();
        let resolver = address::GuardedResolver::with_lookup(
            settings.allow_private,
            trusted_hosts,
            lookup.clone(),
        );
        let plain_http_possible = settings.allow_private
            || settings
                .origin_overrides
                .values()
                .any(|target| target.scheme() == "http");
        // reqwest reads HTTP(S)_PROXY/ALL_PROXY unless told not to: a proxy would make the
        // connection, so the resolver (and the check) would guard nothing.
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!plain_http_possible)
            .referer(false)
            .connect_timeout(settings.connect_timeout)
            .dns_resolver(Arc::new(resolver.clone()))
            .user_agent(concat!("mcp-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| OutboundError::Network)?;
        let public_only = if plain_http_possible || !settings.origin_overrides.is_empty() {
            let strict = OutboundSettings {
                allow_private: false,
                origin_overrides: BTreeMap::new(),
                connect_timeout: settings.connect_timeout,
            };
            Some(Self::with_lookup(strict, lookup)?)
        } else {
            None
        };
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                settings,
                resolver,
                public_only,
            }),
        })
    }

    /// The settings it was built with.
    pub fn settings(&self) -> &OutboundSettings {
        &self.inner.settings
    }

    /// The same guard without `allow_private` and without origin overrides, for URLs that anyone
    /// may choose (a client's metadata document): the operator's relaxations are for the vendor
    /// connections they set up.
    pub fn public_only(&self) -> &Outbound {
        self.inner.public_only.as_ref().unwrap_or(self)
    }

    /// The underlying client, for libraries that need a `reqwest::Client` (the rmcp upstream
    /// transport). It never uses a proxy or follows a redirect, and its resolver refuses
    /// non-public addresses; callers must still send only URLs returned by
    /// [`Outbound::check_url`] (IP literals do not go through a resolver, and overrides are
    /// applied there).
    pub fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// Applies `origin_overrides` to `url`: the replacement's scheme, host and port, the
    /// original's path, query and fragment.
    pub fn effective_url(&self, url: &Url) -> Url {
        let origin = url.origin().ascii_serialization();
        match self.inner.settings.origin_overrides.get(&origin) {
            Some(replacement) => {
                let rebuilt = format!(
                    "{}{}",
                    replacement.origin().ascii_serialization(),
                    &url[Position::BeforePath..]
                );
                // Cannot fail (a valid origin followed by a valid URL's path); if it ever did,
                // the replacement itself is the safe answer: never the original host.
                Url::parse(&rebuilt).unwrap_or_else(|_| replacement.clone())
            }
            None => url.clone(),
        }
    }

    fn is_overridden(&self, url: &Url) -> bool {
        self.inner
            .settings
            .origin_overrides
            .contains_key(&url.origin().ascii_serialization())
    }

    /// Checks a URL before use (save time and connect time): scheme, userinfo, and every address
    /// its host resolves to. Returns the effective URL (after overrides).
    pub async fn check_url(&self, url: &Url) -> Result<Url, OutboundError> {
        // Checked on the original too: an override rebuilds the URL without its userinfo.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(OutboundError::NotHttps);
        }
        let admit_private = self.inner.settings.allow_private || self.is_overridden(url);
        let effective = self.effective_url(url);
        self.inner.resolver.check(&effective, admit_private).await?;
        Ok(effective)
    }

    /// Sends `request` (its URL is checked and overridden first) and reads the answer within
    /// `limits`: the timeout covers the name lookup, the connection and the whole body.
    pub async fn send(
        &self,
        request: reqwest::Request,
        limits: Limits,
    ) -> Result<OutboundResponse, OutboundError> {
        tokio::time::timeout(limits.timeout, self.send_unbounded(request, limits))
            .await
            .unwrap_or(Err(OutboundError::TimedOut))
    }

    async fn send_unbounded(
        &self,
        mut request: reqwest::Request,
        limits: Limits,
    ) -> Result<OutboundResponse, OutboundError> {
        let effective = self.check_url(request.url()).await?;
        *request.url_mut() = effective;
        *request.timeout_mut() = Some(limits.timeout);
        let mut response = self
            .inner
            .client
            .execute(request)
            .await
            .map_err(|e| classify(&e))?;
        if response
            .content_length()
            .is_some_and(|n| n > limits.max_bytes as u64)
        {
            return Err(OutboundError::TooLarge);
        }
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        // Counted as it arrives: a chunked answer has no Content-Length to refuse up front.
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if body.len() + chunk.len() > limits.max_bytes {
                return Err(OutboundError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(OutboundResponse {
            status,
            headers,
            body,
        })
    }
}

/// Maps a transport error to its class by walking its source chain for typed causes: the
/// guard's own refusal, a `rustls` error, an `io::Error` kind. Rejected: matching on error text
/// (it contains the URL, so a host named `tls.example` would read as a TLS failure).
pub fn classify(error: &reqwest::Error) -> OutboundError {
    if error.is_timeout() {
        return OutboundError::TimedOut;
    }
    if error.is_builder() && error.url().is_some_and(|u| u.scheme() != "https") {
        return OutboundError::NotHttps;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(guard) = e.downcast_ref::<address::GuardRefusal>() {
            return guard.0.clone();
        }
        if e.is::<rustls::Error>() {
            return OutboundError::Tls;
        }
        source = e.source();
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted => return OutboundError::ConnectionRefused,
                std::io::ErrorKind::TimedOut => return OutboundError::TimedOut,
                // While connecting, TCP is already up when anything can end early: only the
                // TLS handshake reads, so the peer hung up on it.
                std::io::ErrorKind::UnexpectedEof if error.is_connect() => {
                    return OutboundError::Tls
                }
                _ => {}
            }
            // `io::Error::source` skips the error it wraps (hyper-rustls nests a rustls error
            // in two): descend into it instead.
            if let Some(inner) = io.get_ref() {
                source = Some(inner);
            }
        }
    }
    OutboundError::Network
}

#[cfg(test)]
#[path = "outbound_tests.rs"]
mod tests;
