#![allow(clippy::unwrap_used, clippy::expect_used)]

use time::Duration;

use super::{AccessTokenCache, DEFAULT_FRESHNESS};
use crate::{
    audit::RequestContext,
    oauth::{
        grants::{self, InvalidToken},
        tests::{at, settings, tokens_for},
    },
    testing::test_db,
    users,
};

fn ms(millis: i64) -> Duration {
    Duration::milliseconds(millis)
}

/// A fresh user's access token, issued at `at(1)`, and its client (for revocation).
async fn issued(
    db: &sea_orm::DatabaseConnection,
) -> (String, super::super::clients::Client, crate::users::User) {
    let (client, tokens, user) = tokens_for(db).await;
    (tokens.access_token, client, user)
}

#[tokio::test]
async fn a_revocation_made_elsewhere_is_honoured_once_the_cached_check_is_a_second_old() {
    // Arrange: a cache that hears of revocations only through the database (another replica
    // revoked), warm.
    let db = test_db().await;
    let s = settings();
    let cache = AccessTokenCache::without_local_revocations(DEFAULT_FRESHNESS);
    let (token, _, ada) = issued(&db).await;
    assert!(cache
        .validate(&db, &s, &token, at(2))
        .await
        .unwrap()
        .is_ok());

    // Act
    users::end_sessions(&db, ada.id, at(2)).await.unwrap();

    // Assert: within the freshness the cached check answers (no database read) ...
    assert!(cache
        .validate(&db, &s, &token, at(2) + ms(999))
        .await
        .unwrap()
        .is_ok());
    // ... and one second after the check, the database is asked again.
    assert_eq!(
        cache.validate(&db, &s, &token, at(3)).await.unwrap(),
        Err(InvalidToken::Revoked)
    );
    assert!(cache.is_empty());
}

#[tokio::test]
async fn the_replica_that_revokes_refuses_the_token_at_once() {
    let db = test_db().await;
    let s = settings();
    let cache = AccessTokenCache::new(Duration::hours(1));
    let (token, client, _) = issued(&db).await;
    assert!(cache
        .validate(&db, &s, &token, at(2))
        .await
        .unwrap()
        .is_ok());

    // RFC 7009 revocation of the access token itself, in this process.
    grants::revoke_token(&db, &client, &token, &RequestContext::default(), at(2))
        .await
        .unwrap();

    assert_eq!(
        cache
            .validate(&db, &s, &token, at(2) + ms(1))
            .await
            .unwrap(),
        Err(InvalidToken::Revoked)
    );
}

#[tokio::test]
async fn a_cached_token_is_never_served_past_its_expiry() {
    // Arrange: issued at 1 s, lives 1 h; a freshness longer than that.
    let db = test_db().await;
    let s = settings();
    let cache = AccessTokenCache::without_local_revocations(Duration::hours(2));
    let (token, _, _) = issued(&db).await;
    let expiry = at(1) + s.access_token_lifetime;

    // Act + Assert: answered from memory right before expiry, refused exactly at it.
    assert!(cache
        .validate(&db, &s, &token, expiry - ms(10))
        .await
        .unwrap()
        .is_ok());
    assert!(cache
        .validate(&db, &s, &token, expiry - ms(1))
        .await
        .unwrap()
        .is_ok());
    assert_eq!(
        cache.validate(&db, &s, &token, expiry).await.unwrap(),
        Err(InvalidToken::Expired)
    );
    assert!(cache.is_empty());
}

#[tokio::test]
async fn a_second_replica_sees_a_revocation_made_through_the_first_within_a_second() {
    // Arrange: two replicas' caches over one database, both warm.
    let db = test_db().await;
    let s = settings();
    let first = AccessTokenCache::default();
    let second = AccessTokenCache::without_local_revocations(DEFAULT_FRESHNESS);
    let (token, client, _) = issued(&db).await;
    assert!(first
        .validate(&db, &s, &token, at(2))
        .await
        .unwrap()
        .is_ok());
    assert!(second
        .validate(&db, &s, &token, at(2))
        .await
        .unwrap()
        .is_ok());

    // Act: the client revokes its token through the first replica.
    grants::revoke_token(
        &db,
        &client,
        &token,
        &RequestContext::default(),
        at(2) + ms(100),
    )
    .await
    .unwrap();

    // Assert: the first refuses it at once; the second at most a second after its last check.
    assert_eq!(
        first
            .validate(&db, &s, &token, at(2) + ms(101))
            .await
            .unwrap(),
        Err(InvalidToken::Revoked)
    );
    assert!(second
        .validate(&db, &s, &token, at(2) + ms(900))
        .await
        .unwrap()
        .is_ok());
    assert_eq!(
        second.validate(&db, &s, &token, at(3)).await.unwrap(),
        Err(InvalidToken::Revoked)
    );
}

#[tokio::test]
async fn tokens_that_are_not_ours_are_refused_without_being_cached() {
    let db = test_db().await;
    let s = settings();
    let cache = AccessTokenCache::default();
    for token in ["gwat_nope", "gwrt_refresh", "", &"gwat_x".repeat(40)] {
        assert_eq!(
            cache.validate(&db, &s, token, at(2)).await.unwrap(),
            Err(InvalidToken::Unknown)
        );
    }
    assert!(cache.is_empty());
}
