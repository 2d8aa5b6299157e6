//! Crash safety (issue 14, item 3): the real binary, killed with SIGKILL while tool calls run and
//! just after a connection, a consent, tokens and audit entries were written, restarts on the
//! same database (SQLite; PostgreSQL when TEST_DATABASE_URL is set) with every committed row,
//! and the MCP client carries on with its access token, refresh token and session id, the
//! browser with its portal session — nobody signs in again.

use std::{
    collections::BTreeSet,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use domain::{
    entity::{audit_events, connections, oauth_consents, oauth_grants, oauth_tokens},
    testing::test_db,
};
use reqwest::StatusCode;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::json;
use vendor_fakes::{itglue, Options};

use crate::gateway_process::{
    authorize, browser, call, connect_itglue, free_port, initialize, mcp, refresh, register,
    GatewayProcess,
};

/// The keys of every row that must survive, as another database client sees them.
#[derive(Debug, PartialEq, Eq)]
struct Committed {
    connections: BTreeSet<String>,
    consents: BTreeSet<String>,
    grants: BTreeSet<String>,
    tokens: BTreeSet<String>,
    audit: BTreeSet<String>,
}

impl Committed {
    async fn read(db: &DatabaseConnection) -> Self {
        Self {
            connections: keys(connections::Entity::find().all(db).await, |r| {
                r.slug.clone()
            }),
            consents: keys(oauth_consents::Entity::find().all(db).await, |r| {
                format!("{} {}", r.user_id, r.client_id)
            }),
            grants: keys(oauth_grants::Entity::find().all(db).await, |r| {
                r.id.to_string()
            }),
            tokens: keys(oauth_tokens::Entity::find().all(db).await, |r| {
                r.token_hash.clone()
            }),
            audit: keys(audit_events::Entity::find().all(db).await, |r| {
                format!("{} {}", r.id, r.action)
            }),
        }
    }

    fn is_within(&self, later: &Self) -> bool {
        self.connections.is_subset(&later.connections)
            && self.consents.is_subset(&later.consents)
            && self.grants.is_subset(&later.grants)
            && self.tokens.is_subset(&later.tokens)
            && self.audit.is_subset(&later.audit)
    }
}

fn keys<R>(rows: Result<Vec<R>, sea_orm::DbErr>, key: impl Fn(&R) -> String) -> BTreeSet<String> {
    rows.unwrap().iter().map(key).collect()
}

pub(crate) fn overrides(fake: &vendor_fakes::FakeVendor) -> String {
    serde_json::to_string(&fake.origin_overrides()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_killed_under_load_restarts_with_every_committed_write_and_clients_carry_on() {
    // Arrange: a gateway process, a user with a connection, an MCP client with its tokens and
    // session, and tool calls running.
    let db = test_db().await;
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let gateway = GatewayProcess::start(&db.settings_url, port, &public, &overrides(&fake)).await;
    let base = gateway.base.clone();
    let ada = browser(&base, "Ada").await;
    connect_itglue(&ada, &base, "docs").await;
    let client_id = register(&base).await;
    let tokens = authorize(&base, &public, &ada, &client_id).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let session = initialize(&base, &access).await;
    let answered = Arc::new(AtomicUsize::new(0));
    let load: Vec<_> = (0..2)
        .map(|worker| {
            let (base, access, session) = (base.clone(), access.clone(), session.clone());
            let answered = answered.clone();
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                for id in 0.. {
                    let sent = http
                        .post(format!("{base}/v1/mcp"))
                        .bearer_auth(&access)
                        .header("accept", "application/json, text/event-stream")
                        .header("mcp-protocol-version", "2025-11-25")
                        .header("mcp-session-id", &session)
                        .json(&call(worker * 1_000_000 + id, "docs__list_organizations"))
                        .send()
                        .await;
                    // Ends when the process is killed.
                    let Ok(response) = sent else { return };
                    if response.status() == StatusCode::OK {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    while answered.load(Ordering::SeqCst) < 5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Act: while calls run, a second connection, a second client's consent and tokens, and a
    // refresh (rotation) are acknowledged; then the process is killed without warning.
    connect_itglue(&ada, &base, "docs2").await;
    let second_client = register(&base).await;
    let second = authorize(&base, &public, &ada, &second_client).await;
    let (status, rotated) =
        refresh(&base, &client_id, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let committed = Committed::read(&db.db).await;
    let calls_before = answered.load(Ordering::SeqCst);
    gateway.kill9();
    for worker in load {
        tokio::time::timeout(Duration::from_secs(10), worker)
            .await
            .expect("the load stops with the process")
            .unwrap();
    }
    assert!(calls_before >= 5);

    // Restart on the same database and address.
    let gateway = GatewayProcess::start(&db.settings_url, port, &public, &overrides(&fake)).await;
    let after = Committed::read(&db.db).await;

    // Assert: every row committed before the kill is there …
    assert!(
        committed.is_within(&after),
        "lost rows:\nbefore {committed:#?}\nafter {after:#?}"
    );
    assert!(after.connections.contains("docs") && after.connections.contains("docs2"));
    assert_eq!(after.consents.len(), 2, "{:?}", after.consents);
    assert!(
        after
            .audit
            .iter()
            .any(|a| a.ends_with("connection.create") || a.contains("connection")),
        "{:?}",
        after.audit
    );
    // … the client's rotated access token and its session id work on the new process …
    let http = reqwest::Client::new();
    let access = rotated["access_token"].as_str().unwrap();
    let (status, answer) = mcp(
        &http,
        &gateway.base,
        access,
        &session,
        &call(9, "docs__list_organizations"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_ne!(answer["result"]["isError"], true, "{answer}");
    let (status, listed) = mcp(
        &http,
        &gateway.base,
        access,
        &session,
        &json!({"jsonrpc": "2.0", "id": 10, "method": "tools/list"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        listed.to_string().contains("docs2__list_organizations"),
        "{listed}"
    );
    // … its refresh token rotates again, the second client's token works …
    let (status, again) = refresh(
        &gateway.base,
        &client_id,
        rotated["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let (status, _) = mcp(
        &http,
        &gateway.base,
        again["access_token"].as_str().unwrap(),
        &session,
        &call(11, "docs__list_organizations"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let second_session = initialize(&gateway.base, second["access_token"].as_str().unwrap()).await;
    assert!(!second_session.is_empty());
    // … and the browser is still signed in to the portal.
    let page = ada
        .get(format!("{}/settings", gateway.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK, "still signed in");
}
