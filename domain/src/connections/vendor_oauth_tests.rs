#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Consent connections (Microsoft 365) against the real database, vault and engine, with the
//! Microsoft 365 fake as the identity platform and Graph: connect, refresh before expiry,
//! a refused refresh → needs reconnecting → Reconnect, and the state's refusals (MCP-2).

use std::collections::BTreeMap;

use sea_orm::EntityTrait;
use serde_json::json;
use url::Url;
use vendor_fakes::{microsoft365, FakeVendor, Options};

use super::{
    tests::{at, ctx, user},
    tools,
    vendor_oauth::{self, Callback, FlowError, VendorOAuth, NEEDS_RECONNECT},
    *,
};
use crate::{
    crypto::MasterKey,
    entity::{audit_events, connections as rows, vendor_oauth_states},
    outbound::{Outbound, OutboundSettings},
    testing::{test_db, TestDb},
    users::User,
    vault::Vault,
    vendors::{Catalog, Engine, OAuthApp},
};

fn deps(db: &TestDb, fake: &FakeVendor, configured: bool) -> Deps {
    let origin_overrides = fake
        .real_origins
        .iter()
        .map(|real| (real.clone(), Url::parse(&fake.origin).unwrap()))
        .collect();
    let outbound = Outbound::new(OutboundSettings {
        origin_overrides,
        ..OutboundSettings::default()
    })
    .unwrap();
    let apps = if configured {
        BTreeMap::from([(
            "microsoft-365".to_owned(),
            OAuthApp {
                client_id: microsoft365::CLIENT_ID.into(),
                client_secret: microsoft365::CLIENT_SECRET.to_owned().into(),
            },
        )])
    } else {
        BTreeMap::new()
    };
    Deps {
        db: db.db.clone(),
        vault: Vault::new(MasterKey::from_bytes([7; 32]), None),
        engine: Engine::new(outbound),
        catalog: Catalog::load(None).unwrap(),
        allow_unchecked: false,
        portal_url: "https://gw.example.com".into(),
        oauth: VendorOAuth::new(apps),
    }
}

fn input(slug: &str) -> ConnectionInput {
    ConnectionInput {
        vendor: "microsoft-365".into(),
        slug: slug.into(),
        name: "Contoso".into(),
        fields: BTreeMap::from([("tenant".to_owned(), microsoft365::TENANT_DOMAIN.to_owned())]),
    }
}

/// The browser at the vendor: presses Accept on the consent page; returns the callback.
pub(super) async fn consent(authorize_url: &str) -> Callback {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client.get(authorize_url).send().await.unwrap();
    assert_eq!(page.status(), 200, "{}", page.text().await.unwrap());
    let answer = client
        .post(authorize_url)
        .form(&[("decision", "accept")])
        .send()
        .await
        .unwrap();
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("https://gw.example.com/connections/oauth/callback?"),
        "{location}"
    );
    let query: BTreeMap<String, String> = Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    Callback {
        state: query.get("state").cloned(),
        code: query.get("code").cloned(),
        error: query.get("error").cloned(),
        error_description: query.get("error_description").cloned(),
    }
}

async fn connect(deps: &Deps, user: &User) -> rows::Model {
    let url = vendor_oauth::start_connect(deps, user, Placement::Personal, input(""), at(0))
        .await
        .unwrap();
    let callback = consent(&url).await;
    vendor_oauth::finish(deps, user, callback, &ctx(), at(1))
        .await
        .unwrap()
}

async fn call(
    deps: &Deps,
    user: &User,
    tool: &str,
    now: time::OffsetDateTime,
) -> tools::CallResult {
    let snapshot = tools::load(deps, user.id).await.unwrap();
    tools::call(
        deps,
        &snapshot,
        &format!("microsoft-365__{tool}"),
        json!({}),
        true,
        now,
    )
    .await
    .unwrap()
}

async fn row(deps: &Deps, id: uuid::Uuid) -> rows::Model {
    rows::Entity::find_by_id(id)
        .one(&deps.db)
        .await
        .unwrap()
        .unwrap()
}

fn token_requests(fake: &FakeVendor) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.ends_with("/oauth2/v2.0/token"))
        .count()
}

#[tokio::test]
async fn connecting_by_consent_stores_only_sealed_tokens_and_the_tools_call_graph() {
    // Arrange
    let db = test_db().await;
    let fake = microsoft365::spawn(Options::default()).await.unwrap();
    let deps = deps(&db, &fake, true);
    let olga = user(&db.db, "Olga").await;
    // Act
    let url = vendor_oauth::start_connect(&deps, &olga, Placement::Personal, input(""), at(0))
        .await
        .unwrap();
    let callback = consent(&url).await;
    let connection = vendor_oauth::finish(&deps, &olga, callback, &ctx(), at(1))
        .await
        .unwrap();
    // Assert: the consent URL asked for PKCE S256, the operator's app and Graph's scopes.
    let asked: BTreeMap<String, String> = Url::parse(&url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(asked["code_challenge_method"], "S256");
    assert_eq!(asked["client_id"], microsoft365::CLIENT_ID);
    assert_eq!(
        asked["redirect_uri"],
        "https://gw.example.com/connections/oauth/callback"
    );
    assert!(
        asked["scope"].contains("User.RevokeSessions.All")
            && asked["scope"].contains("offline_access")
    );
    assert_eq!(
        (connection.slug.as_str(), connection.status.as_str()),
        ("microsoft-365", "ok")
    );
    assert_eq!(
        connection.last_check_message.as_deref(),
        Some("Connected (tenant Contoso).")
    );
    let listed = call(&deps, &olga, "list_users", at(60)).await;
    assert!(
        !listed.is_error && listed.text.contains("Adele Vance"),
        "{}",
        listed.text
    );
    // No token, code or client secret is stored in plaintext anywhere.
    let data = fake.data();
    let mut secrets: Vec<String> = ["access_tokens", "refresh_tokens"]
        .iter()
        .flat_map(|k| data[k].as_array().unwrap().clone())
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    secrets.push(microsoft365::CLIENT_SECRET.into());
    assert_eq!(secrets.len(), 3);
    let dump = format!(
        "{:?}{:?}{:?}",
        rows::Entity::find().all(&db.db).await.unwrap(),
        vendor_oauth_states::Entity::find()
            .all(&db.db)
            .await
            .unwrap(),
        audit_events::Entity::find().all(&db.db).await.unwrap()
    );
    for secret in &secrets {
        assert!(
            !dump.contains(secret.as_str()),
            "{secret} is stored in plaintext"
        );
        assert!(!listed.text.contains(secret.as_str()));
    }
    // The flow's row is gone once used.
    assert!(vendor_oauth_states::Entity::find()
        .all(&db.db)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_once_and_the_rotated_refresh_token_is_stored() {
    // Arrange
    let db = test_db().await;
    let fake = microsoft365::spawn(Options::default()).await.unwrap();
    let deps = deps(&db, &fake, true);
    let olga = user(&db.db, "Olga").await;
    let connection = connect(&deps, &olga).await;
    // Act + Assert: a warm call neither refreshes nor writes.
    assert!(
        !call(&deps, &olga, "get_organization", at(600))
            .await
            .is_error
    );
    assert_eq!(microsoft365::refreshes(&fake), 0);
    assert_eq!(
        row(&deps, connection.id).await.updated_at,
        connection.updated_at
    );
    // Within five minutes of expiry (3599 s), five calls at once refresh once.
    let snapshot = tools::load(&deps, olga.id).await.unwrap();
    let calls = (0..5).map(|_| {
        tools::call(
            &deps,
            &snapshot,
            "microsoft-365__get_organization",
            json!({}),
            false,
            at(3400),
        )
    });
    for result in futures::future::join_all(calls).await {
        assert!(!result.unwrap().is_error);
    }
    assert_eq!(microsoft365::refreshes(&fake), 1);
    let refreshed = row(&deps, connection.id).await;
    assert_ne!(refreshed.secret_sealed, connection.secret_sealed);
    // The next refresh uses the rotated refresh token read back from the database (the fake
    // no longer accepts the first one), even by a process that remembers nothing.
    deps.oauth.forget(connection.id);
    assert!(
        !call(&deps, &olga, "get_organization", at(6900))
            .await
            .is_error
    );
    assert_eq!(microsoft365::refreshes(&fake), 2);
    assert_eq!(
        (refreshed.id, refreshed.slug.as_str()),
        (connection.id, "microsoft-365")
    );
}

#[tokio::test]
async fn a_refused_refresh_needs_reconnecting_and_reconnect_restores_the_same_connection() {
    // Arrange
    let db = test_db().await;
    let fake = microsoft365::spawn(Options::default()).await.unwrap();
    let deps = deps(&db, &fake, true);
    let olga = user(&db.db, "Olga").await;
    let connection = connect(&deps, &olga).await;
    microsoft365::refuse_refresh(&fake, true);
    // Act
    let refused = call(&deps, &olga, "list_users", at(4000)).await;
    // Assert: an actionable error naming the connection and where to reconnect it.
    assert!(refused.is_error);
    assert_eq!(refused.class, "needs_reconnect");
    assert!(
        refused.text.contains("“Contoso” needs reconnecting"),
        "{}",
        refused.text
    );
    assert!(refused.text.contains(&format!(
        "https://gw.example.com/connections#connection-{}",
        connection.id
    )));
    assert_eq!(row(&deps, connection.id).await.status, NEEDS_RECONNECT);
    // Later calls answer at once, without asking the vendor again; a re-test says so too.
    let asked = token_requests(&fake);
    assert_eq!(
        call(&deps, &olga, "list_users", at(4100)).await.class,
        "needs_reconnect"
    );
    let (_, outcome) = retest(&deps, &olga, connection.id, &ctx(), at(4200))
        .await
        .unwrap();
    assert!(!outcome.is_ok());
    assert_eq!(token_requests(&fake), asked);
    assert_eq!(row(&deps, connection.id).await.status, NEEDS_RECONNECT);
    // Reconnect: the same connection, working again.
    let url = vendor_oauth::start_reconnect(&deps, &olga, connection.id, at(4300))
        .await
        .unwrap();
    let callback = consent(&url).await;
    let again = vendor_oauth::finish(&deps, &olga, callback, &ctx(), at(4301))
        .await
        .unwrap();
    assert_eq!(
        (again.id, again.slug.as_str(), again.name.as_str()),
        (connection.id, "microsoft-365", "Contoso")
    );
    assert_eq!(again.status, "ok");
    assert!(!call(&deps, &olga, "list_users", at(4400)).await.is_error);
    assert_eq!(rows::Entity::find().all(&db.db).await.unwrap().len(), 1);
}

#[tokio::test]
async fn forged_replayed_expired_and_other_users_states_are_refused_before_the_vendor_is_asked() {
    // Arrange
    let db = test_db().await;
    let fake = microsoft365::spawn(Options::default()).await.unwrap();
    let deps = deps(&db, &fake, true);
    let (olga, mallory) = (user(&db.db, "Olga").await, user(&db.db, "Mallory").await);
    let start = |slug, now| {
        vendor_oauth::start_connect(&deps, &olga, Placement::Personal, input(slug), now)
    };
    let callback = consent(&start("", at(0)).await.unwrap()).await;
    // Act + Assert: a forged state.
    let forged = Callback {
        state: Some("forged".into()),
        ..callback.clone()
    };
    assert!(matches!(
        vendor_oauth::finish(&deps, &olga, forged, &ctx(), at(1)).await,
        Err(FlowError::UnknownState)
    ));
    // Another user's state (it stays usable by its owner).
    let theirs = vendor_oauth::finish(&deps, &mallory, callback.clone(), &ctx(), at(1)).await;
    assert!(matches!(theirs, Err(FlowError::OtherUser)), "{theirs:?}");
    assert_eq!(token_requests(&fake), 0);
    vendor_oauth::finish(&deps, &olga, callback.clone(), &ctx(), at(2))
        .await
        .unwrap();
    // Replayed.
    let replayed = vendor_oauth::finish(&deps, &olga, callback, &ctx(), at(3)).await;
    assert!(
        matches!(replayed, Err(FlowError::UnknownState)),
        "{replayed:?}"
    );
    // Expired after 10 minutes.
    let late = consent(&start("m365-late", at(100)).await.unwrap()).await;
    let expired = vendor_oauth::finish(&deps, &olga, late, &ctx(), at(701)).await;
    assert!(matches!(expired, Err(FlowError::Expired)), "{expired:?}");
    assert_eq!(token_requests(&fake), 1);
    assert_eq!(rows::Entity::find().all(&db.db).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_vendor_without_the_operators_app_is_not_configured_and_cannot_be_connected_with_a_form()
{
    let db = test_db().await;
    let fake = microsoft365::spawn(Options::default()).await.unwrap();
    let olga = user(&db.db, "Olga").await;
    let unconfigured = deps(&db, &fake, false);
    let refused =
        vendor_oauth::start_connect(&unconfigured, &olga, Placement::Personal, input(""), at(0))
            .await
            .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("not configured by the operator"),
        "{refused}"
    );
    let configured = deps(&db, &fake, true);
    let by_form = create(
        &configured,
        &olga,
        Placement::Personal,
        input(""),
        &ctx(),
        at(0),
    )
    .await
    .unwrap_err();
    assert!(
        by_form.to_string().contains("Connect with Microsoft"),
        "{by_form}"
    );
    assert!(fake.requests().is_empty());
}
