#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Reliability as an MCP client meets it: the real MCP endpoint over the real tool provider, a
//! real database and vault, and IT Glue fakes on 127.0.0.1 — a cancelled call aborts its vendor
//! request, one hanging connection never delays another, and a paused vendor answers at once
//! and shows in `gateway__list_connections`.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::time::Instant;
use url::Url;
use vendor_fakes::{itglue, FailureMode, FakeVendor, Options};

use super::{tools::ToolCache, *};
use crate::{
    audit::RequestContext,
    crypto::MasterKey,
    mcp::{Headers, McpCaller, McpEndpoint, Reply},
    oauth::Scopes,
    outbound::{Outbound, OutboundSettings},
    testing::{test_db, TestDb},
    usage::UsageRecorder,
    users::User,
    vault::Vault,
    vendors::{BreakerSettings, Catalog, Engine, Reliability},
};

const US: &str = "https://api.itglue.com";
const EU: &str = "https://api.eu.itglue.com";

/// Deps whose guard sends each real origin to its fake.
fn deps(db: &TestDb, routes: &[(&str, &FakeVendor)], reliability: Reliability) -> Deps {
    let origin_overrides: BTreeMap<String, Url> = routes
        .iter()
        .map(|(real, fake)| ((*real).to_owned(), Url::parse(&fake.origin).unwrap()))
        .collect();
    let outbound = Outbound::new(OutboundSettings {
        origin_overrides,
        ..OutboundSettings::default()
    })
    .unwrap();
    Deps {
        db: db.db.clone(),
        vault: Vault::new(MasterKey::from_bytes([7; 32]), None),
        engine: Engine::with_settings(outbound, None, reliability),
        catalog: Catalog::load(None).unwrap(),
        allow_unchecked: false,
        portal_url: "https://gw.example.com".into(),
        oauth: Default::default(),
    }
}

async fn connect_itglue(deps: &Deps, user: &User, slug: &str, region: &str) {
    let input = ConnectionInput {
        vendor: "itglue".into(),
        slug: slug.into(),
        name: String::new(),
        fields: BTreeMap::from([
            ("api_key".to_owned(), itglue::API_KEY.to_owned()),
            ("region".to_owned(), region.to_owned()),
        ]),
    };
    let now = OffsetDateTime::now_utc();
    create(
        deps,
        user,
        Placement::Personal,
        input,
        &RequestContext::default(),
        now,
    )
    .await
    .unwrap();
}

/// An MCP client of `user`'s: the endpoint and an initialised session.
struct Client {
    endpoint: Arc<McpEndpoint>,
    caller: McpCaller,
    session: String,
}

impl Client {
    async fn open(deps: &Deps, user: &User) -> Self {
        let tools = GatewayTools::new(
            deps.clone(),
            ToolCache::default(),
            UsageRecorder::disabled(),
        );
        let endpoint = Arc::new(McpEndpoint::new(
            Arc::new(tools),
            &MasterKey::from_bytes([9; 32]),
        ));
        let caller = McpCaller {
            user_id: Some(user.id),
            organization_id: None,
            client_id: "test-client".into(),
            grant_id: uuid::Uuid::now_v7(),
            scopes: Scopes::parse_stored("mcp:read mcp:write"),
            connection: None,
        };
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"}}});
        let Reply::Json {
            session_id: Some(session),
            ..
        } = endpoint
            .post(
                &caller,
                Headers::default(),
                init.to_string().as_bytes(),
                OffsetDateTime::now_utc(),
            )
            .await
        else {
            panic!("initialize failed");
        };
        Self {
            endpoint,
            caller,
            session,
        }
    }

    async fn post(&self, message: Value) -> Reply {
        let headers = Headers {
            session_id: Some(&self.session),
            protocol_version: Some("2025-11-25"),
        };
        self.endpoint
            .post(
                &self.caller,
                headers,
                message.to_string().as_bytes(),
                OffsetDateTime::now_utc(),
            )
            .await
    }

    /// `tools/call` with request id `id`: the JSON-RPC answer.
    async fn call(&self, id: u64, name: &str) -> Value {
        let message = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": name, "arguments": {}}});
        match self.post(message).await {
            Reply::Json { body, .. } => body,
            _ => panic!("tools/call got no JSON answer"),
        }
    }
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "waited too long for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn text(answer: &Value) -> &str {
    answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn notifications_cancelled_aborts_the_vendor_call_at_once() {
    // Arrange
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let db = test_db().await;
    let deps = deps(&db, &[(US, &fake)], Reliability::default());
    let ada = super::tests::user(&db.db, "Ada").await;
    connect_itglue(&deps, &ada, "docs", "us").await;
    fake.set_failure(Some(FailureMode::Hang));
    let client = Arc::new(Client::open(&deps, &ada).await);
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.call(7, "docs__list_organizations").await }
    });
    until("the call reaches the vendor", || fake.in_flight() == 1).await;
    // Act
    let cancelled = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 7, "reason": "user pressed stop"}});
    let started = Instant::now();
    assert!(matches!(client.post(cancelled).await, Reply::Accepted));
    let answer = tokio::time::timeout(Duration::from_secs(2), call)
        .await
        .expect("the cancelled call ends at once")
        .unwrap();
    // Assert: the client is told, and the vendor request is gone (not left to run 30 s).
    assert_eq!(answer["error"]["code"], -32800, "{answer}");
    until("the vendor sees the request go away", || {
        fake.in_flight() == 0
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn one_hanging_connection_never_delays_another_of_the_same_vendor() {
    // Two IT Glue connections of one user: `us` answers from one fake, `eu` from another.
    let hanging = itglue::spawn(Options::default()).await.unwrap();
    let healthy = itglue::spawn(Options::default()).await.unwrap();
    let db = test_db().await;
    let deps = deps(
        &db,
        &[(US, &hanging), (EU, &healthy)],
        Reliability::default(),
    );
    let ada = super::tests::user(&db.db, "Ada").await;
    connect_itglue(&deps, &ada, "us", "us").await;
    connect_itglue(&deps, &ada, "eu", "eu").await;
    hanging.set_failure(Some(FailureMode::Hang));
    let client = Arc::new(Client::open(&deps, &ada).await);
    // More hanging calls than the connection's concurrency slots (4): some wait for a slot.
    let stuck: Vec<_> = (0..6)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.call(100 + i, "us__list_organizations").await })
        })
        .collect();
    until("the vendor holds four calls", || hanging.in_flight() == 4).await;
    for id in 0..3 {
        let started = Instant::now();
        let answer = client.call(id, "eu__list_organizations").await;
        assert_ne!(answer["result"]["isError"], true, "{answer}");
        assert!(text(&answer).contains("name"), "{answer}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
    assert!(stuck.iter().all(|task| !task.is_finished()));
    for task in stuck {
        task.abort();
    }
}

#[tokio::test]
async fn a_failing_vendor_is_paused_with_an_actionable_error_and_listed_as_such() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let db = test_db().await;
    let reliability = Reliability {
        breaker: BreakerSettings {
            failures: 2,
            cool_down: Duration::from_secs(60),
        },
        ..Reliability::default()
    };
    let deps = deps(&db, &[(US, &fake)], reliability);
    let ada = super::tests::user(&db.db, "Ada").await;
    connect_itglue(&deps, &ada, "docs", "us").await;
    fake.set_failure(Some(FailureMode::HtmlPage));
    let client = Client::open(&deps, &ada).await;
    for id in 0..2 {
        let answer = client.call(id, "docs__list_organizations").await;
        assert_eq!(answer["result"]["isError"], true, "{answer}");
        assert!(text(&answer).contains("HTTP 502"), "{answer}");
    }
    let sent = fake.count("/organizations");
    // Paused: answered at once, naming the vendor, the pause and where to look.
    let answer = client.call(3, "docs__list_organizations").await;
    assert_eq!(answer["result"]["isError"], true, "{answer}");
    let message = text(&answer);
    assert!(message.starts_with("IT Glue is failing"), "{message}");
    assert!(message.contains("pauses calls to it for"), "{message}");
    assert!(
        message.contains("https://gw.example.com/connections#connection-"),
        "{message}"
    );
    assert_eq!(fake.count("/organizations"), sent);
    // gateway__list_connections shows the pause.
    let listed = client.call(4, "gateway__list_connections").await;
    let listed: Value = serde_json::from_str(text(&listed)).unwrap();
    let calls = &listed["connections"][0]["calls"];
    assert_eq!(calls["state"], "open", "{listed}");
    assert_eq!(calls["consecutive_failures"], 2);
    assert_eq!(calls["last_failure"], "vendor_error");
    // Re-testing the connection after a fix ends the pause at once.
    fake.set_failure(None);
    let id = listed["connections"][0]["portal"]
        .as_str()
        .unwrap()
        .rsplit("connection-")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, outcome) = retest(
        &deps,
        &ada,
        id,
        &RequestContext::default(),
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert!(outcome.is_ok(), "{outcome:?}");
    let answer = client.call(5, "docs__list_organizations").await;
    assert_ne!(answer["result"]["isError"], true, "{answer}");
}
