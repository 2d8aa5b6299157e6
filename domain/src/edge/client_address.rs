//! The client's real address: the TCP peer, unless that peer is a trusted reverse proxy, in which
//! case the forwarding header it appended is read from the right, skipping trusted hops, and the
//! first untrusted address is the client (security.md WEB-6: never the left-most value, which the
//! client chose).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use ipnet::IpNet;

/// The reverse proxies (CIDR blocks or single addresses) whose forwarding headers and
/// `X-Request-Id` are believed. Empty by default: the TCP peer is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// No trusted proxy.
    pub fn none() -> Self {
        Self(Vec::new())
    }

    /// Parses entries like `10.0.0.0/8`, `192.0.2.7`, `fd00::/8`; the error names the bad entry.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| {
                        format!("`{entry}` is not an address or a CIDR block like 10.0.0.0/8")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is one of the trusted proxies (an IPv4-mapped IPv6 peer counts as its IPv4
    /// address, as dual-stack listeners report IPv4 clients).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// The forwarding header the trusted proxies set. Only one is read: a client can send the other
/// one, and a proxy that does not overwrite it would pass the forgery on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most load balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client;proto=https, for=proxy1` (RFC 7239).
    Forwarded,
}

impl ForwardedHeader {
    /// Parses the `trusted_proxy_header` setting.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(Self::XForwardedFor),
            "forwarded" => Some(Self::Forwarded),
            _ => None,
        }
    }

    /// The header's name (lower case, as `http` spells header names).
    pub fn name(self) -> &'static str {
        match self {
            Self::XForwardedFor => "x-forwarded-for",
            Self::Forwarded => "forwarded",
        }
    }
}

/// Where a request comes from, as far as the gateway can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress {
    /// The client's address: the TCP peer, or the first untrusted hop of a trusted proxy's
    /// forwarding header.
    pub ip: IpAddr,
    /// Whether the TCP peer is a trusted proxy (its `X-Request-Id` is then believed).
    pub via_trusted_proxy: bool,
}

impl ClientAddress {
    /// Decides the client address of a request from `peer` with the values of the configured
    /// forwarding header (every occurrence, in the order received).
    pub fn resolve<'a>(
        peer: IpAddr,
        header_values: impl IntoIterator<Item = &'a str>,
        header: ForwardedHeader,
        trusted: &TrustedProxies,
    ) -> Self {
        let peer = canonical(peer);
        if !trusted.contains(peer) {
            return Self {
                ip: peer,
                via_trusted_proxy: false,
            };
        }
        let hops: Vec<&str> = header_values
            .into_iter()
            .flat_map(|value| value.split(','))
            .collect();
        // From the right: each hop was appended by the one after it. The first hop not trusted is
        // the client; an entry that is not an address (`unknown`, an obfuscated node) ends the
        // walk at the last trusted hop, so such clients share that proxy's limit rather than
        // choosing their own.
        let mut client = peer;
        for hop in hops.iter().rev() {
            let parsed = match header {
                ForwardedHeader::XForwardedFor => parse_hop(hop),
                ForwardedHeader::Forwarded => forwarded_for(hop).and_then(parse_hop),
            };
            let Some(ip) = parsed.map(canonical) else {
                break;
            };
            client = ip;
            if !trusted.contains(ip) {
                break;
            }
        }
        Self {
            ip: client,
            via_trusted_proxy: true,
        }
    }
}

/// The `for=` parameter of one `Forwarded` element (RFC 7239 §4), unquoted.
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// One hop: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`, `[2001:db8::1]`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse::<Ipv6Addr>().ok())
                .map(IpAddr::V6)
        })
}

/// IPv4-mapped IPv6 addresses as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The key a client address is rate-limited under: an IPv4 address itself, an IPv6 address's /64
/// (one subscriber's network: a client holding a /64 must not get 2^64 fresh buckets).
pub fn rate_limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

/// The longest `X-Request-Id` accepted from a trusted proxy.
pub const REQUEST_ID_MAX_LEN: usize = 128;

/// Whether a trusted proxy's `X-Request-Id` can be carried into logs and audit rows as it is:
/// bounded, and letters, digits and `-_.:` only (no spaces, quotes or control characters to
/// forge log lines with).
pub fn is_acceptable_request_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= REQUEST_ID_MAX_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

#[cfg(test)]
#[path = "client_address_tests.rs"]
mod tests;
