#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;

use proptest::prelude::*;

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn proxies(entries: &[&str]) -> TrustedProxies {
    TrustedProxies::parse(entries).unwrap()
}

fn xff(peer: &str, values: &[&str], trusted: &TrustedProxies) -> ClientAddress {
    ClientAddress::resolve(
        ip(peer),
        values.iter().copied(),
        ForwardedHeader::XForwardedFor,
        trusted,
    )
}

#[test]
fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() {
    let address = xff("198.51.100.7", &["203.0.113.1"], &TrustedProxies::none());
    assert_eq!(address.ip, ip("198.51.100.7"));
    assert!(!address.via_trusted_proxy);
}

#[test]
fn an_untrusted_peer_cannot_choose_its_address_with_a_forwarding_header() {
    let trusted = proxies(&["10.0.0.0/8"]);
    let address = xff("198.51.100.7", &["10.1.1.1, 203.0.113.1"], &trusted);
    assert_eq!(address.ip, ip("198.51.100.7"));
    assert!(!address.via_trusted_proxy);
}

#[test]
fn through_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
    let trusted = proxies(&["10.0.0.0/8", "192.0.2.9"]);
    // The client forged the left-most entry; the proxies appended the rest.
    let address = xff(
        "10.0.0.2",
        &["6.6.6.6, 203.0.113.50", "192.0.2.9"],
        &trusted,
    );
    assert_eq!(address.ip, ip("203.0.113.50"));
    assert!(address.via_trusted_proxy);
}

#[test]
fn a_trusted_proxy_without_a_header_is_itself_the_client() {
    let trusted = proxies(&["10.0.0.0/8"]);
    assert_eq!(xff("10.0.0.2", &[], &trusted).ip, ip("10.0.0.2"));
}

#[test]
fn an_entry_that_is_not_an_address_stops_at_the_last_trusted_hop() {
    let trusted = proxies(&["10.0.0.0/8"]);
    let address = xff("10.0.0.2", &["203.0.113.5, unknown, 10.0.0.3"], &trusted);
    assert_eq!(address.ip, ip("10.0.0.3"));
}

#[test]
fn only_trusted_hops_give_the_left_most_one() {
    let trusted = proxies(&["10.0.0.0/8"]);
    assert_eq!(
        xff("10.0.0.2", &["10.9.9.9, 10.0.0.3"], &trusted).ip,
        ip("10.9.9.9")
    );
}

#[test]
fn hops_with_ports_and_brackets_are_read() {
    let trusted = proxies(&["10.0.0.0/8"]);
    assert_eq!(
        xff("10.0.0.2", &["203.0.113.5:4711"], &trusted).ip,
        ip("203.0.113.5")
    );
    assert_eq!(
        xff("10.0.0.2", &["[2001:db8::1]:4711"], &trusted).ip,
        ip("2001:db8::1")
    );
    assert_eq!(
        xff("10.0.0.2", &["[2001:db8::1]"], &trusted).ip,
        ip("2001:db8::1")
    );
}

#[test]
fn the_forwarded_header_is_read_by_its_for_parameter() {
    let trusted = proxies(&["10.0.0.0/8"]);
    let address = ClientAddress::resolve(
        ip("10.0.0.2"),
        [
            "for=6.6.6.6, For=\"[2001:db8:cafe::17]:4711\";proto=https",
            "for=10.0.0.3;by=10.0.0.2",
        ],
        ForwardedHeader::Forwarded,
        &trusted,
    );
    assert_eq!(address.ip, ip("2001:db8:cafe::17"));
}

#[test]
fn an_ipv4_mapped_peer_matches_an_ipv4_block() {
    let trusted = proxies(&["10.0.0.0/8"]);
    let address = xff("::ffff:10.0.0.2", &["203.0.113.5"], &trusted);
    assert_eq!(address.ip, ip("203.0.113.5"));
    assert!(address.via_trusted_proxy);
}

#[test]
fn bad_entries_are_named() {
    let error = TrustedProxies::parse(&["10.0.0.0/8", "proxy.internal"]).unwrap_err();
    assert!(error.contains("`proxy.internal`"), "{error}");
    assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
    assert!(proxies(&["192.0.2.7"]).contains(ip("192.0.2.7")));
    assert!(!proxies(&["192.0.2.7"]).contains(ip("192.0.2.8")));
    // A block written with host bits set means the block.
    assert!(proxies(&["10.1.2.3/8"]).contains(ip("10.200.0.1")));
}

#[test]
fn ipv6_clients_share_a_limit_per_64_and_ipv4_clients_have_their_own() {
    assert_eq!(
        rate_limit_key(ip("2001:db8:1:2:aaaa::1")),
        rate_limit_key(ip("2001:db8:1:2:bbbb::9"))
    );
    assert_ne!(
        rate_limit_key(ip("2001:db8:1:2::1")),
        rate_limit_key(ip("2001:db8:1:3::1"))
    );
    assert_eq!(rate_limit_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    assert_ne!(
        rate_limit_key(ip("192.0.2.1")),
        rate_limit_key(ip("192.0.2.2"))
    );
}

#[test]
fn request_ids_are_bounded_and_plain() {
    assert!(is_acceptable_request_id(
        "3f1c0a2e-1b2c-4d5e-8f90-a1b2c3d4e5f6"
    ));
    assert!(is_acceptable_request_id(
        "Root-1-67891233-abcdef012345678912345678"
    ));
    for bad in ["", "a b", "x\nlevel=error", "\"quoted\"", &"a".repeat(129)] {
        assert!(!is_acceptable_request_id(bad), "{bad:?}");
    }
}

proptest! {
    /// Whatever an untrusted client puts in the header, it never gets an address other than the
    /// one the trusted proxy saw it from.
    #[test]
    fn a_client_behind_a_trusted_proxy_cannot_escape_its_address(
        forged in proptest::collection::vec("[0-9a-f:.\\[\\] ,;=]{0,40}", 0..4),
        client in any::<[u8; 4]>(),
    ) {
        let trusted = proxies(&["10.0.0.0/8"]);
        let client = IpAddr::from(client);
        prop_assume!(!trusted.contains(client));
        // The proxy appends what it saw after whatever the client sent.
        let mut values: Vec<String> = forged;
        values.push(client.to_string());
        let address = ClientAddress::resolve(
            ip("10.0.0.2"),
            values.iter().map(String::as_str),
            ForwardedHeader::XForwardedFor,
            &trusted,
        );
        prop_assert_eq!(address.ip, client);
    }
}
