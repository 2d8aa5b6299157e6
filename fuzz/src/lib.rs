//! What several fuzz targets share: one tokio runtime, one migrated SQLite database per fuzzing
//! process, and name lookups that never touch the network.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU32, Ordering},
        OnceLock,
    },
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sea_orm::DatabaseConnection;

/// A current-thread runtime for the async domain functions.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// A fresh, migrated SQLite database in the temporary directory (one file per call, removed
/// first if a previous process left it).
pub fn database(name: &str) -> DatabaseConnection {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "mcp-gateway-fuzz-{name}-{}-{}.db",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&path);
    let settings = domain::config::DatabaseSettings {
        url: secrecy::SecretString::from(format!("sqlite://{}?mode=rwc", path.display())),
        max_connections: 1,
    };
    runtime().block_on(async {
        let db = domain::db::connect(&settings).await.expect("connect");
        domain::db::migrate(&db).await.expect("migrate");
        db
    })
}

/// A name lookup answering from the host name alone: names starting with `private` resolve to
/// 10.0.0.7, `loop` to 127.0.0.1 and ::1, `mixed` to a public and a private address, `v6` to a
/// public IPv6 address, `none` to nothing, anything else to 93.184.216.34. No name ever reaches
/// a DNS server.
#[derive(Debug, Clone, Copy, Default)]
pub struct FixedLookup;

impl FixedLookup {
    /// The addresses `host` resolves to.
    pub fn answer(host: &str) -> Vec<SocketAddr> {
        let ips: &[&str] = if host.starts_with("private") {
            &["10.0.0.7"]
        } else if host.starts_with("loop") {
            &["127.0.0.1", "[::1]"]
        } else if host.starts_with("mixed") {
            &["93.184.216.34", "192.168.1.1"]
        } else if host.starts_with("v6") {
            &["[2606:2800:220:1:248:1893:25c8:1946]"]
        } else if host.starts_with("none") {
            &[]
        } else {
            &["93.184.216.34"]
        };
        ips.iter()
            .map(|ip| format!("{ip}:0").parse().expect("a socket address"))
            .collect()
    }
}

impl Resolve for FixedLookup {
    fn resolve(&self, name: Name) -> Resolving {
        let found = Self::answer(name.as_str());
        Box::pin(async move { Ok(Box::new(found.into_iter()) as Addrs) })
    }
}

/// A name lookup that finds nothing: a target using it can never open a connection to a name.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLookup;

impl Resolve for NoLookup {
    fn resolve(&self, _name: Name) -> Resolving {
        Box::pin(async { Ok(Box::new(std::iter::empty()) as Addrs) })
    }
}
