#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Master-key rotation against a real database: re-wrapping, idempotence, keys it does not
//! hold, concurrent readers and rotations, and the audit event.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::super::tests::{ctx, master, NOW};
use super::*;
use crate::{
    entity::{audit_events, data_keys},
    testing::test_db,
    vault::SealContext,
};

/// Seals one secret in each of `n` new scopes; returns (context, sealed, plaintext).
async fn seal_many(
    db: &sea_orm::DatabaseConnection,
    vault: &Vault,
    n: usize,
) -> Vec<(SealContext<'static>, String, Vec<u8>)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let scope = match i % 3 {
            0 => KeyScope::User(Uuid::new_v4()),
            1 => KeyScope::Team(Uuid::new_v4()),
            _ => KeyScope::Organization(Uuid::new_v4()),
        };
        let context = ctx(scope);
        let plain = format!("secret number {i}").into_bytes();
        let sealed = vault.seal(db, &context, &plain, NOW).await.unwrap();
        out.push((context, sealed, plain));
    }
    out
}

async fn kek_ids(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    data_keys::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.kek_id)
        .collect()
}

#[tokio::test]
async fn rotation_moves_every_data_key_to_the_new_master_key_and_a_rerun_is_a_no_op() {
    let db = test_db().await;
    let old = Vault::new(master(1), None);
    let sealed = seal_many(&db, &old, 5).await;

    let rotating = Vault::new(master(2), Some(master(1)));
    let later = NOW + time::Duration::hours(1);
    let report = rotating.rotate(&*db, later).await.unwrap();
    assert_eq!(
        report,
        RotationReport {
            rewrapped: 5,
            ..Default::default()
        }
    );
    assert!(report.is_complete());
    let new_id = rotating.current_kek_id().to_owned();
    assert!(kek_ids(&db).await.iter().all(|id| *id == new_id));

    // The old key can go: the new one alone opens everything; the old one alone opens nothing.
    let new_only = Vault::new(master(2), None);
    let old_only = Vault::new(master(1), None);
    for (context, value, plain) in &sealed {
        assert_eq!(
            &new_only.open(&*db, context, value).await.unwrap()[..],
            &plain[..]
        );
        match old_only.open(&*db, context, value).await {
            Err(VaultError::UnknownKek { kek_id }) => assert_eq!(kek_id, new_id),
            other => panic!("{other:?}"),
        }
    }

    let rows_before = data_keys::Entity::find().all(&*db).await.unwrap();
    assert!(rows_before.iter().all(|r| r.updated_at == later));
    let again = rotating
        .rotate(&*db, later + time::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        again,
        RotationReport {
            already_current: 5,
            ..Default::default()
        }
    );
    assert_eq!(
        data_keys::Entity::find().all(&*db).await.unwrap(),
        rows_before
    );
}

#[tokio::test]
async fn data_keys_under_a_master_key_it_does_not_hold_are_left_and_reported() {
    let db = test_db().await;
    let sealed = seal_many(&db, &Vault::new(master(1), None), 2).await;
    seal_many(&db, &Vault::new(master(2), None), 1).await;
    // Rotating to key 3 with key 2 as the previous one: key 1's rows cannot be re-wrapped.
    let report = Vault::new(master(3), Some(master(2)))
        .rotate(&*db, NOW)
        .await
        .unwrap();
    assert_eq!(
        report,
        RotationReport {
            rewrapped: 1,
            unknown_kek: 2,
            ..Default::default()
        }
    );
    assert!(!report.is_complete());
    let (context, value, plain) = &sealed[0];
    let with_key_1 = Vault::new(master(3), Some(master(1)));
    assert_eq!(
        &with_key_1.open(&*db, context, value).await.unwrap()[..],
        &plain[..]
    );
}

#[tokio::test]
async fn a_damaged_wrapped_key_is_reported_not_fatal() {
    let db = test_db().await;
    let sealed = seal_many(&db, &Vault::new(master(1), None), 3).await;
    let damaged = store::find_by_scope(&*db, sealed[0].0.scope)
        .await
        .unwrap()
        .unwrap();
    let mut wrapped = damaged.wrapped.clone();
    wrapped[20] ^= 0x01;
    data_keys::Entity::update_many()
        .col_expr(data_keys::Column::Wrapped, wrapped.into())
        .filter(data_keys::Column::Id.eq(damaged.id))
        .exec(&*db)
        .await
        .unwrap();
    let report = Vault::new(master(2), Some(master(1)))
        .rotate(&*db, NOW)
        .await
        .unwrap();
    assert_eq!((report.rewrapped, report.damaged), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotation_while_others_decrypt_and_rotate_causes_no_errors() {
    let db = test_db().await;
    // More scopes than one batch, so rotation pages.
    let sealed = Arc::new(seal_many(&db, &Vault::new(master(1), None), 250).await);

    // A replica already configured with both keys, reading every key from the database.
    let stop = Arc::new(AtomicBool::new(false));
    let (opens, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let reader = {
        let (db, sealed, stop) = (db.db.clone(), sealed.clone(), stop.clone());
        let (opens, errors) = (opens.clone(), errors.clone());
        tokio::spawn(async move {
            let vault = Vault::new(master(2), Some(master(1))).with_cache_ttl(Duration::ZERO);
            while !stop.load(Ordering::Relaxed) {
                for (context, value, plain) in sealed.iter() {
                    match vault.open(&db, context, value).await {
                        Ok(p) if p[..] == plain[..] => opens.fetch_add(1, Ordering::Relaxed),
                        _ => errors.fetch_add(1, Ordering::Relaxed),
                    };
                }
            }
        })
    };
    // Two operators run the rotation at once.
    let rotate = || {
        let db = db.db.clone();
        tokio::spawn(async move {
            Vault::new(master(2), Some(master(1)))
                .rotate(&db, NOW)
                .await
                .unwrap()
        })
    };
    let (first, second) = (rotate(), rotate());
    let (first, second) = (first.await.unwrap(), second.await.unwrap());
    // Let the reader finish at least one full pass over the re-wrapped keys.
    let seen = opens.load(Ordering::Relaxed);
    while opens.load(Ordering::Relaxed) < seen + 250 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    reader.await.unwrap();

    assert_eq!(errors.load(Ordering::Relaxed), 0);
    assert!(opens.load(Ordering::Relaxed) >= 250);
    assert_eq!(
        first.rewrapped + second.rewrapped,
        250,
        "{first:?} {second:?}"
    );
    assert_eq!(
        first.unknown_kek + second.unknown_kek + first.damaged + second.damaged,
        0
    );
    let new_id = Vault::new(master(2), None).current_kek_id().to_owned();
    assert!(kek_ids(&db).await.iter().all(|id| *id == new_id));
}

#[tokio::test]
async fn rotate_and_record_writes_the_counts_to_the_audit_log() {
    let db = test_db().await;
    seal_many(&db, &Vault::new(master(1), None), 2).await;
    let vault = Vault::new(master(2), Some(master(1)));
    let report = rotate_and_record(&*db, &vault, Actor::CommandLine, &Default::default(), NOW)
        .await
        .unwrap();
    assert_eq!(report.rewrapped, 2);
    let events = audit_events::Entity::find().all(&*db).await.unwrap();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(
        (
            event.action.as_str(),
            event.outcome.as_str(),
            event.actor.as_str()
        ),
        ("vault.key_rotation", "success", "command line")
    );
    assert_eq!(
        event.target,
        format!("master_key:{}", vault.current_kek_id())
    );
    assert!(
        event
            .detail
            .as_deref()
            .unwrap()
            .starts_with("rewrapped 2, already current 0"),
        "{:?}",
        event.detail
    );
    assert!(crate::audit::ACTIONS
        .iter()
        .any(|(action, _)| *action == "vault.key_rotation"));
}
