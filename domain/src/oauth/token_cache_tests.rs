#![allow(clippy::unwrap_used, clippy::expect_used)]

use time::Duration;

use super::AccessTokenCache;
use crate::{
    audit::RequestContext,
    oauth::{
        grants::{self, InvalidToken},
        tests::{at, code_for, exchange, settings},
    },
    testing::test_db,
    users,
};

fn ms(millis: i64) -> Duration {
    Duration::milliseconds(millis)
}

#[tokio::test]
async fn a_revoked_grant_is_refused_once_the_cached_check_is_a_second_old() {
    // Arrange
    let db = test_db().await;
    let s = settings();
    let cache = AccessTokenCache::default();
    let (client, code, _) = code_for(&db).await;
    let tokens = grants::exchange_code(
        &db,
        &s,
        &client,
        exchange(&code),
        &RequestContext::default(),
        at(1),
    )
    .await
    .unwrap();
    let token = tokens.access_token.as_str();
    assert!(cache.validate(&db, &s, token, at(2)).await.unwrap().is_ok());

    // Act
    grants::revoke_token(
        &db,
        &client,
        tokens.refresh_token.as_deref().unwrap(),
        &RequestContext::default(),
        at(2),
    )
    .await
    .unwrap();

    // Assert: within the freshness the cached check answers (no database read) ...
    assert!(cache
        .validate(&db, &s, token, at(2) + ms(999))
        .await
        .unwrap()
        .is_ok());
    // ... and one second after the check, the database is asked again.
    assert_eq!(
        cache.validate(&db, &s, token, at(3)).await.unwrap(),
        Err(InvalidToken::Revoked)
    );
    assert!(cache.is_empty());
}

#[tokio::test]
async fn a_cached_token_is_never_served_past_its_expiry() {
    // Arrange: issued at 1 s, lives 1 h.
    let db = test_db().await;
    let s = settings();
    let cache = AccessTokenCache::new(Duration::hours(2));
    let (client, code, _) = code_for(&db).await;
    let tokens = grants::exchange_code(
        &db,
        &s,
        &client,
        exchange(&code),
        &RequestContext::default(),
        at(1),
    )
    .await
    .unwrap();
    let token = tokens.access_token.as_str();
    let expiry = at(1) + s.access_token_lifetime;

    // Act + Assert: fresh entry (freshness 2 h) right before expiry, refused exactly at it.
    assert!(cache
        .validate(&db, &s, token, expiry - ms(10))
        .await
        .unwrap()
        .is_ok());
    assert!(cache
        .validate(&db, &s, token, expiry - ms(1))
        .await
        .unwrap()
        .is_ok());
    assert_eq!(
        cache.validate(&db, &s, token, expiry).await.unwrap(),
        Err(InvalidToken::Expired)
    );
    assert!(cache.is_empty());
}

#[tokio::test]
async fn a_second_replica_sees_a_revocation_made_through_the_first_within_a_second() {
    // Arrange: two processes' caches over one database, both warm.
    let db = test_db().await;
    let s = settings();
    let first = AccessTokenCache::default();
    let second = AccessTokenCache::default();
    let (client, code, ada) = code_for(&db).await;
    let tokens = grants::exchange_code(
        &db,
        &s,
        &client,
        exchange(&code),
        &RequestContext::default(),
        at(1),
    )
    .await
    .unwrap();
    let token = tokens.access_token.as_str();
    assert!(first.validate(&db, &s, token, at(2)).await.unwrap().is_ok());
    assert!(second
        .validate(&db, &s, token, at(2))
        .await
        .unwrap()
        .is_ok());

    // Act: "sign out everywhere", handled by the first replica.
    users::end_sessions(&db, ada.id, at(2) + ms(100))
        .await
        .unwrap();
    assert_eq!(
        first
            .validate(&db, &s, token, at(3) + ms(100))
            .await
            .unwrap(),
        Err(InvalidToken::Revoked)
    );

    // Assert: the second refuses it too, at most a second after its own last check.
    assert_eq!(
        second.validate(&db, &s, token, at(3)).await.unwrap(),
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
