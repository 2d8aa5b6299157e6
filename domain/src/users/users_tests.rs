#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{EntityTrait, PaginatorTrait};

use super::*;
use crate::testing::test_db;

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap()
}

fn identity(issuer: &str, subject: &str) -> Identity {
    Identity {
        provider: Provider::Dev,
        issuer: issuer.into(),
        subject: subject.into(),
    }
}

fn profile(name: &str, email: &str) -> Profile {
    Profile {
        display_name: DisplayName::parse(name).unwrap(),
        email: Some(Email::parse(email).unwrap()),
        email_verified: false,
    }
}

#[tokio::test]
async fn the_first_sign_in_creates_the_user_and_the_next_one_finds_it_and_refreshes_the_profile() {
    // Arrange
    let db = test_db().await;
    let id = identity("dev", "ada@example.com");
    // Act
    let first = sign_in(&db, &id, &profile("Ada", "ada@example.com"), at(0))
        .await
        .unwrap();
    let second = sign_in(
        &db,
        &id,
        &profile("Ada Lovelace", "ada@lovelace.example"),
        at(60),
    )
    .await
    .unwrap();
    // Assert
    assert_eq!(first.id, second.id);
    assert_eq!(second.display_name, "Ada Lovelace");
    assert_eq!(second.email.as_deref(), Some("ada@lovelace.example"));
    assert_eq!(second.created_at, at(0));
    assert_eq!(users::Entity::find().count(&*db).await.unwrap(), 1);
    assert_eq!(
        user_identities::Entity::find().count(&*db).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn the_same_email_under_two_identities_stays_two_users() {
    let db = test_db().await;
    let a = sign_in(
        &db,
        &identity("tenant-a", "oid-1"),
        &profile("Sam", "sam@example.com"),
        at(0),
    )
    .await
    .unwrap();
    let b = sign_in(
        &db,
        &identity("tenant-b", "oid-1"),
        &profile("Sam", "sam@example.com"),
        at(0),
    )
    .await
    .unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(users::Entity::find().count(&*db).await.unwrap(), 2);
}

#[tokio::test]
async fn concurrent_first_sign_ins_of_one_identity_create_one_user() {
    let db = test_db().await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let conn = db.db.clone();
        tasks.push(tokio::spawn(async move {
            sign_in(
                &conn,
                &identity("dev", "race@example.com"),
                &profile("Race", "race@example.com"),
                at(0),
            )
            .await
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every sign-in resolved to the same user");
    assert_eq!(users::Entity::find().count(&*db).await.unwrap(), 1);
}

#[tokio::test]
async fn last_seen_is_written_at_most_every_few_minutes() {
    let db = test_db().await;
    let user = sign_in(
        &db,
        &identity("dev", "x@example.com"),
        &profile("X", "x@example.com"),
        at(0),
    )
    .await
    .unwrap();
    touch_last_seen(&db, &user, at(60)).await.unwrap();
    assert_eq!(
        find(&db, user.id).await.unwrap().unwrap().last_seen_at,
        Some(at(0))
    );
    touch_last_seen(&db, &user, at(301)).await.unwrap();
    assert_eq!(
        find(&db, user.id).await.unwrap().unwrap().last_seen_at,
        Some(at(301))
    );
}

#[tokio::test]
async fn deleting_a_user_removes_its_identities() {
    let db = test_db().await;
    let user = sign_in(
        &db,
        &identity("dev", "gone@example.com"),
        &profile("Gone", "gone@example.com"),
        at(0),
    )
    .await
    .unwrap();
    users::Entity::delete_by_id(user.id)
        .exec(&*db)
        .await
        .unwrap();
    assert_eq!(
        user_identities::Entity::find().count(&*db).await.unwrap(),
        0
    );
}

/// OIDC-3: whether the provider vouched for the email is kept with it, refreshed at each sign-in,
/// and an unverified email is shown as such.
#[tokio::test]
async fn an_email_the_provider_did_not_verify_is_shown_as_unverified() {
    let db = test_db().await;
    let id = identity("auth0", "auth0|ada");
    let unverified = sign_in(&db, &id, &profile("Ada", "ada@example.com"), at(0))
        .await
        .unwrap();
    assert!(!unverified.email_verified);
    assert_eq!(
        unverified.display_email().as_deref(),
        Some("ada@example.com (unverified)")
    );
    let verified = sign_in(
        &db,
        &id,
        &Profile {
            email_verified: true,
            ..profile("Ada", "ada@example.com")
        },
        at(60),
    )
    .await
    .unwrap();
    assert_eq!(verified.display_email().as_deref(), Some("ada@example.com"));
    // A later sign-in without the flag takes it away again; no email, nothing verified.
    let no_email = sign_in(
        &db,
        &id,
        &Profile {
            email: None,
            email_verified: true,
            ..profile("Ada", "ada@example.com")
        },
        at(120),
    )
    .await
    .unwrap();
    assert!(!no_email.email_verified);
    assert_eq!(no_email.display_email(), None);
}
