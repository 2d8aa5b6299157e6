//! Property test of the redirect-URI matcher (AS-3) against a model that works on the *parts* a
//! URI was built from, never on a URL parser: a requested URI matches a registered one when the
//! two strings are equal, or when both are `http`, without user information, on the same
//! loopback host written the canonical way (`localhost`, `127.0.0.1`, `[::1]`), with valid
//! ports, and everything after the port is identical. The generator writes the spellings URL
//! parsers normalise (case, default ports, `127.1`, long IPv6 forms, empty ports, dot segments,
//! percent-encoding), so any normalisation before comparing shows up as a difference.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::{collection::vec, prelude::*, sample::select};

use super::matches;

const SCHEMES: [&str; 5] = ["http", "https", "HTTP", "claude", "com.example.app"];
const HOSTS: [&str; 11] = [
    "localhost",
    "LOCALHOST",
    "localhost.",
    "127.0.0.1",
    "127.1",
    "127.0.0.2",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::ffff:127.0.0.1]",
    "claude.ai",
    "localhost.evil.example",
];
const LOOPBACK: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];
const USERINFO: [&str; 3] = ["", "a@", "localhost@"];
/// What follows the port: path, query and fragment, as written.
const RESTS: [&str; 10] = [
    "/callback",
    "/Callback",
    "/callback/",
    "/%63allback",
    "/a/../callback",
    "",
    "/callback?x=1",
    "/callback#f",
    "/oauth/callback",
    "?/callback",
];

/// A port as written after the host: none, a number, or the malformed `:` and `:65536`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Port {
    None,
    Number(u16),
    Empty,
    TooLarge,
}

impl Port {
    fn written(&self) -> String {
        match self {
            Port::None => String::new(),
            Port::Number(n) => format!(":{n}"),
            Port::Empty => ":".into(),
            Port::TooLarge => ":65536".into(),
        }
    }

    fn valid(&self) -> bool {
        matches!(self, Port::None | Port::Number(_))
    }
}

#[derive(Debug, Clone)]
struct Parts {
    scheme: &'static str,
    userinfo: &'static str,
    host: &'static str,
    port: Port,
    rest: &'static str,
}

impl Parts {
    fn written(&self) -> String {
        format!(
            "{}://{}{}{}{}",
            self.scheme,
            self.userinfo,
            self.host,
            self.port.written(),
            self.rest
        )
    }
}

fn port() -> impl Strategy<Value = Port> {
    prop_oneof![
        3 => Just(Port::None),
        5 => prop_oneof![Just(80u16), Just(0u16), any::<u16>()].prop_map(Port::Number),
        1 => Just(Port::Empty),
        1 => Just(Port::TooLarge),
    ]
}

fn parts() -> impl Strategy<Value = Parts> {
    (
        select(&SCHEMES[..]),
        prop_oneof![4 => Just(""), 1 => select(&USERINFO[..])],
        select(&HOSTS[..]),
        port(),
        select(&RESTS[..]),
    )
        .prop_map(|(scheme, userinfo, host, port, rest)| Parts {
            scheme,
            userinfo,
            host,
            port,
            rest,
        })
}

/// A requested URI: mostly a registered one with some parts changed (so matches are frequent),
/// sometimes an unrelated one.
fn requested(registered: Vec<Parts>) -> impl Strategy<Value = (Vec<Parts>, Parts)> {
    let n = registered.len();
    (
        0..n,
        proptest::option::weighted(0.2, select(&SCHEMES[..])),
        proptest::option::weighted(0.1, select(&USERINFO[..])),
        proptest::option::weighted(0.3, select(&HOSTS[..])),
        proptest::option::weighted(0.7, port()),
        proptest::option::weighted(0.3, select(&RESTS[..])),
    )
        .prop_map(move |(i, scheme, userinfo, host, port, rest)| {
            let base = &registered[i];
            let request = Parts {
                scheme: scheme.unwrap_or(base.scheme),
                userinfo: userinfo.unwrap_or(base.userinfo),
                host: host.unwrap_or(base.host),
                port: port.unwrap_or_else(|| base.port.clone()),
                rest: rest.unwrap_or(base.rest),
            };
            (registered.clone(), request)
        })
}

fn model_matches(registered: &Parts, requested: &Parts) -> bool {
    registered.written() == requested.written()
        || (registered.scheme == "http"
            && requested.scheme == "http"
            && registered.userinfo.is_empty()
            && requested.userinfo.is_empty()
            && LOOPBACK.contains(&registered.host)
            && registered.host == requested.host
            && registered.port.valid()
            && requested.port.valid()
            && registered.rest == requested.rest)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn matching_equals_the_model(
        (registered, request) in vec(parts(), 1..4).prop_flat_map(requested),
    ) {
        let written: Vec<String> = registered.iter().map(Parts::written).collect();
        let expected = registered.iter().any(|r| model_matches(r, &request));
        prop_assert_eq!(
            matches(&written, &request.written()),
            expected,
            "registered {:?}, requested {}", written, request.written()
        );
    }
}
