//! Which addresses the gateway may call, and the resolver that enforces it at connect time.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

use super::OutboundError;

/// Whether the gateway may call `ip` (public unicast only).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            let first = s[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
                || (first == 0x2001 && s[1] == 0x0db8) // documentation
                || first == 0x2002 // 6to4 2002::/16 embeds an IPv4 address
                || (first == 0x2001 && s[1] == 0) // Teredo 2001::/32
                || (first == 0x0064 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0]) // NAT64 64:ff9b::/96
                || (s[0..6] == [0, 0, 0, 0, 0, 0])) // IPv4-compatible ::a.b.c.d
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240)
}

/// The guard's refusal, carried through reqwest's error chain so [`super::classify`] finds it.
#[derive(Debug)]
pub struct GuardRefusal(pub OutboundError);

impl std::fmt::Display for GuardRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for GuardRefusal {}

/// A resolver that returns only addresses the gateway may call: a host with any forbidden
/// address is refused as a whole (a name that resolves to a public and a private address is a
/// rebinding attempt, not a choice).
pub struct GuardedResolver {
    allow_private: bool,
}

impl GuardedResolver {
    /// A resolver admitting private targets when `allow_private`.
    pub fn new(allow_private: bool) -> Self {
        Self { allow_private }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addresses = resolve(name.as_str(), allow_private)
                .await
                .map_err(|e| Box::new(GuardRefusal(e)) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

async fn resolve(host: &str, allow_private: bool) -> Result<Vec<SocketAddr>, OutboundError> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|_| OutboundError::HostNotFound)?
        .collect();
    if found.is_empty() {
        return Err(OutboundError::HostNotFound);
    }
    if !allow_private && !found.iter().all(|a| is_public(a.ip())) {
        return Err(OutboundError::ForbiddenAddress);
    }
    Ok(found)
}

/// Checks `url` (already overridden): scheme and userinfo, IP literals, and the addresses its
/// host resolves to.
pub async fn check(url: &Url, allow_private: bool) -> Result<(), OutboundError> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(OutboundError::NotHttps);
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => None,
        None => return Err(OutboundError::NotHttps),
    };
    let public = match literal {
        Some(ip) => is_public(ip),
        None => {
            let host = url.host_str().unwrap_or_default();
            resolve(host, true)
                .await?
                .iter()
                .all(|a| is_public(a.ip()))
        }
    };
    match url.scheme() {
        "https" if public || allow_private => Ok(()),
        "http" if allow_private && !public => Ok(()),
        "https" => Err(OutboundError::ForbiddenAddress),
        _ => Err(OutboundError::NotHttps),
    }
}
