#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use sea_orm::{EntityTrait, PaginatorTrait};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{spawn, summary, write, BatchSettings, ToolCallRecord};
use crate::{entity::tool_calls, testing::test_db};

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap()
}

fn record(
    org: Uuid,
    user: Uuid,
    slug: &str,
    tool: &str,
    outcome: &'static str,
    ms: u64,
) -> ToolCallRecord {
    ToolCallRecord {
        at: at(0),
        user_id: Some(user),
        organization_id: Some(org),
        client_id: "client-1".into(),
        connection_id: Some(Uuid::now_v7()),
        connection_slug: Some(slug.into()),
        tier: Some("personal".into()),
        vendor: Some("demo".into()),
        tool_name: format!("{slug}__{tool}"),
        outcome,
        duration: Duration::from_millis(ms),
    }
}

#[tokio::test]
async fn records_queued_right_before_shutdown_are_written_by_it() {
    // Arrange: a writer that would not flush on its own for an hour.
    let db = test_db().await;
    let (recorder, writer) = spawn(
        (*db).clone(),
        BatchSettings {
            interval: Duration::from_secs(3600),
            max_batch: 1000,
        },
    );
    let (org, user) = (Uuid::now_v7(), Uuid::now_v7());
    for i in 0..250 {
        recorder.record(record(org, user, "demo", &format!("t{i}"), "ok", 1));
    }

    // Act
    writer.shutdown().await;

    // Assert
    assert_eq!(tool_calls::Entity::find().count(&*db).await.unwrap(), 250);
    assert_eq!(recorder.dropped(), 0);
    // After the writer stopped, records are dropped (counted), never awaited.
    recorder.record(record(org, user, "demo", "late", "ok", 1));
    assert_eq!(recorder.dropped(), 1);
}

#[tokio::test]
async fn the_writer_flushes_a_full_batch_without_waiting_for_the_interval() {
    let db = test_db().await;
    let (recorder, writer) = spawn(
        (*db).clone(),
        BatchSettings {
            interval: Duration::from_secs(3600),
            max_batch: 10,
        },
    );
    let (org, user) = (Uuid::now_v7(), Uuid::now_v7());
    for _ in 0..10 {
        recorder.record(record(org, user, "demo", "ping", "ok", 1));
    }
    let mut written = 0;
    for _ in 0..100 {
        written = tool_calls::Entity::find().count(&*db).await.unwrap();
        if written == 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(written, 10);
    writer.shutdown().await;
}

#[tokio::test]
async fn a_partial_batch_is_written_at_the_interval() {
    // Arrange: batches of 100, written at least every 50 ms; the writer is not woken per record.
    let db = test_db().await;
    let (recorder, writer) = spawn(
        (*db).clone(),
        BatchSettings {
            interval: Duration::from_millis(50),
            max_batch: 100,
        },
    );
    let (org, user) = (Uuid::now_v7(), Uuid::now_v7());

    // Act: three records, far from a batch.
    for _ in 0..3 {
        recorder.record(record(org, user, "demo", "ping", "ok", 1));
    }

    // Assert: the interval takes them from the queue and writes them.
    let mut written = 0;
    for _ in 0..200 {
        written = tool_calls::Entity::find().count(&*db).await.unwrap();
        if written == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(written, 3);
    writer.shutdown().await;
}

#[tokio::test]
async fn the_summary_counts_one_organisation_only_with_errors_and_p95() {
    // Arrange: two organisations' calls in one table, plus one call outside the window.
    let db = test_db().await;
    let (ours, theirs) = (Uuid::now_v7(), Uuid::now_v7());
    let (ada, bob, eve) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut records = Vec::new();
    for ms in 1..=20 {
        records.push(record(ours, ada, "demo", "ping", "ok", ms));
    }
    records.push(record(ours, bob, "glue", "find", "rejected", 500));
    records.push(record(theirs, eve, "secret", "leak", "ok", 7));
    let mut old = record(ours, ada, "demo", "ping", "ok", 1);
    old.at = at(-8 * 86_400);
    records.push(old);
    write(&db, &records).await.unwrap();

    // Act
    let summary = summary(&*db, ours, 7, at(60)).await.unwrap();

    // Assert
    assert_eq!((summary.total.calls, summary.total.errors), (21, 1));
    assert_eq!(summary.total.p95_ms, 20);
    assert_eq!(summary.by_user.len(), 2);
    assert_eq!(summary.by_user[0].key, ada.to_string());
    assert_eq!(
        (summary.by_user[0].calls, summary.by_user[0].p95_ms),
        (20, 19)
    );
    let slugs: Vec<&str> = summary
        .by_connection
        .iter()
        .map(|r| r.key.as_str())
        .collect();
    assert_eq!(slugs, ["demo", "glue"]);
    assert_eq!(summary.by_tool[1].errors, 1);
    let text = serde_json::to_string(&summary).unwrap();
    assert!(
        !text.contains("secret") && !text.contains(&eve.to_string()),
        "{text}"
    );
    // The other organisation sees only its own call.
    let other = super::summary(&*db, theirs, 90, at(60)).await.unwrap();
    assert_eq!(other.total.calls, 1);
    assert_eq!(other.by_connection[0].key, "secret");
}
