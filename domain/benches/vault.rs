//! Benchmarks of the credential vault: opening a ~200-byte secret with its data key cached
//! (the hot path of every tool call; target ≤ 20 µs) and, for comparison, with the data key read
//! from the database each time (SQLite file in a temporary directory).
//!
//! `cargo bench -p domain --bench vault`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{hint::black_box, time::Duration};

use criterion::{criterion_group, criterion_main, Criterion};
use domain::{
    config::DatabaseSettings,
    crypto::MasterKey,
    vault::{KeyScope, SealContext, Vault},
    OffsetDateTime,
};
use secrecy::SecretString;
use uuid::Uuid;

fn open(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let settings = DatabaseSettings {
        url: SecretString::from(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )),
        max_connections: 2,
    };
    let db = runtime.block_on(async {
        let db = domain::db::connect(&settings).await.unwrap();
        domain::db::migrate(&db).await.unwrap();
        db
    });
    let key = MasterKey::generate().unwrap();
    let vault = Vault::new(MasterKey::from_bytes(*key.expose()), None);
    let ctx = SealContext {
        connection_id: Uuid::new_v4(),
        scope: KeyScope::Team(Uuid::new_v4()),
        vendor: "autotask",
    };
    // An Autotask-sized credential: username, secret and integration code as one JSON value.
    let secret = format!(
        r#"{{"username":"api-user@example-msp.com","secret":"{}","integration_code":"{}"}}"#,
        "s".repeat(64),
        "C".repeat(64)
    );
    assert!((190..=220).contains(&secret.len()), "{}", secret.len());
    let sealed = runtime
        .block_on(vault.seal(&db, &ctx, secret.as_bytes(), OffsetDateTime::now_utc()))
        .unwrap();
    // Warm the cache.
    runtime.block_on(vault.open(&db, &ctx, &sealed)).unwrap();

    let mut group = c.benchmark_group("vault");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("open_warm_200_bytes", |b| {
        b.iter(|| {
            runtime
                .block_on(vault.open(&db, &ctx, black_box(&sealed)))
                .unwrap()
        })
    });
    let cold =
        Vault::new(MasterKey::from_bytes(*key.expose()), None).with_cache_ttl(Duration::ZERO);
    group.bench_function("open_cold_200_bytes_sqlite", |b| {
        b.iter(|| {
            runtime
                .block_on(cold.open(&db, &ctx, black_box(&sealed)))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, open);
criterion_main!(benches);
