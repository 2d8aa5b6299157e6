#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Sealing and opening against a real migrated database: round trips, tampering, context
//! binding, foreign master keys, lazy creation races, shredding, caching and what leaks.

use std::time::{Duration, Instant};

use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine as _,
};
use proptest::{collection::vec, prelude::*, test_runner::TestRunner};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use time::macros::datetime;

use super::*;
use crate::{entity::data_keys, testing::test_db};

pub(super) const NOW: OffsetDateTime = datetime!(2026-12-01 12:00 UTC);

pub(super) fn master(byte: u8) -> MasterKey {
    MasterKey::from_bytes([byte; 32])
}

pub(super) fn ctx(scope: KeyScope) -> SealContext<'static> {
    SealContext {
        connection_id: Uuid::new_v4(),
        scope,
        vendor: "autotask",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The unwrapped data key the vault cached for `sealed` (tests look inside; nothing else can).
fn cached_dek(vault: &Vault, sealed: &str) -> [u8; 32] {
    let (dek_id, _) = keys::decode(sealed).unwrap();
    let (_, key) = vault.inner.cache.get(dek_id, Instant::now()).unwrap();
    **key
}

/// Flips one bit of the encrypted part of a sealed value, keeping the format valid.
fn flip_bit(sealed: &str, bit: usize) -> String {
    let (dek_id, mut bytes) = keys::decode(sealed).unwrap();
    bytes[bit / 8] ^= 1 << (bit % 8);
    keys::encode(dek_id, &bytes)
}

#[test]
fn arbitrary_bytes_round_trip_warm_and_cold() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(test_db());
    let vault = Vault::new(master(1), None);
    let scopes = [
        KeyScope::User(Uuid::new_v4()),
        KeyScope::Team(Uuid::new_v4()),
        KeyScope::Organization(Uuid::new_v4()),
    ];
    let mut runner = TestRunner::new(ProptestConfig::with_cases(64));
    runner
        .run(&(vec(any::<u8>(), 0..4096), 0..3usize), |(plain, i)| {
            let context = ctx(scopes[i]);
            let (warm, cold) = runtime.block_on(async {
                let sealed = vault.seal(&*db, &context, &plain, NOW).await.unwrap();
                let warm = vault.open(&*db, &context, &sealed).await.unwrap();
                let fresh = Vault::new(master(1), None);
                let cold = fresh.open(&*db, &context, &sealed).await.unwrap();
                (warm, cold)
            });
            prop_assert_eq!(&warm[..], &plain[..]);
            prop_assert_eq!(&cold[..], &plain[..]);
            Ok(())
        })
        .unwrap();
    // One data key per scope, however many secrets.
    let rows = runtime
        .block_on(data_keys::Entity::find().all(&*db))
        .unwrap();
    assert_eq!(rows.len(), 3);
}

#[tokio::test]
async fn every_single_bit_flip_of_nonce_or_ciphertext_fails_with_integrity() {
    let db = test_db().await;
    let vault = Vault::new(master(1), None);
    let context = ctx(KeyScope::Team(Uuid::new_v4()));
    let sealed = vault
        .seal(&*db, &context, b"api-key-0123456789", NOW)
        .await
        .unwrap();
    let bits = keys::decode(&sealed).unwrap().1.len() * 8;
    assert_eq!(bits, (12 + 18 + 16) * 8, "nonce, ciphertext and tag");
    for bit in 0..bits {
        let result = vault.open(&*db, &context, &flip_bit(&sealed, bit)).await;
        assert!(
            matches!(result, Err(VaultError::Integrity)),
            "bit {bit}: {result:?}"
        );
    }
    // A truncated tag is no better.
    let (dek_id, bytes) = keys::decode(&sealed).unwrap();
    let truncated = keys::encode(dek_id, &bytes[..bytes.len() - 1]);
    assert!(matches!(
        vault.open(&*db, &context, &truncated).await,
        Err(VaultError::Integrity)
    ));
    assert_eq!(
        &vault.open(&*db, &context, &sealed).await.unwrap()[..],
        b"api-key-0123456789"
    );
}

#[tokio::test]
async fn a_value_moved_to_another_row_scope_or_vendor_does_not_open() {
    let db = test_db().await;
    let vault = Vault::new(master(1), None);
    let team = Uuid::new_v4();
    let a = ctx(KeyScope::Team(team));
    let b = SealContext {
        connection_id: Uuid::new_v4(),
        ..a
    };
    let other_team = ctx(KeyScope::Team(Uuid::new_v4()));
    let sealed_a = vault.seal(&*db, &a, b"secret of row a", NOW).await.unwrap();
    let sealed_b = vault.seal(&*db, &b, b"secret of row b", NOW).await.unwrap();
    let sealed_other = vault.seal(&*db, &other_team, b"other", NOW).await.unwrap();

    let cold = || Vault::new(master(1), None);
    for vault in [vault.clone(), cold()] {
        // Rows swapped: each value in the other row's place.
        for (context, sealed) in [(&a, &sealed_b), (&b, &sealed_a)] {
            assert!(matches!(
                vault.open(&*db, context, sealed).await,
                Err(VaultError::Integrity)
            ));
        }
        let wrong = [
            SealContext {
                vendor: "itglue",
                ..a
            },
            // Same id, another kind of scope.
            SealContext {
                scope: KeyScope::User(team),
                ..a
            },
            SealContext {
                scope: other_team.scope,
                ..a
            },
        ];
        for context in &wrong {
            let result = vault.open(&*db, context, &sealed_a).await;
            assert!(matches!(result, Err(VaultError::Integrity)), "{context:?}");
        }
        // Another team's value, presented as this team's.
        assert!(matches!(
            vault
                .open(
                    &*db,
                    &SealContext {
                        scope: a.scope,
                        ..other_team
                    },
                    &sealed_other
                )
                .await,
            Err(VaultError::Integrity)
        ));
        assert_eq!(
            &vault.open(&*db, &a, &sealed_a).await.unwrap()[..],
            b"secret of row a"
        );
    }
}

#[tokio::test]
async fn a_wrapped_data_key_copied_into_another_scopes_row_does_not_unwrap() {
    let db = test_db().await;
    let vault = Vault::new(master(1), None);
    let (a, b) = (
        ctx(KeyScope::User(Uuid::new_v4())),
        ctx(KeyScope::User(Uuid::new_v4())),
    );
    vault.seal(&*db, &a, b"a", NOW).await.unwrap();
    let sealed_b = vault.seal(&*db, &b, b"b", NOW).await.unwrap();
    let row_a = store::find_by_scope(&*db, a.scope).await.unwrap().unwrap();
    // An attacker with write access gives B's row A's wrapped key (which they can read).
    data_keys::Entity::update_many()
        .col_expr(data_keys::Column::Wrapped, row_a.wrapped.into())
        .filter(data_keys::Column::ScopeId.eq(b.scope.id()))
        .exec(&*db)
        .await
        .unwrap();
    let result = Vault::new(master(1), None).open(&*db, &b, &sealed_b).await;
    assert!(matches!(result, Err(VaultError::Integrity)), "{result:?}");
}

#[tokio::test]
async fn a_value_under_another_master_key_fails_cleanly() {
    let db = test_db().await;
    let ours = Vault::new(master(1), None);
    let context = ctx(KeyScope::Organization(Uuid::new_v4()));
    let sealed = ours
        .seal(&*db, &context, b"vendor secret", NOW)
        .await
        .unwrap();

    // Another gateway, another master key, the same database (a stolen dump, a misconfiguration).
    let theirs = Vault::new(master(2), None);
    let err = theirs.open(&*db, &context, &sealed).await.unwrap_err();
    match &err {
        VaultError::UnknownKek { kek_id } => assert_eq!(kek_id, ours.current_kek_id()),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("master_key_previous"), "{err}");
    assert!(matches!(
        theirs.seal(&*db, &context, b"x", NOW).await,
        Err(VaultError::UnknownKek { .. })
    ));
    // Relabelling the row with their key's id does not help: the wrapped key does not open.
    data_keys::Entity::update_many()
        .col_expr(data_keys::Column::KekId, theirs.current_kek_id().into())
        .exec(&*db)
        .await
        .unwrap();
    assert!(matches!(
        theirs.open(&*db, &context, &sealed).await,
        Err(VaultError::Integrity)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_seals_of_a_scope_end_with_one_data_key() {
    let db = test_db().await;
    for _ in 0..5 {
        let scope = KeyScope::Team(Uuid::new_v4());
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let db = db.db.clone();
                tokio::spawn(async move {
                    // Separate vaults: separate replicas, nothing shared but the database.
                    let context = ctx(scope);
                    let sealed = Vault::new(master(1), None)
                        .seal(&db, &context, format!("secret {i}").as_bytes(), NOW)
                        .await
                        .unwrap();
                    (context, sealed, i)
                })
            })
            .collect();
        let reader = Vault::new(master(1), None);
        for task in tasks {
            let (context, sealed, i) = task.await.unwrap();
            let plain = reader.open(&*db, &context, &sealed).await.unwrap();
            assert_eq!(&plain[..], format!("secret {i}").as_bytes());
        }
        let rows = data_keys::Entity::find()
            .filter(data_keys::Column::ScopeId.eq(scope.id()))
            .all(&*db)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
    }
}

#[tokio::test]
async fn destroying_a_scope_shreds_its_secrets_everywhere_and_only_its_own() {
    let db = test_db().await;
    let vault = Vault::new(master(1), None);
    let replica = Vault::new(master(1), None).with_cache_ttl(Duration::ZERO);
    let (doomed, kept) = (
        ctx(KeyScope::User(Uuid::new_v4())),
        ctx(KeyScope::User(Uuid::new_v4())),
    );
    let sealed = vault
        .seal(&*db, &doomed, b"to be shredded", NOW)
        .await
        .unwrap();
    let sealed_kept = vault.seal(&*db, &kept, b"kept", NOW).await.unwrap();
    assert!(vault.open(&*db, &doomed, &sealed).await.is_ok());
    assert!(replica.open(&*db, &doomed, &sealed).await.is_ok());

    vault.destroy_scope(&*db, doomed.scope).await.unwrap();
    vault.destroy_scope(&*db, doomed.scope).await.unwrap();

    for (who, v) in [("here", &vault), ("other replica", &replica)] {
        let result = v.open(&*db, &doomed, &sealed).await;
        assert!(
            matches!(result, Err(VaultError::DataKeyMissing)),
            "{who}: {result:?}"
        );
        assert_eq!(
            &v.open(&*db, &kept, &sealed_kept).await.unwrap()[..],
            b"kept"
        );
    }
    // A new secret gets a new key; the shredded one stays shredded.
    let again = vault.seal(&*db, &doomed, b"new", NOW).await.unwrap();
    assert_eq!(
        &vault.open(&*db, &doomed, &again).await.unwrap()[..],
        b"new"
    );
    assert!(matches!(
        vault.open(&*db, &doomed, &sealed).await,
        Err(VaultError::DataKeyMissing)
    ));
}

#[tokio::test]
async fn a_warm_open_makes_no_database_query() {
    let db = test_db().await;
    let vault = Vault::new(master(1), None);
    let context = ctx(KeyScope::Team(Uuid::new_v4()));
    let sealed = vault.seal(&*db, &context, b"warm", NOW).await.unwrap();
    vault.open(&*db, &context, &sealed).await.unwrap();
    // With the pool closed any query fails; the warm open does not notice.
    db.db.clone().close().await.unwrap();
    assert_eq!(
        &vault.open(&*db, &context, &sealed).await.unwrap()[..],
        b"warm"
    );
    let cold = Vault::new(master(1), None)
        .open(&*db, &context, &sealed)
        .await;
    assert!(matches!(cold, Err(VaultError::Db(_))), "{cold:?}");
}

#[tokio::test]
async fn malformed_values_and_oversized_plaintexts_are_refused() {
    let db = test_db().await;
    let vault = Vault::new(master(1), None);
    let context = ctx(KeyScope::Team(Uuid::new_v4()));
    let sealed = vault.seal(&*db, &context, b"x", NOW).await.unwrap();
    for bad in [
        "",
        "plain text",
        &sealed[1..],
        &sealed.replacen("v1.", "v0.", 1),
    ] {
        assert!(matches!(
            vault.open(&*db, &context, bad).await,
            Err(VaultError::Malformed)
        ));
    }
    let big = vec![0u8; keys::MAX_PLAINTEXT_LEN + 1];
    assert!(matches!(
        vault.seal(&*db, &context, &big, NOW).await,
        Err(VaultError::Malformed)
    ));
    // Two seals of one plaintext differ (fresh nonce) and both open.
    let again = vault.seal(&*db, &context, b"x", NOW).await.unwrap();
    assert_ne!(sealed, again);
    assert_eq!(&vault.open(&*db, &context, &again).await.unwrap()[..], b"x");
}

#[tokio::test]
async fn a_database_dump_holds_neither_data_keys_nor_plaintexts() {
    let db = test_db().await;
    let vault = Vault::new(master(1), None);
    let canary = format!("canary-{}", Uuid::new_v4());
    let mut deks = Vec::new();
    for scope in [
        KeyScope::User(Uuid::new_v4()),
        KeyScope::Team(Uuid::new_v4()),
    ] {
        let sealed = vault
            .seal(&*db, &ctx(scope), canary.as_bytes(), NOW)
            .await
            .unwrap();
        assert!(!sealed.contains(&canary) && !sealed.contains(&STANDARD.encode(&canary)));
        deks.push(cached_dek(&vault, &sealed));
    }
    let rows = data_keys::Entity::find().all(&*db).await.unwrap();
    // Every column as text, the binary one in every usual spelling (pg_dump writes hex).
    let mut dump = format!("{rows:?}");
    for row in &rows {
        dump.push_str(&hex(&row.wrapped));
        dump.push_str(&STANDARD.encode(&row.wrapped));
        dump.push_str(&URL_SAFE_NO_PAD.encode(&row.wrapped));
    }
    let secrets = deks
        .iter()
        .map(|k| k.to_vec())
        .chain([master(1).expose().to_vec()]);
    for secret in secrets {
        for spelling in [
            hex(&secret),
            STANDARD.encode(&secret),
            URL_SAFE_NO_PAD.encode(&secret),
            format!("{:?}", &secret[..8])
                .trim_end_matches(']')
                .to_owned(),
        ] {
            assert!(!dump.contains(&spelling), "{spelling} in the dump");
        }
        for row in &rows {
            assert!(!row
                .wrapped
                .windows(8)
                .any(|w| secret.windows(8).any(|s| s == w)));
        }
    }
    assert!(!dump.contains(&canary) && !dump.contains(&hex(canary.as_bytes())));
}

#[tokio::test]
async fn debug_output_of_the_vault_and_its_errors_shows_nothing_secret() {
    let db = test_db().await;
    let vault = Vault::new(master(1), Some(master(2)));
    let context = ctx(KeyScope::Team(Uuid::new_v4()));
    let canary = "canary-secret-value";
    let sealed = vault
        .seal(&*db, &context, canary.as_bytes(), NOW)
        .await
        .unwrap();
    let dek = cached_dek(&vault, &sealed);
    let errors = [
        vault
            .open(&*db, &context, &flip_bit(&sealed, 200))
            .await
            .unwrap_err(),
        Vault::new(master(3), None)
            .open(&*db, &context, &sealed)
            .await
            .unwrap_err(),
        vault.open(&*db, &context, "v1.nope").await.unwrap_err(),
    ];
    let mut printed = format!("{vault:?}");
    for err in &errors {
        printed.push_str(&format!("{err:?} {err}"));
    }
    assert!(printed.contains(vault.current_kek_id()), "{printed}");
    for secret in [&dek[..], master(1).expose(), master(2).expose()] {
        assert!(!printed.contains(&hex(secret)), "{printed}");
        assert!(!printed.contains(format!("{:?}", &secret[..4]).trim_end_matches(']')));
    }
    assert!(!printed.contains(canary), "{printed}");
}
