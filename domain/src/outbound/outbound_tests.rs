#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The guard against real local sockets (tokio listeners speaking raw HTTP) and, for DNS, a
//! fixed-answer lookup injected through `Outbound::with_lookup` — the system resolver cannot be
//! told to answer `10.0.0.5` for a name.

use std::{
    collections::{BTreeMap, HashMap},
    net::{IpAddr, SocketAddr},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use url::Url;

use super::{address::GuardedResolver, *};

fn strict() -> Outbound {
    Outbound::new(OutboundSettings::default()).unwrap()
}

fn lan() -> Outbound {
    Outbound::new(OutboundSettings {
        allow_private: true,
        ..OutboundSettings::default()
    })
    .unwrap()
}

fn get(url: &str) -> reqwest::Request {
    reqwest::Request::new(reqwest::Method::GET, Url::parse(url).unwrap())
}

fn limits(timeout_ms: u64, max_bytes: usize) -> Limits {
    Limits {
        timeout: Duration::from_millis(timeout_ms),
        max_bytes,
    }
}

/// DNS answers fixed by the test: names map to addresses, anything else is not found.
struct FixedLookup(HashMap<&'static str, Vec<IpAddr>>);

impl FixedLookup {
    fn with(entries: &[(&'static str, &[&str])]) -> Arc<Self> {
        Arc::new(Self(
            entries
                .iter()
                .map(|(name, ips)| (*name, ips.iter().map(|ip| ip.parse().unwrap()).collect()))
                .collect(),
        ))
    }
}

impl Resolve for FixedLookup {
    fn resolve(&self, name: Name) -> Resolving {
        let found = self.0.get(name.as_str()).cloned();
        Box::pin(async move {
            let ips = found.ok_or("no such name")?;
            Ok(Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0))) as Addrs)
        })
    }
}

/// A rebinding DNS server: a public address for the first question, loopback afterwards.
struct Rebinding(AtomicUsize);

impl Resolve for Rebinding {
    fn resolve(&self, _: Name) -> Resolving {
        let first = self.0.fetch_add(1, Ordering::SeqCst) == 0;
        Box::pin(async move {
            let ip: IpAddr = if first {
                "93.184.216.34".parse()?
            } else {
                "127.0.0.1".parse()?
            };
            Ok(Box::new(std::iter::once(SocketAddr::new(ip, 0))) as Addrs)
        })
    }
}

/// A local server: counts connections, keeps each request head, answers with `respond(head)`.
struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn port(&self) -> u16 {
        self.addr.port()
    }
    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn serve(respond: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let respond = Arc::new(respond);
    let (count, seen) = (connections.clone(), requests.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let (respond, seen) = (respond.clone(), seen.clone());
            tokio::spawn(async move {
                let head = read_head(&mut stream).await;
                seen.lock().unwrap().push(head.clone());
                let answer = respond(&head);
                if !answer.is_empty() {
                    let _ = stream.write_all(&answer).await;
                }
                // Hold the connection open until the client is done (a stalling answer).
                let mut rest = [0u8; 1024];
                while matches!(stream.read(&mut rest).await, Ok(n) if n > 0) {}
            });
        }
    });
    Server {
        addr,
        connections,
        requests,
    }
}

/// The request head, or whatever the first read brought when that is not HTTP (a TLS hello).
async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf).await {
        head.extend_from_slice(&buf[..n]);
        if n == 0 || head.windows(4).any(|w| w == b"\r\n\r\n") || !head.starts_with(b"GET") {
            break;
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn every_forbidden_address_class_is_refused() {
    let forbidden = [
        // IPv4: loopback, RFC 1918, link-local and cloud metadata, CGNAT, unspecified and
        // "this network", broadcast, multicast, documentation, benchmarking, IETF, 6to4 relay, 240/4.
        "127.0.0.1",
        "127.255.255.254",
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.0.1",
        "192.168.255.255",
        "169.254.169.254",
        "169.254.0.1",
        "100.64.0.1",
        "100.127.255.254",
        "0.0.0.0",
        "0.1.2.3",
        "255.255.255.255",
        "224.0.0.1",
        "239.255.255.250",
        "192.0.2.1",
        "198.51.100.1",
        "203.0.113.1",
        "198.18.0.1",
        "198.19.255.254",
        "192.0.0.1",
        "192.88.99.1",
        "240.0.0.1",
        "250.1.2.3",
        // IPv6: loopback, unspecified, IPv4-mapped (private and public alike), IPv4-compatible,
        // NAT64 (well-known and local-use), 6to4, Teredo, documentation, site-local, ULA,
        // link-local, multicast, discard-only.
        "::1",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:8.8.8.8",
        "::127.0.0.1",
        "::8.8.8.8",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b::808:808",
        "64:ff9b:1::1",
        "2002:7f00:1::1",
        "2002:808:808::1",
        "2001::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "2001:2::1",
        "2001:db8::1",
        "3fff::1",
        "fec0::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "febf::1",
        "ff02::1",
        "ff05::2",
        "100::1",
    ];
    assert!(forbidden.len() >= 40);
    for ip in forbidden {
        assert!(
            !address::is_public(ip.parse().unwrap()),
            "{ip} must be refused"
        );
    }
    for ip in [
        "1.1.1.1",
        "8.8.8.8",
        "93.184.216.34",
        "160.79.104.10",
        "100.63.255.255",
        "100.128.0.1",
        "172.32.0.1",
        "2606:4700::1111",
        "2a00:1450:4001::1",
        "2001:4860:4860::8888",
        "2400:cb00::1",
    ] {
        assert!(address::is_public(ip.parse().unwrap()), "{ip} is public");
    }
}

#[test]
fn the_url_crate_turns_hostile_ipv4_spellings_into_plain_addresses() {
    for spelling in [
        "https://127.1/",
        "https://0x7f000001/",
        "https://2130706433/",
        "https://0177.0.0.1/",
        "https://0177.1/",
        "https://127.0.0.1./",
        "https://１２７.０.０.１/",
        "https://127。0。0。1/",
    ] {
        let url = Url::parse(spelling).unwrap();
        assert_eq!(url.host_str(), Some("127.0.0.1"), "{spelling}");
    }
    assert_eq!(
        Url::parse("https://0xa9fea9fe/").unwrap().host_str(),
        Some("169.254.169.254")
    );
    assert_eq!(
        Url::parse("https://ⅼocalhost/").unwrap().host_str(),
        Some("localhost")
    );
    assert_eq!(
        Url::parse("https://localhost./").unwrap().host_str(),
        Some("localhost.")
    );
    // Zone ids are not URL syntax: `fe80::1%eth0` never reaches the guard.
    assert!(Url::parse("https://[fe80::1%25eth0]/").is_err());
}

#[tokio::test]
async fn hostile_urls_are_refused_before_any_connection() {
    use OutboundError::{ForbiddenAddress as Forbidden, NotHttps};
    let cases = [
        ("https://127.1/", Forbidden),
        ("https://0x7f000001/", Forbidden),
        ("https://2130706433/", Forbidden),
        ("https://0177.0.0.1/", Forbidden),
        ("https://127.0.0.1./", Forbidden),
        ("https://0/", Forbidden),
        ("https://１２７.０.０.１/", Forbidden),
        ("https://169.254.169.254/latest/meta-data/", Forbidden),
        ("https://0xa9fea9fe/", Forbidden),
        ("https://10.0.0.1:8443/", Forbidden),
        ("https://100.64.0.1/", Forbidden),
        ("https://255.255.255.255/", Forbidden),
        ("https://224.0.0.1/", Forbidden),
        ("https://[::1]/", Forbidden),
        ("https://[0:0:0:0:0:0:0:1]/", Forbidden),
        ("https://[::]/", Forbidden),
        ("https://[::ffff:127.0.0.1]/", Forbidden),
        ("https://[::ffff:7f00:1]/", Forbidden),
        ("https://[::127.0.0.1]/", Forbidden),
        ("https://[64:ff9b::7f00:1]/", Forbidden),
        ("https://[2002:7f00:1::]/", Forbidden),
        ("https://[2001::1]/", Forbidden),
        ("https://[fec0::1]/", Forbidden),
        ("https://[fd00::1]/", Forbidden),
        ("https://[fe80::1]/", Forbidden),
        ("https://[ff02::1]/", Forbidden),
        ("https://localhost/", Forbidden),
        ("https://localhost./", Forbidden),
        ("https://LOCALHOST:8443/", Forbidden),
        ("https://api.localhost/", Forbidden),
        ("https://ⅼocalhost/", Forbidden),
        ("https://ｌｏｃａｌｈｏｓｔ/", Forbidden),
        ("http://127.1/", NotHttps),
        ("http://example.com/", NotHttps),
        ("http://93.184.216.34/", NotHttps),
        ("ftp://example.com/", NotHttps),
        ("file:///etc/passwd", NotHttps),
        ("gopher://127.0.0.1:25/", NotHttps),
        ("wss://example.com/", NotHttps),
        ("https://user@93.184.216.34/", NotHttps),
        ("https://user:pw@93.184.216.34/", NotHttps),
        ("https://:pw@93.184.216.34/", NotHttps),
    ];
    assert!(cases.len() >= 40);
    let outbound = strict();
    for (url, expected) in cases {
        let url = Url::parse(url).unwrap();
        assert_eq!(outbound.check_url(&url).await, Err(expected), "{url}");
    }
}

#[tokio::test]
async fn names_that_resolve_to_forbidden_addresses_are_refused() {
    let lookup = FixedLookup::with(&[
        ("metadata.test", &["169.254.169.254"]),
        ("private.test", &["10.0.0.5"]),
        ("cgnat.test", &["100.64.1.1"]),
        ("loopback6.test", &["::1"]),
        ("mapped.test", &["::ffff:127.0.0.1"]),
        ("nat64.test", &["64:ff9b::a00:1"]),
        ("ula.test", &["fd00::1"]),
        ("linklocal6.test", &["fe80::1"]),
        // One public and one private address: a rebinding set-up, refused as a whole.
        ("mixed.test", &["93.184.216.34", "127.0.0.1"]),
        ("public.test", &["93.184.216.34", "2606:4700::1111"]),
    ]);
    let outbound = Outbound::with_lookup(OutboundSettings::default(), lookup).unwrap();
    for name in [
        "metadata.test",
        "private.test",
        "cgnat.test",
        "loopback6.test",
        "mapped.test",
        "nat64.test",
        "ula.test",
        "linklocal6.test",
        "mixed.test",
    ] {
        let url = Url::parse(&format!("https://{name}/")).unwrap();
        assert_eq!(
            outbound.check_url(&url).await,
            Err(OutboundError::ForbiddenAddress),
            "{name}"
        );
    }
    let public = Url::parse("https://public.test/x").unwrap();
    assert_eq!(outbound.check_url(&public).await, Ok(public));
    // The real system resolver: `localhost` answers loopback, refused unless private is allowed.
    assert_eq!(
        GuardedResolver::new(false)
            .resolve_checked("localhost")
            .await,
        Err(OutboundError::ForbiddenAddress)
    );
    let admitted = GuardedResolver::new(true)
        .resolve_checked("localhost")
        .await
        .unwrap();
    assert!(admitted.iter().all(|a| a.ip().is_loopback()));
}

#[tokio::test]
async fn a_name_that_rebinds_after_the_check_is_refused_at_connect_time() {
    // Arrange: the first answer (the check) is public, the next (the connection) loopback, where a
    // server listens.
    let server = serve(|_| ok("internal")).await;
    let outbound = Outbound::with_lookup(
        OutboundSettings::default(),
        Arc::new(Rebinding(AtomicUsize::new(0))),
    )
    .unwrap();
    let url = format!("https://rebind.test:{}/", server.port());
    // Act
    let result = outbound.send(get(&url), Limits::default()).await;
    // Assert
    assert_eq!(result.unwrap_err(), OutboundError::ForbiddenAddress);
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn the_connection_goes_to_the_address_the_resolver_answered() {
    let server = serve(|_| ok("hello")).await;
    let lookup = FixedLookup::with(&[("vendor.test", &["127.0.0.1"])]);
    let settings = OutboundSettings {
        allow_private: true,
        ..OutboundSettings::default()
    };
    let outbound = Outbound::with_lookup(settings, lookup).unwrap();
    let url = format!("http://vendor.test:{}/x", server.port());
    let response = outbound.send(get(&url), Limits::default()).await.unwrap();
    assert_eq!(response.body, b"hello");
    assert!(server.requests.lock().unwrap()[0].starts_with("GET /x HTTP/1.1"));
}

#[tokio::test]
async fn a_redirect_is_returned_as_the_answer_and_never_followed() {
    // Arrange: another host that would record the followed request.
    let other = serve(|_| ok("followed")).await;
    let location = format!("http://localhost:{}/internal", other.port());
    let redirecting = serve(move |_| {
        format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n")
            .into_bytes()
    })
    .await;
    // Act
    let url = format!("http://127.0.0.1:{}/start", redirecting.port());
    let response = lan().send(get(&url), Limits::default()).await.unwrap();
    // Assert
    assert_eq!(response.status, reqwest::StatusCode::FOUND);
    assert!(response.headers["location"]
        .to_str()
        .unwrap()
        .ends_with("/internal"));
    assert_eq!(other.connections(), 0);
}

#[tokio::test]
async fn each_failure_has_its_class() {
    // HostNotFound: `.invalid` never resolves (RFC 6761), nor does a name the lookup lacks.
    let missing = Url::parse("https://no-such-host.invalid/").unwrap();
    assert_eq!(
        strict().check_url(&missing).await,
        Err(OutboundError::HostNotFound)
    );
    let empty = Outbound::with_lookup(OutboundSettings::default(), FixedLookup::with(&[])).unwrap();
    let unknown = empty
        .send(get("https://vendor.test/"), Limits::default())
        .await;
    assert_eq!(unknown.unwrap_err(), OutboundError::HostNotFound);

    // ConnectionRefused: a port nobody listens on any more.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let refused = lan()
        .send(get(&format!("http://127.0.0.1:{port}/")), Limits::default())
        .await;
    assert_eq!(refused.unwrap_err(), OutboundError::ConnectionRefused);

    // ForbiddenAddress: a live loopback server, never contacted without allow_private.
    let server = serve(|_| ok("secret")).await;
    let forbidden = strict()
        .send(
            get(&format!("https://127.0.0.1:{}/", server.port())),
            Limits::default(),
        )
        .await;
    assert_eq!(forbidden.unwrap_err(), OutboundError::ForbiddenAddress);
    assert_eq!(server.connections(), 0);

    // NotHttps: plain http to a public address, even where private targets are allowed.
    let plain = lan()
        .send(get("http://93.184.216.34/"), Limits::default())
        .await;
    assert_eq!(plain.unwrap_err(), OutboundError::NotHttps);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_within_the_limit() {
    let silent = serve(|_| Vec::new()).await;
    let started = Instant::now();
    let result = lan()
        .send(
            get(&format!("http://127.0.0.1:{}/", silent.port())),
            limits(300, 1024),
        )
        .await;
    assert_eq!(result.unwrap_err(), OutboundError::TimedOut);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(silent.connections(), 1);

    // Headers, then a body that stops: the limit covers the body too.
    let stalling = serve(|_| b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nab".to_vec()).await;
    let started = Instant::now();
    let result = lan()
        .send(
            get(&format!("http://127.0.0.1:{}/", stalling.port())),
            limits(300, 1024),
        )
        .await;
    assert_eq!(result.unwrap_err(), OutboundError::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn https_to_a_server_that_does_not_speak_tls_is_a_tls_error() {
    // A plain HTTP server answers the TLS hello with an HTTP error page.
    let plain = serve(|_| b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n".to_vec()).await;
    let result = lan()
        .send(
            get(&format!("https://127.0.0.1:{}/", plain.port())),
            Limits::default(),
        )
        .await;
    assert_eq!(result.unwrap_err(), OutboundError::Tls);
    assert_eq!(plain.connections(), 1);

    // A server that hangs up on the hello.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.read(&mut [0u8; 1024]).await;
            drop(stream);
        }
    });
    let result = lan()
        .send(
            get(&format!("https://127.0.0.1:{port}/")),
            Limits::default(),
        )
        .await;
    assert_eq!(result.unwrap_err(), OutboundError::Tls);
}

#[tokio::test]
async fn an_oversized_body_is_too_large_with_or_without_a_length() {
    let declared = serve(|_| {
        let mut answer = b"HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n".to_vec();
        answer.extend(std::iter::repeat_n(b'a', 5000));
        answer
    })
    .await;
    let chunked = serve(|_| {
        let mut answer = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..5 {
            answer.extend_from_slice(b"3e8\r\n");
            answer.extend(std::iter::repeat_n(b'a', 1000));
            answer.extend_from_slice(b"\r\n");
        }
        answer.extend_from_slice(b"0\r\n\r\n");
        answer
    })
    .await;
    for server in [&declared, &chunked] {
        let url = format!("http://127.0.0.1:{}/", server.port());
        let result = lan().send(get(&url), limits(5_000, 4096)).await;
        assert_eq!(result.unwrap_err(), OutboundError::TooLarge);
        // Within the cap, the same answer is read in full.
        let response = lan().send(get(&url), limits(5_000, 5000)).await.unwrap();
        assert_eq!(response.body.len(), 5000);
    }
}

#[tokio::test]
async fn an_override_to_a_loopback_server_is_used_while_private_targets_stay_refused() {
    // Arrange: allow_private is off; the operator points a vendor origin at a local fake, once
    // by address and once by name (the resolver admits that name because the operator chose it).
    let fake = serve(|_| ok("vendor fake")).await;
    let by_address = format!("http://127.0.0.1:{}", fake.port());
    let by_name = format!("http://localhost:{}", fake.port());
    let mut overrides = BTreeMap::new();
    for (from, to) in [
        ("https://api.vendor.example", by_address.as_str()),
        ("https://eu.vendor.example", by_name.as_str()),
    ] {
        let (key, target) = OutboundSettings::parse_override(from, to).unwrap();
        overrides.insert(key, target);
    }
    let outbound = Outbound::new(OutboundSettings {
        origin_overrides: overrides,
        ..OutboundSettings::default()
    })
    .unwrap();
    // Act
    let first = outbound
        .send(
            get("https://api.vendor.example/v1/things?page=2"),
            Limits::default(),
        )
        .await
        .unwrap();
    let second = outbound
        .send(get("https://eu.vendor.example/v2"), Limits::default())
        .await
        .unwrap();
    // Assert
    assert_eq!(first.body, b"vendor fake");
    assert_eq!(second.body, b"vendor fake");
    let requests = fake.requests.lock().unwrap().clone();
    assert!(
        requests[0].starts_with("GET /v1/things?page=2 HTTP/1.1"),
        "{requests:?}"
    );
    assert!(requests[1].starts_with("GET /v2 HTTP/1.1"), "{requests:?}");
    // The same server by its own address is still refused, and so is userinfo on an overridden URL.
    for (url, error) in [
        (
            format!("https://127.0.0.1:{}/", fake.port()),
            OutboundError::ForbiddenAddress,
        ),
        (
            format!("http://127.0.0.1:{}/", fake.port()),
            OutboundError::NotHttps,
        ),
        (
            format!("https://localhost:{}/", fake.port()),
            OutboundError::ForbiddenAddress,
        ),
        (
            "https://user:pw@api.vendor.example/".into(),
            OutboundError::NotHttps,
        ),
    ] {
        let result = outbound.send(get(&url), Limits::default()).await;
        assert_eq!(result.unwrap_err(), error, "{url}");
    }
    // The strict twin for attacker-chosen URLs ignores the overrides.
    let strict_twin = outbound
        .public_only()
        .send(
            get("https://api.vendor.example/v1/things"),
            Limits::default(),
        )
        .await;
    assert!(strict_twin.is_err());
    assert_eq!(fake.connections(), 2);
}

#[test]
fn override_entries_must_be_bare_origins() {
    let (key, target) = OutboundSettings::parse_override(
        "HTTPS://API.Vendor.example:443/",
        "http://127.0.0.1:4567",
    )
    .unwrap();
    assert_eq!(key, "https://api.vendor.example");
    assert_eq!(target.as_str(), "http://127.0.0.1:4567/");
    for (from, to, named) in [
        (
            "https://a.example/v1",
            "http://127.0.0.1:1",
            "https://a.example/v1",
        ),
        (
            "https://a.example",
            "http://127.0.0.1:1/path",
            "http://127.0.0.1:1/path",
        ),
        (
            "https://a.example",
            "http://u:p@127.0.0.1:1",
            "http://u:p@127.0.0.1:1",
        ),
        ("ftp://a.example", "http://127.0.0.1:1", "ftp://a.example"),
        ("a.example", "http://127.0.0.1:1", "a.example"),
        (
            "https://a.example?x=1",
            "http://127.0.0.1:1",
            "https://a.example?x=1",
        ),
    ] {
        let problem = OutboundSettings::parse_override(from, to).unwrap_err();
        assert!(problem.contains(named), "{problem}");
    }
}

#[test]
fn overrides_replace_the_origin_and_keep_the_rest() {
    let (key, target) =
        OutboundSettings::parse_override("https://api.vendor.example", "http://[::1]:4567")
            .unwrap();
    let outbound = Outbound::new(OutboundSettings {
        origin_overrides: BTreeMap::from([(key, target)]),
        ..OutboundSettings::default()
    })
    .unwrap();
    let url = Url::parse("https://api.vendor.example/a/b?c=d#e").unwrap();
    assert_eq!(
        outbound.effective_url(&url).as_str(),
        "http://[::1]:4567/a/b?c=d#e"
    );
    let other = Url::parse("https://api.vendor.example:8443/a").unwrap();
    assert_eq!(outbound.effective_url(&other), other);
}

#[test]
fn localhost_names_are_recognised_in_every_spelling() {
    for name in [
        "localhost",
        "localhost.",
        "LocalHost",
        "a.b.localhost",
        "x.localhost.",
    ] {
        assert!(address::is_localhost_name(name), "{name}");
    }
    for name in ["localhost.example.com", "notlocalhost", "example.com"] {
        assert!(!address::is_localhost_name(name), "{name}");
    }
}
