//! A refresh fails exactly when the grant's access tokens would (security.md AS-6, WEB-3): sign
//! out everywhere, tenant offboarding, consent revoked, user deleted. Also: a refresh may narrow
//! the scopes, registered `grant_types` are enforced, and a sealed successor cannot be opened
//! with the database and the master key alone (VAULT-6).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use super::{
    clients::{self, RegistrationRequest},
    consents,
    grants::{self, InvalidToken, RefreshRequest, TokenResponse},
    hash, seal,
    tests::{at, code_for, exchange, key, settings, tokens_for},
};
use crate::{
    audit::{Actor, RequestContext},
    entity::{entra_tenants, oauth_tokens, users as users_table},
    tenants::{self, TenantId},
    users::{self, DisplayName, Identity, Profile, Provider},
};

fn refresh_request(token: &TokenResponse) -> RefreshRequest {
    RefreshRequest {
        refresh_token: token.refresh_token.clone().unwrap(),
        ..Default::default()
    }
}

/// Asserts that both the access token and the refresh token of `tokens` are dead at `when`.
async fn assert_both_refused(
    db: &DatabaseConnection,
    client: &clients::Client,
    tokens: &TokenResponse,
    when: i64,
) {
    assert_eq!(
        grants::validate_access(db, &settings(), &tokens.access_token, at(when))
            .await
            .unwrap(),
        Err(InvalidToken::Revoked),
        "the access token is refused"
    );
    let refused = grants::refresh(
        db,
        &settings(),
        &key(),
        client,
        refresh_request(tokens),
        &RequestContext::default(),
        at(when),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code, "invalid_grant", "{refused}");
}

#[tokio::test]
async fn refresh_fails_after_sign_out_everywhere() {
    let db = test_db().await;
    let (client, tokens, user) = tokens_for(&db).await;
    users::end_sessions(&db, user.id, at(2)).await.unwrap();
    assert_both_refused(&db, &client, &tokens, 3).await;
}

#[tokio::test]
async fn refresh_fails_after_the_consent_is_revoked() {
    let db = test_db().await;
    let (client, tokens, user) = tokens_for(&db).await;
    assert!(
        consents::revoke(&db, &user, &client.id, &RequestContext::default(), at(2))
            .await
            .unwrap()
    );
    assert_both_refused(&db, &client, &tokens, 3).await;
}

#[tokio::test]
async fn refresh_fails_after_the_user_is_deleted() {
    let db = test_db().await;
    let (client, tokens, user) = tokens_for(&db).await;
    users_table::Entity::delete_by_id(user.id)
        .exec(&db.db)
        .await
        .unwrap();
    let refused = grants::refresh(
        &db,
        &settings(),
        &key(),
        &client,
        refresh_request(&tokens),
        &RequestContext::default(),
        at(3),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code, "invalid_grant");
    assert!(
        grants::validate_access(&db, &settings(), &tokens.access_token, at(3))
            .await
            .unwrap()
            .is_err()
    );
}

#[tokio::test]
async fn refresh_fails_after_the_users_tenant_is_offboarded() {
    let db = test_db().await;
    let tenant = TenantId::parse("c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31").unwrap();
    entra_tenants::ActiveModel {
        tenant_id: Set(tenant.as_str().to_owned()),
        customer_name: Set("Contoso".into()),
        status: Set("onboarded".into()),
        onboarded_at: Set(at(0)),
        onboarded_by: Set("admin".into()),
        offboarded_at: Set(None),
        offboarded_by: Set(None),
        created_at: Set(at(0)),
        updated_at: Set(at(0)),
    }
    .insert(&db.db)
    .await
    .unwrap();
    let megan = users::sign_in(
        &db,
        &Identity {
            provider: Provider::Entra,
            issuer: tenant.as_str().to_owned(),
            subject: "7a2c9e4b-1d3f-4e8a-b6c5-0f9d8e7a6b51".into(),
        },
        &Profile {
            display_name: DisplayName::parse("Megan").unwrap(),
            email: None,
            email_verified: false,
        },
        at(0),
    )
    .await
    .unwrap();
    let client = super::tests::register(&db).await;
    let (_, pending) = super::authorize::validate(
        &db,
        &settings(),
        &super::tests::outbound(),
        &super::tests::query(&client),
        None,
        at(0),
    )
    .await
    .unwrap();
    let location = super::authorize::approve(
        &db,
        &settings(),
        &megan,
        &pending,
        &RequestContext::default(),
        at(0),
    )
    .await
    .unwrap();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens = grants::exchange_code(
        &db,
        &settings(),
        &client,
        exchange(&code),
        &RequestContext::default(),
        at(1),
    )
    .await
    .unwrap();
    tenants::offboard(
        &db,
        &tenant,
        Actor::CommandLine,
        &RequestContext::default(),
        at(2),
    )
    .await
    .unwrap();
    assert_both_refused(&db, &client, &tokens, 3).await;
}

#[tokio::test]
async fn a_refresh_asking_for_fewer_scopes_gets_an_access_token_with_fewer() {
    let db = test_db().await;
    let (client, tokens, _) = tokens_for(&db).await;
    assert_eq!(tokens.scope, "mcp:read mcp:write");
    let narrow = RefreshRequest {
        scope: Some("mcp:read".into()),
        ..refresh_request(&tokens)
    };
    let narrowed = grants::refresh(
        &db,
        &settings(),
        &key(),
        &client,
        narrow,
        &RequestContext::default(),
        at(2),
    )
    .await
    .unwrap();
    assert_eq!(narrowed.scope, "mcp:read");
    let access = grants::validate_access(&db, &settings(), &narrowed.access_token, at(3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(access.scopes.to_string_value(), "mcp:read");
    // The refresh token keeps the authorization's scopes (RFC 6749 §6).
    let full = grants::refresh(
        &db,
        &settings(),
        &key(),
        &client,
        refresh_request(&narrowed),
        &RequestContext::default(),
        at(4),
    )
    .await
    .unwrap();
    assert_eq!(full.scope, "mcp:read mcp:write");
}

#[tokio::test]
async fn registered_grant_types_are_enforced_at_the_token_endpoint() {
    let db = test_db().await;
    let registered = clients::register(
        &db,
        RegistrationRequest {
            redirect_uris: Some(vec!["http://127.0.0.1/callback".into()]),
            ..Default::default()
        },
        &RequestContext::default(),
        at(0),
    )
    .await
    .unwrap();
    assert_eq!(registered.grant_types, ["authorization_code"]);
    let code_only = clients::find(&db, &settings(), &registered.client_id)
        .await
        .unwrap()
        .unwrap();
    // Its code exchange gives no refresh token, and it cannot refresh another's.
    let (other, code, _) = code_for(&db).await;
    let theirs = grants::exchange_code(
        &db,
        &settings(),
        &other,
        exchange(&code),
        &RequestContext::default(),
        at(1),
    )
    .await
    .unwrap();
    let refused = grants::refresh(
        &db,
        &settings(),
        &key(),
        &code_only,
        refresh_request(&theirs),
        &RequestContext::default(),
        at(2),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code, "unauthorized_client");
    let refused = grants::client_credentials(&db, &settings(), &code_only, None, None, at(2))
        .await
        .unwrap_err();
    assert_eq!(refused.code, "unauthorized_client");
    // A registration without authorization_code is refused.
    let refused = clients::register(
        &db,
        RegistrationRequest {
            redirect_uris: Some(vec!["http://127.0.0.1/callback".into()]),
            grant_types: Some(vec!["refresh_token".into()]),
            ..Default::default()
        },
        &RequestContext::default(),
        at(0),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code, "invalid_client_metadata");
}

#[tokio::test]
async fn a_code_only_client_gets_no_refresh_token() {
    let db = test_db().await;
    let (mut client, code, _) = code_for(&db).await;
    client.grant_types = vec![clients::GrantType::AuthorizationCode];
    let tokens = grants::exchange_code(
        &db,
        &settings(),
        &client,
        exchange(&code),
        &RequestContext::default(),
        at(1),
    )
    .await
    .unwrap();
    assert!(tokens.refresh_token.is_none());
}

#[tokio::test]
async fn the_database_and_the_master_key_do_not_open_a_sealed_successor() {
    let db = test_db().await;
    let (client, tokens, _) = tokens_for(&db).await;
    let presented = tokens.refresh_token.clone().unwrap();
    grants::refresh(
        &db,
        &settings(),
        &key(),
        &client,
        refresh_request(&tokens),
        &RequestContext::default(),
        at(2),
    )
    .await
    .unwrap();
    let row = oauth_tokens::Entity::find_by_id(hash(&presented))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    let sealed = row.successor_sealed.expect("sealed for the grace window");
    // Everything the database holds, plus the master key: not enough.
    for guess in ["", row.token_hash.as_str(), "gwrt_"] {
        assert!(seal::open(&key(), guess, &row.token_hash, &sealed).is_none());
    }
    // The client re-presenting its token within the window still gets the successor.
    assert!(seal::open(&key(), &presented, &row.token_hash, &sealed).is_some());
}

use crate::testing::test_db;
