#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! MCP-server connections against a real upstream MCP server (rmcp's own server on
//! 127.0.0.1, reached through the outbound guard with an origin override, as vendor fakes are),
//! a real database and the real vault.

use std::{collections::BTreeMap, time::Duration};

use serde_json::json;
use time::OffsetDateTime;

use super::{
    tools::{self, ToolInfo},
    *,
};
use crate::{
    audit::RequestContext,
    crypto::MasterKey,
    outbound::{Outbound, OutboundSettings},
    testing::{test_db, TestDb},
    users::{self, DisplayName, Email, Identity, Profile, Provider, User},
    vault::Vault,
    vendors::{
        mcp_fixture::{Upstream, FORBIDDEN_TOKEN, LONG_TOOL},
        Catalog, CheckOutcome, Engine, VendorKind,
    },
};

const ORIGIN: &str = "https://mcp.fixture.example";
const TOKEN: &str = "upstream-key-5b1e9d7c44";

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap()
}

async fn user(db: &sea_orm::DatabaseConnection) -> User {
    users::sign_in(
        db,
        &Identity {
            provider: Provider::Dev,
            issuer: "dev".into(),
            subject: "tess@example.com".into(),
        },
        &Profile {
            display_name: DisplayName::parse("Tess").unwrap(),
            email: Some(Email::parse("tess@example.com").unwrap()),
            email_verified: false,
        },
        at(0),
    )
    .await
    .unwrap()
}

/// Deps whose outbound guard sends `ORIGIN` to the fixture (and admits nothing else private).
fn deps(db: &TestDb, upstream: &Upstream) -> Deps {
    let target = url::Url::parse(&upstream.url).unwrap();
    let (key, target) =
        OutboundSettings::parse_override(ORIGIN, &target.origin().ascii_serialization()).unwrap();
    let settings = OutboundSettings {
        origin_overrides: [(key, target)].into(),
        ..OutboundSettings::default()
    };
    Deps {
        db: db.db.clone(),
        vault: Vault::new(MasterKey::from_bytes([7; 32]), None),
        engine: Engine::with_timeout(Outbound::new(settings).unwrap(), Duration::from_secs(10)),
        catalog: Catalog::load(None).unwrap(),
        allow_unchecked: false,
        portal_url: "https://gw.example.com".into(),
        oauth: Default::default(),
    }
}

fn input(header_name: &str, header_value: &str) -> ConnectionInput {
    ConnectionInput {
        vendor: "mcp-server".into(),
        slug: "files".into(),
        name: String::new(),
        fields: BTreeMap::from([
            ("url".to_owned(), format!("{ORIGIN}/mcp")),
            ("header_name".to_owned(), header_name.to_owned()),
            ("header_value".to_owned(), header_value.to_owned()),
        ]),
    }
}

fn stored(row: &crate::entity::connections::Model) -> Vec<ToolInfo> {
    serde_json::from_str(row.tools.as_deref().unwrap()).unwrap()
}

#[tokio::test]
async fn connecting_reads_the_tools_and_calls_reach_the_upstream() {
    let upstream = Upstream::start("X-API-Key", TOKEN).await;
    let db = test_db().await;
    let deps = deps(&db, &upstream);
    let tess = user(&db.db).await;
    let ctx = RequestContext::default();
    let row = create(
        &deps,
        &tess,
        Placement::Personal,
        input("X-API-Key", TOKEN),
        &ctx,
        at(1),
    )
    .await
    .unwrap();
    assert_eq!(row.status, "ok");
    assert_eq!(
        row.last_check_message.as_deref(),
        Some("Connected (5 tools (fixture-server v1.2.3)).")
    );
    // Five tools over three pages, in the server's order.
    let tools = stored(&row);
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(&names[..4], ["echo", "delete_everything", "plain", "fail"]);
    let echo = &tools[0];
    assert!(echo.read_only && !echo.destructive);
    assert_eq!(echo.description, "Echoes its text back.");
    // No annotations, or destructive ones: a write (needs mcp:write).
    assert!(tools[1].destructive && tools[2].destructive && !tools[2].read_only);
    // The long, odd name is shortened to fit and keeps its original for routing.
    let long = &tools[4];
    assert_eq!(long.upstream_name.as_deref(), Some(LONG_TOOL));
    assert_eq!(format!("files__{}", long.name).len(), MAX_TOOL_NAME_CHARS);
    assert!(long
        .name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));

    let snapshot = tools::load(&deps, tess.id).await.unwrap();
    let listed = snapshot.get("files__echo").unwrap();
    assert!(listed.read_only);
    let result = tools::call(
        &deps,
        &snapshot,
        "files__echo",
        json!({"text": "hi"}),
        false,
        at(2),
    )
    .await
    .unwrap();
    assert_eq!(result.text, "echo: hi\nsecond block");
    assert!(!result.is_error);
    // isError passes through as an error result.
    let failed = tools::call(&deps, &snapshot, "files__fail", json!({}), true, at(2))
        .await
        .unwrap();
    assert!(failed.is_error);
    assert_eq!(
        (failed.class, failed.text.as_str()),
        ("tool_error", "it broke")
    );
    // Writes need mcp:write, like every vendor's.
    assert_eq!(
        tools::call(&deps, &snapshot, "files__plain", json!({}), false, at(2)).await,
        Err(tools::CallRefusal::InsufficientScope)
    );
    // The shortened name reaches the upstream under its own name.
    let long_name = format!("files__{}", long.name);
    let ran = tools::call(&deps, &snapshot, &long_name, json!({}), true, at(2))
        .await
        .unwrap();
    assert_eq!((ran.text.as_str(), ran.is_error), ("long tool ran", false));
}

#[tokio::test]
async fn a_wrong_token_is_rejected_and_nothing_is_saved() {
    let upstream = Upstream::start("X-API-Key", TOKEN).await;
    let db = test_db().await;
    let deps = deps(&db, &upstream);
    let tess = user(&db.db).await;
    let refused = create(
        &deps,
        &tess,
        Placement::Personal,
        input("X-API-Key", "not-the-key-0000"),
        &RequestContext::default(),
        at(1),
    )
    .await;
    match refused {
        Err(ConnectionError::CheckFailed { class, message }) => {
            assert_eq!(class, "rejected");
            assert!(!message.contains("not-the-key-0000"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(upstream.seen().iter().all(|s| s.status == 401));
    assert!(!upstream.seen().is_empty());
}

#[tokio::test]
async fn only_the_connections_own_header_reaches_the_upstream() {
    // The connection authenticates with `Authorization`: the only one the upstream ever sees
    // is the stored one, never the caller's gateway token (MCP-1).
    let upstream = Upstream::start("Authorization", &format!("Bearer {TOKEN}")).await;
    let db = test_db().await;
    let deps = deps(&db, &upstream);
    let tess = user(&db.db).await;
    let ctx = RequestContext::default();
    create(
        &deps,
        &tess,
        Placement::Personal,
        input("Authorization", &format!("Bearer {TOKEN}")),
        &ctx,
        at(1),
    )
    .await
    .unwrap();
    let snapshot = tools::load(&deps, tess.id).await.unwrap();
    // A server echoing the credential does not get it into the model's context (MCP-7).
    let echoed = tools::call(
        &deps,
        &snapshot,
        "files__echo",
        json!({"text": TOKEN}),
        false,
        at(2),
    )
    .await
    .unwrap();
    assert_eq!(echoed.text, "echo: [redacted]\nsecond block");
    let allowed = [
        "accept",
        "content-type",
        "content-length",
        "host",
        "authorization",
        "user-agent",
        "mcp-session-id",
        "mcp-protocol-version",
        "mcp-method",
        "mcp-name",
    ];
    let seen = upstream.seen();
    assert!(
        seen.len() >= 4,
        "initialize, initialized, list, call: {}",
        seen.len()
    );
    for request in seen {
        let auth: Vec<_> = request.headers.get_all("authorization").iter().collect();
        assert_eq!(auth, [format!("Bearer {TOKEN}").as_str()]);
        for name in request.headers.keys() {
            assert!(allowed.contains(&name.as_str()), "unexpected header {name}");
        }
    }
}

#[tokio::test]
async fn retest_refreshes_the_tool_list() {
    let upstream = Upstream::start("X-API-Key", TOKEN).await;
    let db = test_db().await;
    let deps = deps(&db, &upstream);
    let tess = user(&db.db).await;
    let ctx = RequestContext::default();
    let row = create(
        &deps,
        &tess,
        Placement::Personal,
        input("X-API-Key", TOKEN),
        &ctx,
        at(1),
    )
    .await
    .unwrap();
    assert_eq!(stored(&row).len(), 5);
    upstream.add_tool();
    let (row, outcome) = retest(&deps, &tess, row.id, &ctx, at(2)).await.unwrap();
    assert!(
        matches!(outcome, CheckOutcome::Authenticated { .. }),
        "{outcome:?}"
    );
    assert!(stored(&row).iter().any(|t| t.name == "added"));
    let snapshot = tools::load(&deps, tess.id).await.unwrap();
    let ran = tools::call(&deps, &snapshot, "files__added", json!({}), true, at(3))
        .await
        .unwrap();
    assert_eq!(ran.text, "added ran");
}

#[tokio::test]
async fn a_restarted_upstream_is_recovered_transparently() {
    let upstream = Upstream::start("X-API-Key", TOKEN).await;
    let db = test_db().await;
    let deps = deps(&db, &upstream);
    let tess = user(&db.db).await;
    let ctx = RequestContext::default();
    create(
        &deps,
        &tess,
        Placement::Personal,
        input("X-API-Key", TOKEN),
        &ctx,
        at(1),
    )
    .await
    .unwrap();
    let snapshot = tools::load(&deps, tess.id).await.unwrap();
    let call = || {
        tools::call(
            &deps,
            &snapshot,
            "files__echo",
            json!({"text": "a"}),
            false,
            at(2),
        )
    };
    assert!(!call().await.unwrap().is_error);
    upstream.restart();
    let before = upstream.seen().len();
    let again = call().await.unwrap();
    assert_eq!(
        (again.text.as_str(), again.is_error),
        ("echo: a\nsecond block", false)
    );
    // The pooled session was refused (404) and a new one initialised, without the caller
    // seeing it.
    let after: Vec<u16> = upstream.seen()[before..].iter().map(|s| s.status).collect();
    assert_eq!(after.first(), Some(&404), "{after:?}");
}

#[tokio::test]
async fn private_addresses_are_refused_without_an_operator_override() {
    let upstream = Upstream::start("X-API-Key", TOKEN).await;
    let engine = Engine::new(Outbound::new(OutboundSettings::default()).unwrap());
    let catalog = Catalog::load(None).unwrap();
    let def = catalog.get("mcp-server").unwrap();
    assert!(matches!(def.kind, VendorKind::McpServer));
    let port = url::Url::parse(&upstream.url).unwrap().port().unwrap();
    let creds = crate::vendors::ConnectionCredentials {
        connection_id: uuid::Uuid::now_v7(),
        version: 0,
        settings: BTreeMap::from([("url".into(), format!("https://127.0.0.1:{port}/mcp"))]),
        secrets: BTreeMap::new(),
    };
    let outcome = engine.check(def, &creds, at(0)).await;
    assert_eq!(outcome.class(), "unexpected", "{outcome:?}");
    assert!(
        outcome.message().contains("not a public address"),
        "{}",
        outcome.message()
    );
    assert!(upstream.seen().is_empty());
}

#[tokio::test]
async fn a_header_the_transport_sets_itself_is_refused() {
    let upstream = Upstream::start("X-API-Key", TOKEN).await;
    let db = test_db().await;
    let deps = deps(&db, &upstream);
    let tess = user(&db.db).await;
    let refused = create(
        &deps,
        &tess,
        Placement::Personal,
        input("Mcp-Session-Id", "fixed-session"),
        &RequestContext::default(),
        at(1),
    )
    .await;
    match refused {
        Err(ConnectionError::Fields(fields)) => assert!(fields.contains_key("header_name")),
        other => panic!("{other:?}"),
    }
    assert!(upstream.seen().is_empty());
}

/// The engine alone, its guard sending `ORIGIN` to the fixture, calls limited to `timeout`.
fn engine(upstream: &Upstream, timeout: Duration) -> Engine {
    let target = url::Url::parse(&upstream.url).unwrap();
    let (key, target) =
        OutboundSettings::parse_override(ORIGIN, &target.origin().ascii_serialization()).unwrap();
    let settings = OutboundSettings {
        origin_overrides: [(key, target)].into(),
        ..OutboundSettings::default()
    };
    Engine::with_timeout(Outbound::new(settings).unwrap(), timeout)
}

fn creds() -> crate::vendors::ConnectionCredentials {
    crate::vendors::ConnectionCredentials {
        connection_id: uuid::Uuid::now_v7(),
        version: 1,
        settings: BTreeMap::from([
            ("url".into(), format!("{ORIGIN}/mcp")),
            ("header_name".into(), "X-API-Key".into()),
        ]),
        secrets: BTreeMap::from([("header_value".into(), TOKEN.into())]),
    }
}

#[tokio::test]
async fn upstream_errors_and_slow_tools_have_their_classes() {
    let upstream = Upstream::start("X-API-Key", TOKEN).await;
    let engine = engine(&upstream, Duration::from_secs(1));
    let catalog = Catalog::load(None).unwrap();
    let def = catalog.get("mcp-server").unwrap();
    let creds = creds();
    // The server's JSON-RPC "invalid params" is the model's to fix.
    let unknown = engine.call(def, &creds, "nope", json!({}), at(0)).await;
    assert!(
        matches!(unknown, Err(crate::vendors::CallError::InvalidArguments(ref m)) if m == "no such tool"),
        "{unknown:?}"
    );
    let not_object = engine.call(def, &creds, "echo", json!([1]), at(0)).await;
    assert!(matches!(
        not_object,
        Err(crate::vendors::CallError::InvalidArguments(_))
    ));
    let slow = engine.call(def, &creds, "slow", json!({}), at(0)).await;
    assert_eq!(slow, Err(crate::vendors::CallError::TimedOut));
    // The session survives a slow tool: the next call works.
    let echo = engine
        .call(def, &creds, "echo", json!({"text": "z"}), at(0))
        .await
        .unwrap();
    assert_eq!(echo.text, "echo: z\nsecond block");
}

#[tokio::test]
async fn a_403_is_forbidden_with_the_servers_message() {
    let upstream = Upstream::start("X-API-Key", TOKEN).await;
    let db = test_db().await;
    let deps = deps(&db, &upstream);
    let tess = user(&db.db).await;
    let refused = create(
        &deps,
        &tess,
        Placement::Personal,
        input("X-API-Key", FORBIDDEN_TOKEN),
        &RequestContext::default(),
        at(1),
    )
    .await;
    match refused {
        Err(ConnectionError::CheckFailed { class, message }) => {
            assert_eq!(class, "forbidden");
            assert!(message.contains("this key may not use MCP"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn calls_share_one_pooled_upstream_session_and_a_restart_replaces_it_once() {
    let upstream = Upstream::start("X-API-Key", TOKEN).await;
    let db = test_db().await;
    let deps = deps(&db, &upstream);
    let tess = user(&db.db).await;
    create(
        &deps,
        &tess,
        Placement::Personal,
        input("X-API-Key", TOKEN),
        &RequestContext::default(),
        at(1),
    )
    .await
    .unwrap();
    let snapshot = tools::load(&deps, tess.id).await.unwrap();
    let echo = || {
        tools::call(
            &deps,
            &snapshot,
            "files__echo",
            json!({"text": "p"}),
            false,
            at(2),
        )
    };
    // Requests without a session id are `initialize`s: a new upstream session each.
    let initializes = |from: usize| {
        upstream.seen()[from..]
            .iter()
            .filter(|s| !s.headers.contains_key("mcp-session-id"))
            .count()
    };
    let before = upstream.seen().len();
    for _ in 0..3 {
        assert!(!echo().await.unwrap().is_error);
    }
    assert_eq!(initializes(before), 1, "one session for three calls");
    upstream.restart();
    let before = upstream.seen().len();
    for _ in 0..3 {
        assert!(!echo().await.unwrap().is_error);
    }
    assert_eq!(initializes(before), 1, "one new session after the restart");
}
