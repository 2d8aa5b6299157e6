#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::{Duration, OffsetDateTime};

use super::{
    authorize::{self, AuthorizationQuery, AuthorizeError},
    clients::{self, ClientCredentials, RegistrationRequest},
    grants::{self, CodeExchange, InvalidToken, RefreshRequest},
    pkce, OAuthSettings,
};
use crate::{
    audit::RequestContext,
    crypto::MasterKey,
    entity::audit_events,
    testing::test_db,
    users::{self, DisplayName, Identity, Profile, Provider},
};
use sea_orm::{DatabaseConnection, EntityTrait};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1/callback";

pub(super) fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap()
}

pub(super) fn settings() -> OAuthSettings {
    OAuthSettings::with_issuer("https://gw.example.com")
}

pub(super) fn outbound() -> crate::outbound::Outbound {
    crate::outbound::Outbound::new(crate::outbound::OutboundSettings::default()).unwrap()
}

pub(super) fn key() -> MasterKey {
    MasterKey::from_bytes([9; 32])
}

pub(super) async fn user(db: &DatabaseConnection, name: &str) -> users::User {
    users::sign_in(
        db,
        &Identity {
            provider: Provider::Dev,
            issuer: "dev".into(),
            subject: format!("{name}@example.com"),
        },
        &Profile {
            display_name: DisplayName::parse(name).unwrap(),
            email: None,
            email_verified: false,
        },
        at(0),
    )
    .await
    .unwrap()
}

pub(super) async fn register(db: &DatabaseConnection) -> clients::Client {
    let registered = clients::register(
        db,
        RegistrationRequest {
            redirect_uris: Some(vec![REDIRECT.into()]),
            client_name: Some("Claude Code".into()),
            grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
            ..Default::default()
        },
        &RequestContext::default(),
        at(0),
    )
    .await
    .unwrap();
    clients::find(db, &settings(), &registered.client_id)
        .await
        .unwrap()
        .unwrap()
}

pub(super) fn query(client: &clients::Client) -> AuthorizationQuery {
    AuthorizationQuery {
        response_type: Some("code".into()),
        client_id: Some(client.id.clone()),
        redirect_uri: Some("http://127.0.0.1:51234/callback".into()),
        code_challenge: Some(pkce::s256(VERIFIER)),
        code_challenge_method: Some("S256".into()),
        state: Some("xyz".into()),
        scope: Some("mcp:read mcp:write offline_access".into()),
        resource: Some("https://GW.example.com/v1/mcp/".into()),
    }
}

/// A code for a fresh user and client, as of `at(0)`.
pub(super) async fn code_for(db: &DatabaseConnection) -> (clients::Client, String, users::User) {
    let client = register(db).await;
    // A user per code (named after the client), so one test's revocations do not leak.
    let name: String = client
        .id
        .chars()
        .skip(4)
        .filter(char::is_ascii_alphabetic)
        .take(8)
        .collect();
    let ada = user(db, &format!("Ada {name}")).await;
    let (_, pending) =
        authorize::validate(db, &settings(), &outbound(), &query(&client), None, at(0))
            .await
            .unwrap();
    let location = authorize::approve(
        db,
        &settings(),
        &ada,
        &pending,
        &RequestContext::default(),
        at(0),
    )
    .await
    .unwrap();
    let url = url::Url::parse(&location).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    (client, code, ada)
}

pub(super) fn exchange(code: &str) -> CodeExchange {
    CodeExchange {
        code: code.into(),
        redirect_uri: Some("http://127.0.0.1:51234/callback".into()),
        code_verifier: Some(VERIFIER.into()),
        resource: Some("https://gw.example.com/v1/mcp".into()),
    }
}

/// Tokens of a fresh user and client as of `at(1)`, with the client and the user.
pub(super) async fn tokens_for(
    db: &DatabaseConnection,
) -> (clients::Client, grants::TokenResponse, users::User) {
    let (client, code, user) = code_for(db).await;
    let tokens = grants::exchange_code(
        db,
        &settings(),
        &client,
        exchange(&code),
        &crate::audit::RequestContext::default(),
        at(1),
    )
    .await
    .unwrap();
    (client, tokens, user)
}

async fn actions(db: &DatabaseConnection) -> Vec<String> {
    audit_events::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn registration_is_constrained() {
    let db = test_db().await;
    let ctx = RequestContext::default();
    let bad = |uris: Vec<&str>| RegistrationRequest {
        redirect_uris: Some(uris.into_iter().map(String::from).collect()),
        ..Default::default()
    };
    for (request, code) in [
        (RegistrationRequest::default(), "invalid_redirect_uri"),
        (bad(vec!["http://evil.example/cb"]), "invalid_redirect_uri"),
        (bad(vec!["javascript:alert(1)"]), "invalid_redirect_uri"),
        (
            bad(vec!["https://ok.example/cb"; 11]),
            "invalid_redirect_uri",
        ),
        (
            RegistrationRequest {
                grant_types: Some(vec!["password".into()]),
                ..bad(vec!["https://ok.example/cb"])
            },
            "invalid_client_metadata",
        ),
        (
            RegistrationRequest {
                grant_types: Some(vec!["implicit".into()]),
                ..bad(vec!["https://ok.example/cb"])
            },
            "invalid_client_metadata",
        ),
        (
            RegistrationRequest {
                response_types: Some(vec!["token".into()]),
                ..bad(vec!["https://ok.example/cb"])
            },
            "invalid_client_metadata",
        ),
        (
            RegistrationRequest {
                token_endpoint_auth_method: Some("private_key_jwt".into()),
                ..bad(vec!["https://ok.example/cb"])
            },
            "invalid_client_metadata",
        ),
    ] {
        assert_eq!(
            clients::register(&db, request, &ctx, at(0))
                .await
                .unwrap_err()
                .code,
            code
        );
    }
    // Claude's shape: client_secret_post and application_type; the name is cleaned and cut.
    let registered = clients::register(
        &db,
        RegistrationRequest {
            redirect_uris: Some(vec!["https://claude.ai/api/mcp/auth_callback".into()]),
            client_name: Some(format!("Claude\n{}", "x".repeat(300))),
            token_endpoint_auth_method: Some("client_secret_post".into()),
            application_type: Some("web".into()),
            ..Default::default()
        },
        &ctx,
        at(0),
    )
    .await
    .unwrap();
    assert!(registered.client_id.starts_with("gwc_"));
    assert!(
        !registered.client_name.contains('\n') && registered.client_name.chars().count() == 100
    );
    let secret = registered.client_secret.clone().unwrap();
    let creds = |secret: Option<&str>, basic: bool| ClientCredentials {
        client_id: Some(registered.client_id.clone()),
        client_secret: secret.map(String::from),
        basic,
    };
    assert!(clients::authenticate(
        &db,
        &settings(),
        &outbound(),
        &creds(Some(&secret), false),
        at(0)
    )
    .await
    .is_ok());
    assert_eq!(
        clients::authenticate(
            &db,
            &settings(),
            &outbound(),
            &creds(Some("wrong"), false),
            at(0)
        )
        .await
        .unwrap_err()
        .code,
        "invalid_client"
    );
    assert_eq!(
        clients::authenticate(&db, &settings(), &outbound(), &creds(None, false), at(0))
            .await
            .unwrap_err()
            .code,
        "invalid_client"
    );
    assert_eq!(actions(&db).await, ["oauth.client_register"]);
    // Unused registrations are collected; used ones are kept.
    let used = register(&db).await;
    clients::touch(&db, &used.id, at(40 * 86_400))
        .await
        .unwrap();
    assert_eq!(
        clients::purge_unused(&db, at(30 * 86_400)).await.unwrap(),
        1
    );
    assert!(clients::find(&db, &settings(), &used.id)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn invalid_client_or_redirect_is_a_page_later_errors_redirect_only_to_trusted_clients() {
    let db = test_db().await;
    let client = register(&db).await;
    let s = settings();
    let page = |q: AuthorizationQuery| {
        let db = &db;
        let s = &s;
        async move {
            authorize::validate(db, s, &outbound(), &q, None, at(0))
                .await
                .unwrap_err()
        }
    };
    assert!(matches!(
        page(AuthorizationQuery {
            client_id: Some("nope".into()),
            ..query(&client)
        })
        .await,
        AuthorizeError::Page(_)
    ));
    assert!(matches!(
        page(AuthorizationQuery {
            redirect_uri: Some("https://evil.example/cb".into()),
            ..query(&client)
        })
        .await,
        AuthorizeError::Page(_)
    ));
    assert!(matches!(
        page(AuthorizationQuery {
            redirect_uri: Some("http://localhost:5/callback".into()),
            ..query(&client)
        })
        .await,
        AuthorizeError::Page(_)
    ));
    let bad_requests = [
        (
            AuthorizationQuery {
                code_challenge: None,
                ..query(&client)
            },
            "invalid_request",
        ),
        (
            AuthorizationQuery {
                code_challenge_method: Some("plain".into()),
                ..query(&client)
            },
            "invalid_request",
        ),
        (
            AuthorizationQuery {
                code_challenge_method: None,
                ..query(&client)
            },
            "invalid_request",
        ),
        (
            AuthorizationQuery {
                response_type: Some("token".into()),
                ..query(&client)
            },
            "unsupported_response_type",
        ),
        (
            AuthorizationQuery {
                resource: Some("https://evil.example/v1/mcp".into()),
                ..query(&client)
            },
            "invalid_target",
        ),
    ];
    // A freshly registered client is not trusted with redirects (AS-4): anybody can register
    // any redirect URI, so before a user approved it every error is a page, signed in or not.
    let stranger = user(&db, "Stranger").await;
    for (q, error) in bad_requests.clone() {
        for signed_in in [None, Some(stranger.id)] {
            let refused = authorize::validate(&db, &s, &outbound(), &q, signed_in, at(0))
                .await
                .unwrap_err();
            let AuthorizeError::Page(message) = refused else {
                panic!("{error}: redirected to an unapproved client")
            };
            assert!(message.contains(error), "{message}");
        }
    }
    // Once the user approved the client, errors go back to it with state and iss.
    let (_, pending) = authorize::validate(&db, &s, &outbound(), &query(&client), None, at(0))
        .await
        .unwrap();
    authorize::approve(
        &db,
        &s,
        &stranger,
        &pending,
        &RequestContext::default(),
        at(0),
    )
    .await
    .unwrap();
    for (q, error) in bad_requests {
        let refused = authorize::validate(&db, &s, &outbound(), &q, Some(stranger.id), at(0))
            .await
            .unwrap_err();
        let AuthorizeError::Redirect { location } = refused else {
            panic!("{error}: not a redirect")
        };
        let url = url::Url::parse(&location).unwrap();
        assert!(
            location.starts_with("http://127.0.0.1:51234/callback?"),
            "{location}"
        );
        let get = |k: &str| {
            url.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        assert_eq!(get("error").as_deref(), Some(error));
        assert_eq!(get("state").as_deref(), Some("xyz"));
        assert_eq!(get("iss").as_deref(), Some("https://gw.example.com"));
    }
    // A pre-registered client is trusted with redirects before any approval.
    let mut with_pre = s.clone();
    with_pre.pre_registered.push(super::PreRegisteredClient {
        client_id: "operator-app".into(),
        client_name: "Operator app".into(),
        redirect_uris: vec!["https://app.example.com/cb".into()],
    });
    let pre = AuthorizationQuery {
        client_id: Some("operator-app".into()),
        redirect_uri: Some("https://app.example.com/cb".into()),
        code_challenge: None,
        ..query(&client)
    };
    assert!(matches!(
        authorize::validate(&db, &with_pre, &outbound(), &pre, None, at(0)).await,
        Err(AuthorizeError::Redirect { .. })
    ));
    let (_, pending) = authorize::validate(&db, &s, &outbound(), &query(&client), None, at(0))
        .await
        .unwrap();
    assert_eq!(pending.scopes, "mcp:read mcp:write");
    assert_eq!(pending.resource, "https://gw.example.com/v1/mcp");
    let denied = authorize::deny(&s, &pending);
    assert!(
        denied.contains("error=access_denied")
            && denied.contains("iss=https%3A%2F%2Fgw.example.com")
            && denied.contains("state=xyz"),
        "{denied}"
    );
}

#[tokio::test]
async fn a_code_is_redeemed_once_with_its_verifier_and_a_replay_revokes_its_tokens() {
    let db = test_db().await;
    let s = settings();
    let ctx = RequestContext::default();
    let (client, code, ada) = code_for(&db).await;
    assert!(authorize::has_consent(
        &db,
        ada.id,
        &client.id,
        &super::Scopes::parse_stored("mcp:read")
    )
    .await
    .unwrap());
    let wrong = grants::exchange_code(
        &db,
        &s,
        &client,
        CodeExchange {
            code_verifier: Some("a".repeat(43)),
            ..exchange(&code)
        },
        &ctx,
        at(1),
    )
    .await;
    assert_eq!(wrong.unwrap_err().code, "invalid_grant");
    // The failed attempt consumed the code: a fresh one.
    let (client, code, _) = code_for(&db).await;
    let tokens = grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(1))
        .await
        .unwrap();
    assert!(
        tokens.access_token.starts_with("gwat_")
            && tokens
                .refresh_token
                .as_deref()
                .unwrap()
                .starts_with("gwrt_")
    );
    assert_eq!(
        (tokens.expires_in, tokens.scope.as_str()),
        (3600, "mcp:read mcp:write")
    );
    assert!(
        grants::validate_access(&db, &s, &tokens.access_token, at(2))
            .await
            .unwrap()
            .is_ok()
    );
    // Replay: refused, and the first tokens die.
    let replay = grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(3)).await;
    assert_eq!(replay.unwrap_err().code, "invalid_grant");
    assert_eq!(
        grants::validate_access(&db, &s, &tokens.access_token, at(4))
            .await
            .unwrap(),
        Err(InvalidToken::Revoked)
    );
    let refresh = RefreshRequest {
        refresh_token: tokens.refresh_token.unwrap(),
        ..Default::default()
    };
    assert_eq!(
        grants::refresh(&db, &s, &key(), &client, refresh, &ctx, at(5))
            .await
            .unwrap_err()
            .code,
        "invalid_grant"
    );
    assert!(actions(&db).await.contains(&"oauth.code_reuse".to_owned()));
}

#[tokio::test]
async fn a_code_expires_after_60_seconds_and_is_bound_to_client_redirect_and_resource() {
    let db = test_db().await;
    let s = settings();
    let ctx = RequestContext::default();
    let (client, code, _) = code_for(&db).await;
    assert_eq!(
        grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(60))
            .await
            .unwrap_err()
            .code,
        "invalid_grant"
    );
    let (client, code, _) = code_for(&db).await;
    assert!(
        grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(59))
            .await
            .is_ok()
    );
    let (_, code, _) = code_for(&db).await;
    let other = register(&db).await;
    assert_eq!(
        grants::exchange_code(&db, &s, &other, exchange(&code), &ctx, at(1))
            .await
            .unwrap_err()
            .code,
        "invalid_grant"
    );
    let (client, code, _) = code_for(&db).await;
    let moved = CodeExchange {
        redirect_uri: Some("http://127.0.0.1:9/callback".into()),
        ..exchange(&code)
    };
    assert_eq!(
        grants::exchange_code(&db, &s, &client, moved, &ctx, at(1))
            .await
            .unwrap_err()
            .code,
        "invalid_grant"
    );
    let (client, code, _) = code_for(&db).await;
    let elsewhere = CodeExchange {
        resource: Some("https://other.example/v1/mcp".into()),
        ..exchange(&code)
    };
    assert_eq!(
        grants::exchange_code(&db, &s, &client, elsewhere, &ctx, at(1))
            .await
            .unwrap_err()
            .code,
        "invalid_target"
    );
    let (client, code, _) = code_for(&db).await;
    let no_verifier = CodeExchange {
        code_verifier: None,
        ..exchange(&code)
    };
    assert_eq!(
        grants::exchange_code(&db, &s, &client, no_verifier, &ctx, at(1))
            .await
            .unwrap_err()
            .code,
        "invalid_grant"
    );
}

#[tokio::test]
async fn refresh_rotates_the_previous_token_gets_the_same_successor_in_the_grace_window_then_reuse_revokes_the_family(
) {
    let db = test_db().await;
    let s = settings();
    let ctx = RequestContext::default();
    let (client, code, _) = code_for(&db).await;
    let first = grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(1))
        .await
        .unwrap();
    let r1 = first.refresh_token.clone().unwrap();
    let req = |t: &str| RefreshRequest {
        refresh_token: t.into(),
        ..Default::default()
    };
    let second = grants::refresh(&db, &s, &key(), &client, req(&r1), &ctx, at(100))
        .await
        .unwrap();
    let r2 = second.refresh_token.clone().unwrap();
    assert_ne!(r1, r2);
    // Lost response: r1 again within 10 s → the same successor.
    let again = grants::refresh(&db, &s, &key(), &client, req(&r1), &ctx, at(105))
        .await
        .unwrap();
    assert_eq!(again, second);
    assert!(
        grants::validate_access(&db, &s, &second.access_token, at(106))
            .await
            .unwrap()
            .is_ok()
    );
    // Normal rotation continues from r2.
    let third = grants::refresh(&db, &s, &key(), &client, req(&r2), &ctx, at(200))
        .await
        .unwrap();
    // r1 once more, after the window: reuse — the whole family dies, the newest tokens too.
    assert_eq!(
        grants::refresh(&db, &s, &key(), &client, req(&r1), &ctx, at(300))
            .await
            .unwrap_err()
            .code,
        "invalid_grant"
    );
    assert_eq!(
        grants::validate_access(&db, &s, &third.access_token, at(301))
            .await
            .unwrap(),
        Err(InvalidToken::Revoked)
    );
    let r3 = third.refresh_token.unwrap();
    assert_eq!(
        grants::refresh(&db, &s, &key(), &client, req(&r3), &ctx, at(302))
            .await
            .unwrap_err()
            .code,
        "invalid_grant"
    );
    assert!(actions(&db)
        .await
        .contains(&"oauth.refresh_reuse".to_owned()));
}

#[tokio::test]
async fn a_predecessor_whose_successor_was_already_rotated_is_reuse_even_within_the_window() {
    let db = test_db().await;
    let s = settings();
    let ctx = RequestContext::default();
    let (client, code, _) = code_for(&db).await;
    let first = grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(1))
        .await
        .unwrap();
    let req = |t: &str| RefreshRequest {
        refresh_token: t.into(),
        ..Default::default()
    };
    let r1 = first.refresh_token.unwrap();
    let second = grants::refresh(&db, &s, &key(), &client, req(&r1), &ctx, at(10))
        .await
        .unwrap();
    grants::refresh(
        &db,
        &s,
        &key(),
        &client,
        req(second.refresh_token.as_deref().unwrap()),
        &ctx,
        at(11),
    )
    .await
    .unwrap();
    assert_eq!(
        grants::refresh(&db, &s, &key(), &client, req(&r1), &ctx, at(12))
            .await
            .unwrap_err()
            .code,
        "invalid_grant"
    );
}

#[tokio::test]
async fn parallel_refreshes_never_leave_two_live_successors() {
    let db = test_db().await;
    let s = settings();
    let ctx = RequestContext::default();
    let (client, code, _) = code_for(&db).await;
    let first = grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(1))
        .await
        .unwrap();
    let r1 = first.refresh_token.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (db, s, client, r1) = (db.db.clone(), s.clone(), client.clone(), r1.clone());
        tasks.push(tokio::spawn(async move {
            grants::refresh(
                &db,
                &s,
                &key(),
                &client,
                RefreshRequest {
                    refresh_token: r1,
                    ..Default::default()
                },
                &RequestContext::default(),
                at(2),
            )
            .await
        }));
    }
    let mut successors = std::collections::BTreeSet::new();
    for task in tasks {
        if let Ok(response) = task.await.unwrap() {
            successors.insert(response.refresh_token.unwrap());
        }
    }
    assert_eq!(
        successors.len(),
        1,
        "every success returns the one successor: {successors:?}"
    );
}

#[tokio::test]
async fn access_tokens_expire_are_bound_to_the_resource_and_die_with_sign_out_everywhere_and_revocation(
) {
    let db = test_db().await;
    let s = settings();
    let ctx = RequestContext::default();
    let (client, code, ada) = code_for(&db).await;
    let tokens = grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(1))
        .await
        .unwrap();
    assert_eq!(
        grants::validate_access(&db, &s, &tokens.access_token, at(1 + 3600))
            .await
            .unwrap(),
        Err(InvalidToken::Expired)
    );
    let other_resource = OAuthSettings::with_issuer("https://other.example.com");
    assert_eq!(
        grants::validate_access(&db, &other_resource, &tokens.access_token, at(2))
            .await
            .unwrap(),
        Err(InvalidToken::WrongAudience)
    );
    assert_eq!(
        grants::validate_access(&db, &s, "gwat_nope", at(2))
            .await
            .unwrap(),
        Err(InvalidToken::Unknown)
    );
    assert_eq!(
        grants::validate_access(&db, &s, tokens.refresh_token.as_deref().unwrap(), at(2))
            .await
            .unwrap(),
        Err(InvalidToken::Unknown)
    );
    users::end_sessions(&db, ada.id, at(3)).await.unwrap();
    assert_eq!(
        grants::validate_access(&db, &s, &tokens.access_token, at(4))
            .await
            .unwrap(),
        Err(InvalidToken::Revoked)
    );

    // RFC 7009: a refresh token revokes its grant; another client's token is left alone.
    let (client, code, _) = code_for(&db).await;
    let tokens = grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(10))
        .await
        .unwrap();
    let stranger = register(&db).await;
    grants::revoke_token(
        &db,
        &stranger,
        tokens.refresh_token.as_deref().unwrap(),
        &ctx,
        at(11),
    )
    .await
    .unwrap();
    assert!(
        grants::validate_access(&db, &s, &tokens.access_token, at(12))
            .await
            .unwrap()
            .is_ok()
    );
    grants::revoke_token(
        &db,
        &client,
        tokens.refresh_token.as_deref().unwrap(),
        &ctx,
        at(13),
    )
    .await
    .unwrap();
    assert_eq!(
        grants::validate_access(&db, &s, &tokens.access_token, at(14))
            .await
            .unwrap(),
        Err(InvalidToken::Revoked)
    );
    grants::revoke_token(&db, &client, "gwrt_unknown", &ctx, at(15))
        .await
        .unwrap();
    // An idle refresh token expires after 30 days.
    let (client, code, _) = code_for(&db).await;
    let tokens = grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(20))
        .await
        .unwrap();
    let late = RefreshRequest {
        refresh_token: tokens.refresh_token.unwrap(),
        ..Default::default()
    };
    assert_eq!(
        grants::refresh(
            &db,
            &s,
            &key(),
            &client,
            late,
            &ctx,
            at(20) + Duration::days(30)
        )
        .await
        .unwrap_err()
        .code,
        "invalid_grant"
    );
}

#[tokio::test]
async fn housekeeping_removes_spent_codes_expired_tokens_and_old_sealed_successors() {
    use crate::entity::{oauth_codes, oauth_tokens};
    let db = test_db().await;
    let s = settings();
    let ctx = RequestContext::default();
    let (client, code, _) = code_for(&db).await;
    let first = grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(1))
        .await
        .unwrap();
    grants::refresh(
        &db,
        &s,
        &key(),
        &client,
        RefreshRequest {
            refresh_token: first.refresh_token.unwrap(),
            ..Default::default()
        },
        &ctx,
        at(2),
    )
    .await
    .unwrap();
    assert!(oauth_tokens::Entity::find()
        .all(&db.db)
        .await
        .unwrap()
        .iter()
        .any(|t| t.successor_sealed.is_some()));
    super::housekeeping(&db, &s, at(20)).await.unwrap();
    assert!(oauth_tokens::Entity::find()
        .all(&db.db)
        .await
        .unwrap()
        .iter()
        .all(|t| t.successor_sealed.is_none()));
    assert_eq!(
        oauth_codes::Entity::find().all(&db.db).await.unwrap().len(),
        1
    );
    super::housekeeping(&db, &s, at(2 * 86_400 + 3600))
        .await
        .unwrap();
    assert!(oauth_codes::Entity::find()
        .all(&db.db)
        .await
        .unwrap()
        .is_empty());
    let left = oauth_tokens::Entity::find().all(&db.db).await.unwrap();
    assert!(
        left.iter().all(|t| t.kind == "refresh"),
        "expired access tokens are gone, live refresh tokens stay"
    );
}

#[tokio::test]
async fn a_refresh_may_narrow_but_never_widen_the_scopes() {
    let db = test_db().await;
    let s = settings();
    let ctx = RequestContext::default();
    let client = register(&db).await;
    let ada = user(&db, "Reader").await;
    let read_only = AuthorizationQuery {
        scope: Some("mcp:read".into()),
        ..query(&client)
    };
    let (_, pending) = authorize::validate(&db, &s, &outbound(), &read_only, None, at(0))
        .await
        .unwrap();
    let location = authorize::approve(&db, &s, &ada, &pending, &ctx, at(0))
        .await
        .unwrap();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens = grants::exchange_code(&db, &s, &client, exchange(&code), &ctx, at(1))
        .await
        .unwrap();
    assert_eq!(tokens.scope, "mcp:read");
    let wider = RefreshRequest {
        refresh_token: tokens.refresh_token.clone().unwrap(),
        scope: Some("mcp:read mcp:write".into()),
        ..Default::default()
    };
    assert_eq!(
        grants::refresh(&db, &s, &key(), &client, wider, &ctx, at(2))
            .await
            .unwrap_err()
            .code,
        "invalid_scope"
    );
    // The refused request did not use the token up.
    let same = RefreshRequest {
        refresh_token: tokens.refresh_token.unwrap(),
        scope: Some("mcp:read".into()),
        ..Default::default()
    };
    assert_eq!(
        grants::refresh(&db, &s, &key(), &client, same, &ctx, at(3))
            .await
            .unwrap()
            .scope,
        "mcp:read"
    );
}
