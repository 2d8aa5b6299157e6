#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The outbound guard never uses a proxy from the environment (security.md MCP-4): a proxy
//! would make the connection itself, past the guarding resolver.
//!
//! A test binary of its own on purpose: it sets `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` for the
//! whole process, which would send every other test's ordinary reqwest client to this proxy.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use domain::outbound::{Limits, Outbound, OutboundSettings};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// Accepts connections, counts them, answers each with `answer`.
async fn listener(answer: &'static [u8]) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let _ = stream.read(&mut [0u8; 4096]).await;
                let _ = stream.write_all(answer).await;
            });
        }
    });
    (port, count)
}

/// `vendor.test` is 127.0.0.1 (a name, so that a proxy, if used, would be asked for it).
struct VendorLookup;

impl Resolve for VendorLookup {
    fn resolve(&self, name: Name) -> Resolving {
        let known: HashMap<&str, IpAddr> = HashMap::from([("vendor.test", [127, 0, 0, 1].into())]);
        let found = known.get(name.as_str()).copied();
        Box::pin(async move {
            let ip = found.ok_or("no such name")?;
            Ok(Box::new(std::iter::once(SocketAddr::new(ip, 0))) as Addrs)
        })
    }
}

#[tokio::test]
async fn proxies_from_the_environment_are_never_used() {
    // Arrange: a proxy that records every connection, named by every variable reqwest reads.
    let (proxy_port, proxy_connections) =
        listener(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n").await;
    let (vendor_port, vendor_connections) =
        listener(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\nconnection: close\r\n\r\nvendor").await;
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    for variable in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        std::env::set_var(variable, &proxy);
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    let settings = OutboundSettings {
        allow_private: true,
        ..OutboundSettings::default()
    };
    let outbound = Outbound::with_lookup(settings, Arc::new(VendorLookup)).unwrap();
    let limits = Limits {
        timeout: Duration::from_secs(5),
        max_bytes: 1024,
    };
    let url = format!("http://vendor.test:{vendor_port}/");

    // Act: plain http and https (a CONNECT through the proxy, were it used).
    let answer = outbound
        .send(
            reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap()),
            limits,
        )
        .await
        .unwrap();
    let https = format!("https://vendor.test:{vendor_port}/");
    let _ = outbound
        .send(
            reqwest::Request::new(reqwest::Method::GET, https.parse().unwrap()),
            limits,
        )
        .await;

    // Assert: the vendor was reached directly, twice; the proxy never.
    assert_eq!(answer.body, b"vendor");
    assert_eq!(vendor_connections.load(Ordering::SeqCst), 2);
    assert_eq!(proxy_connections.load(Ordering::SeqCst), 0);

    // The control: an ordinary client in the same environment does go to the proxy, so the
    // assertion above would catch a guard that stopped ignoring it.
    let ordinary = reqwest::Client::new().get(&url).send().await.unwrap();
    assert_eq!(ordinary.status(), reqwest::StatusCode::BAD_GATEWAY);
    assert_eq!(proxy_connections.load(Ordering::SeqCst), 1);
}
