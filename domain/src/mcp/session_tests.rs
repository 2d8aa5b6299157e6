#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::oauth::Scopes;

fn caller(user: Option<Uuid>, client: &str) -> McpCaller {
    McpCaller {
        user_id: user,
        organization_id: None,
        client_id: client.into(),
        grant_id: Uuid::now_v7(),
        scopes: Scopes::parse_stored("mcp:read"),
        connection: None,
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

#[test]
fn a_sealed_id_opens_on_any_instance_with_the_same_key_and_hides_its_claims() {
    // Arrange
    let user = Uuid::now_v7();
    let claims = SessionClaims::new(&caller(Some(user), "client-a"), "2025-11-25", now());
    // Act
    let id = SessionKeys::derive(&MasterKey::from_bytes([7; 32]))
        .seal(&claims)
        .unwrap();
    let reopened = SessionKeys::derive(&MasterKey::from_bytes([7; 32])).open(&id);
    // Assert
    assert_eq!(reopened, Some(claims));
    assert!(id.starts_with("mcps1."));
    assert!(id.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    assert!(!id.contains("client-a") && !id.contains(&user.to_string()));
}

#[test]
fn forged_truncated_or_foreign_ids_do_not_open() {
    let keys = SessionKeys::derive(&MasterKey::from_bytes([7; 32]));
    let id = keys
        .seal(&SessionClaims::new(
            &caller(None, "svc_x"),
            "2025-06-18",
            now(),
        ))
        .unwrap();
    assert!(SessionKeys::derive(&MasterKey::from_bytes([8; 32]))
        .open(&id)
        .is_none());
    let mut flipped = id.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    assert!(keys.open(&String::from_utf8(flipped).unwrap()).is_none());
    assert!(keys.open(&id[..id.len() - 4]).is_none());
    assert!(keys.open(&id.replace("mcps1.", "mcps2.")).is_none());
    for junk in [
        "",
        "mcps1.",
        "mcps1.!!!",
        "not-a-session",
        &"A".repeat(5000),
    ] {
        assert!(keys.open(junk).is_none(), "{junk}");
    }
}

#[test]
fn a_session_belongs_to_its_user_and_client_only() {
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let claims = SessionClaims::new(&caller(Some(a), "client-a"), "2025-11-25", now());
    assert!(claims.belongs_to(&caller(Some(a), "client-a")));
    assert!(!claims.belongs_to(&caller(Some(b), "client-a")));
    assert!(!claims.belongs_to(&caller(Some(a), "client-b")));
    assert!(!claims.belongs_to(&caller(None, "client-a")));
}

#[test]
fn sessions_expire_after_their_lifetime_and_ended_ones_are_remembered_until_then() {
    let claims = SessionClaims::new(&caller(None, "svc_x"), "2025-11-25", now());
    assert!(!claims.is_expired(now() + Duration::days(29)));
    assert!(claims.is_expired(now() + SESSION_LIFETIME + Duration::seconds(1)));
    assert!(claims.is_expired(now() - Duration::hours(1)));

    let ended = EndedSessions::default();
    ended.end("mcps1.one", &claims, now());
    assert!(ended.is_ended("mcps1.one"));
    assert!(!ended.is_ended("mcps1.two"));
    // A later end purges entries past their lifetime.
    ended.end(
        "mcps1.two",
        &claims,
        now() + SESSION_LIFETIME + Duration::days(1),
    );
    assert!(!ended.is_ended("mcps1.one"));
}

#[test]
fn a_session_belongs_to_the_endpoint_it_was_opened_on() {
    let user = Some(Uuid::now_v7());
    let wide = caller(user, "client-a");
    let mut autotask = caller(user, "client-a");
    autotask.connection = Some(crate::connections::ConnectionSlug::parse("autotask").unwrap());
    let mut itglue = caller(user, "client-a");
    itglue.connection = Some(crate::connections::ConnectionSlug::parse("itglue").unwrap());

    let on_autotask = SessionClaims::new(&autotask, "2025-11-25", now());
    let on_wide = SessionClaims::new(&wide, "2025-11-25", now());

    assert!(on_autotask.belongs_to(&autotask));
    assert!(!on_autotask.belongs_to(&itglue));
    assert!(!on_autotask.belongs_to(&wide));
    assert!(on_wide.belongs_to(&wide));
    assert!(!on_wide.belongs_to(&autotask));
    // A sealed id keeps the endpoint.
    let keys = SessionKeys::derive(&MasterKey::from_bytes([7; 32]));
    let reopened = keys.open(&keys.seal(&on_autotask).unwrap()).unwrap();
    assert_eq!(reopened.connection.as_deref(), Some("autotask"));
}
