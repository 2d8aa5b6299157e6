//! The redirect-URI rules (security.md AS-3): registration checks and matching. Input: lines;
//! the last is the requested URI, the others the registered ones.
//!
//! Checked beyond "no panic": a match is either byte-equal to a registered URI, or an `http`
//! loopback URI on the very same host as the registered one it matched.

#![no_main]

use domain::oauth::redirect;
use libfuzzer_sys::fuzz_target;
use url::{Host, Url};

fn loopback(url: &Url) -> Option<String> {
    match url.host()? {
        Host::Domain("localhost") => Some("localhost".into()),
        Host::Ipv4(ip) if ip.is_loopback() && ip.octets() == [127, 0, 0, 1] => Some(ip.to_string()),
        Host::Ipv6(ip) if ip.is_loopback() => Some(ip.to_string()),
        _ => None,
    }
}

fuzz_target!(|data: &str| {
    let mut lines: Vec<String> = data.split('\n').map(str::to_owned).collect();
    let requested = lines.pop().unwrap_or_default();
    let registered = lines;
    for uri in &registered {
        let _ = redirect::validate_registration(uri);
        let _ = redirect::display_host(uri);
    }
    let _ = redirect::loopback_only(&registered);
    let _ = redirect::validate_registration(&requested);
    if !redirect::matches(&registered, &requested) || registered.contains(&requested) {
        return;
    }
    // Matched without being equal: only the loopback port rule allows that.
    let req = Url::parse(&requested).expect("a non-exact match parses");
    assert_eq!(req.scheme(), "http", "{registered:?} matched {requested}");
    let host = loopback(&req).expect("a non-exact match is on a loopback host");
    assert!(
        registered.iter().any(|r| Url::parse(r)
            .ok()
            .filter(|u| u.scheme() == "http")
            .and_then(|u| loopback(&u))
            .is_some_and(|h| h == host)),
        "{registered:?} matched {requested}"
    );
});
