//! The vault's sealed-value envelope (security.md VAULT-1: a malformed row must never panic):
//! `Vault::open` on arbitrary text, against a database holding one real data key. An input
//! starting with `~` has that prefix replaced by `v1.<the real data key id>.`, so the fuzzer
//! reaches the base64 and AES-GCM layers with the right key, not only the id lookup.
//!
//! Checked beyond "no panic": nothing but the sealed value opens, and what opens is the secret.

#![no_main]

use std::sync::OnceLock;

use domain::{
    crypto::MasterKey,
    vault::{KeyScope, SealContext, Vault},
    OffsetDateTime,
};
use libfuzzer_sys::fuzz_target;
use mcp_gateway_fuzz::{database, runtime};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

const SECRET: &[u8] = b"api-key-0123456789";

struct Sealed {
    db: DatabaseConnection,
    vault: Vault,
    context: SealContext<'static>,
    sealed: String,
    prefix: String,
}

fn sealed() -> &'static Sealed {
    static SEALED: OnceLock<Sealed> = OnceLock::new();
    SEALED.get_or_init(|| {
        let db = database("vault");
        let vault = Vault::new(MasterKey::from_bytes([7; 32]), None);
        let context = SealContext {
            connection_id: Uuid::from_u128(1),
            scope: KeyScope::Team(Uuid::from_u128(2)),
            vendor: "autotask",
        };
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a time");
        let sealed = runtime()
            .block_on(vault.seal(&db, &context, SECRET, now))
            .expect("seal");
        let prefix = sealed[..sealed.rfind('.').expect("three parts") + 1].to_owned();
        Sealed {
            db,
            vault,
            context,
            sealed,
            prefix,
        }
    })
}

fuzz_target!(|data: &str| {
    let s = sealed();
    let text = match data.strip_prefix('~') {
        Some(rest) => format!("{}{rest}", s.prefix),
        None => data.to_owned(),
    };
    let opened = runtime().block_on(s.vault.open(&s.db, &s.context, &text));
    if let Ok(plain) = opened {
        assert_eq!(&plain[..], SECRET, "only the sealed value opens");
        assert_eq!(text, s.sealed, "only the sealed value opens");
    }
});
