#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Tool calls through the real provider are recorded, and `gateway__usage_summary` shows an
//! owner their own organisation's usage only.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::super::{
    create,
    tests::{at, ctx, demo, deps, pro_org, user},
    tools::ToolCache,
    GatewayTools, Placement,
};
use crate::{
    audit::Actor,
    entity::tool_calls,
    mcp::{McpCaller, ProviderError, ToolProvider},
    oauth::Scopes,
    organizations::{self, Plan},
    testing::test_db,
    usage::{self, BatchSettings},
    users::User,
};

fn caller(user: &User) -> McpCaller {
    McpCaller {
        user_id: Some(user.id),
        organization_id: None,
        client_id: "claude-code".into(),
        grant_id: uuid::Uuid::now_v7(),
        scopes: Scopes::parse_stored("mcp:read"),
        connection: None,
    }
}

async fn call(
    tools: &GatewayTools,
    who: &User,
    name: &str,
    args: Value,
) -> Result<String, ProviderError> {
    let args = args.as_object().cloned();
    let result = tools
        .call_tool(&caller(who), name, args, CancellationToken::new())
        .await?;
    Ok(serde_json::to_string(&result.content).unwrap())
}

#[tokio::test]
async fn calls_are_recorded_and_the_summary_is_for_owners_of_that_organisation_only() {
    // Arrange: organisation A (owner Olga, member Mia) and organisation B (owner Zed), each
    // owner with a personal Demo connection; calls go through the real provider.
    let db = test_db().await;
    let deps = deps(&db);
    let a = pro_org(&db).await;
    let zed = user(&db, "Zed").await;
    let (_, code) =
        organizations::create_invite_code(&db, "t2", Some(1), Actor::CommandLine, &ctx(), at(0))
            .await
            .unwrap();
    organizations::create(
        &db,
        &zed,
        "Other MSP",
        Some(&code),
        Plan::Free,
        &ctx(),
        at(0),
    )
    .await
    .unwrap();
    for owner in [&a.owner, &zed] {
        create(
            &deps,
            owner,
            Placement::Personal,
            demo("demo"),
            &ctx(),
            at(10),
        )
        .await
        .unwrap();
    }
    let (recorder, writer) = usage::spawn(
        db.db.clone(),
        BatchSettings {
            interval: Duration::from_secs(3600),
            max_batch: 1000,
        },
    );
    let tools = GatewayTools::new(deps.clone(), ToolCache::default(), recorder);

    // Act
    call(
        &tools,
        &a.owner,
        "demo__list_companies",
        serde_json::json!({}),
    )
    .await
    .unwrap();
    call(
        &tools,
        &a.owner,
        "demo__list_tickets",
        serde_json::json!({}),
    )
    .await
    .unwrap();
    call(&tools, &zed, "demo__list_companies", serde_json::json!({}))
        .await
        .unwrap();
    let member_list = tools.list_tools(&caller(&a.member)).await.unwrap();
    let member_call = call(
        &tools,
        &a.member,
        "gateway__usage_summary",
        serde_json::json!({}),
    )
    .await;
    writer.shutdown().await;

    // Assert: one row per call, with the connection's details and no arguments.
    let rows = tool_calls::Entity::find()
        .filter(tool_calls::Column::UserId.eq(a.owner.id))
        .all(&*db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let first = rows
        .iter()
        .find(|r| r.tool_name == "demo__list_companies")
        .unwrap();
    assert_eq!(first.connection_slug.as_deref(), Some("demo"));
    assert_eq!(first.tier.as_deref(), Some("personal"));
    assert_eq!(first.vendor.as_deref(), Some("demo"));
    assert_eq!(first.outcome, "ok");
    assert_eq!(first.client_id, "claude-code");
    assert!(first.organization_id.is_some());

    // Members neither see nor call it (and the refused call is recorded as such).
    assert!(member_list
        .iter()
        .all(|t| t.name != "gateway__usage_summary"));
    assert!(matches!(member_call, Err(ProviderError::UnknownTool(_))));
    let refused = tool_calls::Entity::find()
        .filter(tool_calls::Column::UserId.eq(a.member.id))
        .one(&*db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(refused.outcome, "unknown_tool");

    // The owner's summary covers organisation A only.
    let owner_list = tools.list_tools(&caller(&a.owner)).await.unwrap();
    assert!(owner_list
        .iter()
        .any(|t| t.name == "gateway__usage_summary"));
    let now = time::OffsetDateTime::now_utc();
    let snapshot = ToolCache::default().get(&deps, a.owner.id).await.unwrap();
    let text = super::call(&deps, &snapshot, &serde_json::json!({"days": 1}), now)
        .await
        .text;
    let summary: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(summary["total"]["calls"], 3, "{text}");
    assert_eq!(summary["total"]["errors"], 1, "{text}");
    assert!(
        text.contains(&a.owner.id.to_string()) && text.contains("Olga"),
        "{text}"
    );
    assert!(
        !text.contains(&zed.id.to_string()) && !text.contains("Zed"),
        "{text}"
    );
    let bad = super::call(&deps, &snapshot, &serde_json::json!({"days": 91}), now).await;
    assert!(bad.is_error && bad.class == "invalid_arguments");
}
