//! `mcp-gateway keys rotate`: the documented master-key rotation, end to end through the binary.

use domain::{
    config::{DatabaseSettings, MasterKeySource},
    crypto::MasterKey,
    entity::audit_events,
    vault::{KeyScope, SealContext, Vault, VaultError},
};
use sea_orm::{EntityTrait, QueryOrder};
use uuid::Uuid;

use super::gateway;
use crate::helpers::MASTER_KEY_B64;

#[test]
fn keys_rotate_help_explains_the_procedure() {
    let output = gateway()
        .args(["keys", "rotate", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for step in ["keygen", "master_key_previous", "restart", "keys rotate"] {
        assert!(help.contains(step), "{step} in {help}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_rewraps_every_data_key_under_the_new_master_key() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("k.db").display());
    let new_key_file = dir.path().join("master-new.key");
    // The documented procedure: a new key from keygen becomes the master key, the old one the
    // previous key.
    assert!(gateway()
        .args(["keygen", "--out"])
        .arg(&new_key_file)
        .status()
        .unwrap()
        .success());
    let run = |master: &[(&str, &str)]| {
        let output = gateway()
            .args(["keys", "rotate"])
            .env("DATABASE_URL", &url)
            .envs(master.iter().copied())
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let new_key = new_key_file.to_str().unwrap();
    let rotating = [
        ("GATEWAY_MASTER_KEY_FILE", new_key),
        ("GATEWAY_MASTER_KEY_PREVIOUS", MASTER_KEY_B64),
    ];
    assert_eq!(run(&rotating).0, Some(0), "migrates an empty database too");

    let db = domain::db::connect(&DatabaseSettings {
        url: secrecy::SecretString::from(url.clone()),
        max_connections: 2,
    })
    .await
    .unwrap();
    let old_key = || {
        MasterKey::load(&MasterKeySource::Inline(secrecy::SecretString::from(
            MASTER_KEY_B64,
        )))
        .unwrap()
    };
    let old = Vault::new(old_key(), None);
    let mut sealed = Vec::new();
    for scope in [
        KeyScope::User(Uuid::new_v4()),
        KeyScope::Team(Uuid::new_v4()),
        KeyScope::Organization(Uuid::new_v4()),
    ] {
        let ctx = SealContext {
            connection_id: Uuid::new_v4(),
            scope,
            vendor: "itglue",
        };
        let value = old
            .seal(&db, &ctx, b"x-api-key", domain::OffsetDateTime::now_utc())
            .await
            .unwrap();
        sealed.push((ctx, value));
    }

    let (code, stdout, stderr) = run(&rotating);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("re-wrapped 3, already current 0")
            && stdout.contains("remove master_key_previous"),
        "{stdout}"
    );
    let (code, stdout, _) = run(&rotating);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("re-wrapped 0, already current 3"),
        "{stdout}"
    );

    // The new key alone now opens everything; the old key alone opens nothing.
    let new = Vault::new(
        MasterKey::load(&MasterKeySource::File(new_key_file.clone())).unwrap(),
        None,
    );
    assert!(stdout.contains(new.current_kek_id()), "{stdout}");
    for (ctx, value) in &sealed {
        assert_eq!(&new.open(&db, ctx, value).await.unwrap()[..], b"x-api-key");
        assert!(matches!(
            Vault::new(old_key(), None).open(&db, ctx, value).await,
            Err(VaultError::UnknownKek { .. })
        ));
    }

    // Rotating back without the key the data keys need: refused, with the fix, and recorded.
    let (code, _, stderr) = run(&[("GATEWAY_MASTER_KEY", MASTER_KEY_B64)]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("master_key_previous"), "{stderr}");

    let events: Vec<(String, String, String)> = audit_events::Entity::find()
        .order_by_asc(audit_events::Column::Id)
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "vault.key_rotation")
        .map(|e| (e.outcome, e.actor, e.detail.unwrap_or_default()))
        .collect();
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[1].0, "success");
    assert_eq!(events[1].1, "command line");
    assert!(events[1].2.starts_with("rewrapped 3"), "{events:?}");
    assert_eq!(events[3].0, "failure");
}
