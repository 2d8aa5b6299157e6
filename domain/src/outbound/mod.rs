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
//! forward gateway in a LAN install. It is applied to every request before the checks above.

pub mod address;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use url::Url;

/// Outbound settings, from the configuration.
#[derive(Debug, Clone)]
pub struct OutboundSettings {
    /// Admit private, loopback and link-local targets (and plain `http` to them).
    pub allow_private: bool,
    /// Origin → replacement origin, applied before any check.
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

/// Per-request limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Whole request, connection to last byte.
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

/// An answer, its body read in full (within [`Limits::max_bytes`]).
#[derive(Debug, Clone)]
pub struct OutboundResponse {
    /// HTTP status.
    pub status: reqwest::StatusCode,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

/// Why an outbound request did not produce an answer. Messages name the class of failure and
/// never carry the request's headers or body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// Not a URL the gateway may call (scheme, userinfo, no host).
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
    /// No answer in time.
    #[error("timed out")]
    TimedOut,
    /// TLS handshake or certificate failure.
    #[error("TLS error (certificate or handshake)")]
    Tls,
    /// The body exceeded the size cap.
    #[error("the answer is larger than the gateway accepts")]
    TooLarge,
    /// Any other transport failure.
    #[error("network error")]
    Network,
}

/// The guarded HTTP client. Cheap to clone.
#[derive(Clone)]
pub struct Outbound {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    settings: OutboundSettings,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("allow_private", &self.inner.settings.allow_private)
            .finish_non_exhaustive()
    }
}

impl Outbound {
    /// Builds the client: no proxy, no redirects, the guarding resolver.
    pub fn new(settings: OutboundSettings) -> Result<Self, OutboundError> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout)
            .dns_resolver(Arc::new(address::GuardedResolver::new(
                settings.allow_private,
            )))
            .user_agent(concat!("mcp-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| OutboundError::Network)?;
        Ok(Self {
            inner: Arc::new(Inner { client, settings }),
        })
    }

    /// The settings it was built with.
    pub fn settings(&self) -> &OutboundSettings {
        &self.inner.settings
    }

    /// The underlying client, for libraries that need a `reqwest::Client` (the rmcp upstream
    /// transport). Its resolver refuses non-public addresses; callers must still pass URLs
    /// through [`Outbound::check_url`] (IP literals do not go through a resolver).
    pub fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// Applies `origin_overrides` to `url`.
    pub fn effective_url(&self, url: &Url) -> Url {
        let origin = url.origin().ascii_serialization();
        match self.inner.settings.origin_overrides.get(&origin) {
            Some(replacement) => {
                let mut out = url.clone();
                // Scheme changes between special schemes (http/https) are allowed by `url`.
                let _ = out.set_scheme(replacement.scheme());
                let _ = out.set_host(replacement.host_str());
                let _ = out.set_port(replacement.port());
                out
            }
            None => url.clone(),
        }
    }

    /// Checks a URL before use (save time and connect time): scheme, userinfo, and every address
    /// its host resolves to. Returns the effective URL (after overrides).
    pub async fn check_url(&self, url: &Url) -> Result<Url, OutboundError> {
        let overridden = self
            .inner
            .settings
            .origin_overrides
            .contains_key(&url.origin().ascii_serialization());
        let effective = self.effective_url(url);
        address::check(&effective, self.inner.settings.allow_private || overridden).await?;
        Ok(effective)
    }

    /// Sends `request` (its URL is checked and overridden first) and reads the answer within
    /// `limits`.
    pub async fn send(
        &self,
        mut request: reqwest::Request,
        limits: Limits,
    ) -> Result<OutboundResponse, OutboundError> {
        let effective = self.check_url(request.url()).await?;
        *request.url_mut() = effective;
        *request.timeout_mut() = Some(limits.timeout);
        let call = async {
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
        };
        tokio::time::timeout(limits.timeout, call)
            .await
            .unwrap_or(Err(OutboundError::TimedOut))
    }
}

/// Maps a transport error to its class by walking its source chain (reqwest/hyper do not expose
/// typed causes for every case).
pub fn classify(error: &reqwest::Error) -> OutboundError {
    if error.is_timeout() {
        return OutboundError::TimedOut;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(guard) = e.downcast_ref::<address::GuardRefusal>() {
            return guard.0.clone();
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset => {
                    return OutboundError::ConnectionRefused
                }
                std::io::ErrorKind::TimedOut => return OutboundError::TimedOut,
                _ => {}
            }
        }
        let text = e.to_string().to_ascii_lowercase();
        if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
            return OutboundError::Tls;
        }
        if text.contains("dns error") || text.contains("failed to lookup") {
            return OutboundError::HostNotFound;
        }
        source = e.source();
    }
    if error.is_connect() {
        OutboundError::ConnectionRefused
    } else {
        OutboundError::Network
    }
}
