//! Which addresses the gateway may call, and the resolver that enforces it at connect time.
//!
//! Classification is by `std::net::IpAddr` ranges, never by string matching (MCP-4). IPv6 is an
//! allow-list: only global unicast `2000::/3` can be public, minus the special-purpose blocks
//! inside it. That alone excludes loopback, unspecified, IPv4-mapped (`::ffff:0:0/96`),
//! IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`, and the local-use `64:ff9b:1::/48`),
//! discard-only `100::/64`, ULA `fc00::/7`, link-local `fe80::/10`, site-local `fec0::/10` and
//! multicast `ff00::/8`, however they are spelled. Rejected alternative: decoding the IPv4
//! address embedded in mapped, NAT64, 6to4 or Teredo forms and judging that — every form the
//! decoder missed would be a way in, and vendors publish plain IPv4 or native IPv6 addresses.

use std::{
    collections::BTreeSet,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    str::FromStr,
    sync::Arc,
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::OutboundError;

/// Whether the gateway may call `ip` (public unicast only).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback() // 127/8
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16, cloud metadata 169.254.169.254
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast() // 224/4
        || ip.is_documentation() // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || a == 0 // "this network" 0/8
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0/24
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast 192.88.99/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || a >= 240) // reserved 240/4
}

/// The special-purpose blocks inside global unicast `2000::/3` that are not public (IANA IPv6
/// Special-Purpose Address Registry).
const V6_NOT_PUBLIC: [(Ipv6Addr, u32); 4] = [
    // IETF protocol assignments 2001::/23: Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID.
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),
    // Documentation 2001:db8::/32.
    (Ipv6Addr::new(0x2001, 0x0db8, 0, 0, 0, 0, 0, 0), 32),
    // 6to4 2002::/16 (embeds an IPv4 address).
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16),
    // Documentation 3fff::/20.
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),
];

fn in_prefix(ip: Ipv6Addr, prefix: Ipv6Addr, len: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
    u128::from(ip) & mask == u128::from(prefix) & mask
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let global_unicast = Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0);
    in_prefix(ip, global_unicast, 3)
        && !V6_NOT_PUBLIC
            .iter()
            .any(|(prefix, len)| in_prefix(ip, *prefix, *len))
}

/// Whether `host` is a `localhost` name (RFC 6761 §6.3: `localhost` and every name under it are
/// loopback, whatever a resolver says), with or without the trailing dot of an absolute name.
pub fn is_localhost_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
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

/// The operating system's resolver (`getaddrinfo`, on tokio's blocking pool): the lookup
/// [`GuardedResolver::new`] uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

impl Resolve for SystemLookup {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            Ok(Box::new(found.collect::<Vec<_>>().into_iter()) as Addrs)
        })
    }
}

/// A resolver that returns only addresses the gateway may call. A host with any forbidden address
/// is refused as a whole: a name that resolves to a public and a private address is a rebinding
/// attempt, not a choice. Given to reqwest as its resolver, it makes the connection go to the
/// addresses it checked — there is no second lookup between check and connect to race.
#[derive(Clone)]
pub struct GuardedResolver {
    allow_private: bool,
    trusted_hosts: Arc<BTreeSet<String>>,
    lookup: Arc<dyn Resolve>,
}

impl std::fmt::Debug for GuardedResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedResolver")
            .field("allow_private", &self.allow_private)
            .field("trusted_hosts", &self.trusted_hosts)
            .finish_non_exhaustive()
    }
}

impl GuardedResolver {
    /// A resolver over the system's DNS, admitting private targets when `allow_private`.
    pub fn new(allow_private: bool) -> Self {
        Self::with_lookup(allow_private, BTreeSet::new(), Arc::new(SystemLookup))
    }

    /// A resolver over `lookup` (another DNS client, or a test's fixed answers) that also admits
    /// private addresses for `trusted_hosts` (the targets of the operator's origin overrides).
    pub fn with_lookup(
        allow_private: bool,
        trusted_hosts: BTreeSet<String>,
        lookup: Arc<dyn Resolve>,
    ) -> Self {
        Self {
            allow_private,
            trusted_hosts: Arc::new(trusted_hosts),
            lookup,
        }
    }

    /// Every address `host` resolves to, unfiltered; [`OutboundError::HostNotFound`] for none.
    pub async fn lookup(&self, host: &str) -> Result<Vec<SocketAddr>, OutboundError> {
        let name = Name::from_str(host).map_err(|_| OutboundError::HostNotFound)?;
        let found: Vec<SocketAddr> = self
            .lookup
            .resolve(name)
            .await
            .map_err(|_| OutboundError::HostNotFound)?
            .collect();
        if found.is_empty() {
            return Err(OutboundError::HostNotFound);
        }
        Ok(found)
    }

    /// The addresses of `host` the gateway may connect to: all of them, or a refusal.
    pub async fn resolve_checked(&self, host: &str) -> Result<Vec<SocketAddr>, OutboundError> {
        let found = self.lookup(host).await?;
        if !self.admits_private(host) && !found.iter().all(|a| is_public(a.ip())) {
            return Err(OutboundError::ForbiddenAddress);
        }
        Ok(found)
    }

    fn admits_private(&self, host: &str) -> bool {
        self.allow_private || self.trusted_hosts.contains(host)
    }

    /// Checks `url` (already overridden) before a request: `https` (or plain `http` to a
    /// non-public target when `admit_private`), no userinfo, and every address of its host public
    /// unless `admit_private`. Host names are resolved here; IP literals are judged as written
    /// (the `url` crate has already turned `127.1`, `0x7f000001`, `2130706433` and `0177.0.0.1`
    /// into `127.0.0.1`).
    pub async fn check(&self, url: &Url, admit_private: bool) -> Result<(), OutboundError> {
        let scheme_allowed = match url.scheme() {
            "https" => true,
            "http" => admit_private,
            _ => false,
        };
        if !scheme_allowed || !url.username().is_empty() || url.password().is_some() {
            return Err(OutboundError::NotHttps);
        }
        let addresses: Vec<IpAddr> = match url.host() {
            Some(Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
            Some(Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
            Some(Host::Domain(name)) => {
                if !admit_private && is_localhost_name(name) {
                    return Err(OutboundError::ForbiddenAddress);
                }
                self.lookup(name)
                    .await?
                    .iter()
                    .map(SocketAddr::ip)
                    .collect()
            }
            None => return Err(OutboundError::NotHttps),
        };
        if !admit_private && !addresses.iter().all(|ip| is_public(*ip)) {
            return Err(OutboundError::ForbiddenAddress);
        }
        // Plain http only where nobody between here and a private target could read it.
        if url.scheme() == "http" && addresses.iter().any(|ip| is_public(*ip)) {
            return Err(OutboundError::NotHttps);
        }
        Ok(())
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let resolver = self.clone();
        Box::pin(async move {
            let addresses = resolver.resolve_checked(name.as_str()).await.map_err(|e| {
                Box::new(GuardRefusal(e)) as Box<dyn std::error::Error + Send + Sync>
            })?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}
