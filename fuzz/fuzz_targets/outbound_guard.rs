//! The outbound URL guard (security.md MCP-4, SSRF): `Outbound::check_url` for a strict guard,
//! a LAN guard (`allow_private`) and a guard with an origin override, and the parsing of
//! `origin_overrides` entries. Name lookups are answered by `FixedLookup` (no DNS, no network:
//! `check_url` only resolves, it never connects).
//!
//! Checked beyond "no panic": whatever the strict guard accepts is `https`, without user
//! information, and every address its host resolves to is public.

#![no_main]

use std::{net::IpAddr, sync::Arc, sync::OnceLock};

use domain::outbound::{address::is_public, Outbound, OutboundSettings};
use libfuzzer_sys::fuzz_target;
use mcp_gateway_fuzz::{runtime, FixedLookup};
use url::{Host, Url};

struct Guards {
    strict: Outbound,
    lan: Outbound,
    overridden: Outbound,
}

fn guards() -> &'static Guards {
    static GUARDS: OnceLock<Guards> = OnceLock::new();
    GUARDS.get_or_init(|| {
        let build = |settings: OutboundSettings| {
            Outbound::with_lookup(settings, Arc::new(FixedLookup)).expect("a guard")
        };
        let (from, to) =
            OutboundSettings::parse_override("https://api.itglue.com", "http://127.0.0.1:4567")
                .expect("a valid override");
        let mut overrides = OutboundSettings::default();
        overrides.origin_overrides.insert(from, to);
        Guards {
            strict: build(OutboundSettings::default()),
            lan: build(OutboundSettings {
                allow_private: true,
                ..OutboundSettings::default()
            }),
            overridden: build(overrides),
        }
    })
}

fuzz_target!(|data: &str| {
    if let Some((from, to)) = data.split_once(' ') {
        let _ = OutboundSettings::parse_override(from, to);
    }
    let Ok(url) = Url::parse(data) else {
        return;
    };
    let guards = guards();
    let (strict, lan, overridden) = runtime().block_on(async {
        (
            guards.strict.check_url(&url).await,
            guards.lan.check_url(&url).await,
            guards.overridden.check_url(&url).await,
        )
    });
    let _ = (lan, overridden);
    let Ok(effective) = strict else {
        return;
    };
    assert_eq!(effective, url, "the strict guard has no overrides");
    assert_eq!(url.scheme(), "https", "{url}");
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "{url}"
    );
    let addresses: Vec<IpAddr> = match url.host().expect("an accepted URL has a host") {
        Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
        Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        Host::Domain(name) => FixedLookup::answer(name).iter().map(|a| a.ip()).collect(),
    };
    assert!(
        !addresses.is_empty() && addresses.iter().all(|ip| is_public(*ip)),
        "{url} -> {addresses:?}"
    );
});
