//! Tool-list changes across replicas: a change made on one gateway process (a connection added,
//! an allowlist, membership, role or team changed) reaches the [`ToolCache`] and the open MCP
//! streams of every other process on the same PostgreSQL database, through `LISTEN/NOTIFY` on
//! [`CHANNEL`]. On SQLite there is one process and nothing to do.
//!
//! Each process publishes its own changes (after they are committed) and applies the others';
//! the payload names the publishing process so a process ignores its own echo. Notifications are
//! not durable: when the listening connection drops, everything is invalidated once it is back
//! (whatever was missed meanwhile is covered), and the cache's short snapshot lifetime bounds
//! the damage of anything else.
//!
//! The same listening connection hears revocations
//! ([`crate::oauth::token_cache::REVOCATION_CHANNEL`]): each one makes this process re-check its
//! cached access tokens before their next use, and so does a reconnect.

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::{sync::mpsc, task::JoinHandle};
use uuid::Uuid;

use super::tools::ToolCache;
use crate::mcp::ToolsChanged;

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "mcp_gateway_tools_changed";

/// `"<process id> <user id | *>"`.
fn encode(process: Uuid, change: ToolsChanged) -> String {
    match change {
        ToolsChanged::User(user) => format!("{process} {user}"),
        ToolsChanged::Everyone => format!("{process} *"),
    }
}

fn decode(payload: &str) -> Option<(Uuid, ToolsChanged)> {
    let (process, target) = payload.split_once(' ')?;
    let process = Uuid::parse_str(process).ok()?;
    let change = match target {
        "*" => ToolsChanged::Everyone,
        user => ToolsChanged::User(Uuid::parse_str(user).ok()?),
    };
    Some((process, change))
}

/// Connects `cache` to the other replicas when `db` is PostgreSQL: returns the publishing and
/// listening tasks (abort them at shutdown), or nothing on SQLite. Fails when the listening
/// connection cannot be opened (the database is unreachable at start-up).
pub async fn start(
    db: &DatabaseConnection,
    cache: &ToolCache,
) -> Result<Vec<JoinHandle<()>>, sqlx::Error> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(Vec::new());
    }
    let process = Uuid::now_v7();
    // The listening connection lives in a one-connection pool of its own, with the same
    // options: it never takes a slot of the request pool, and closing the request pool (at
    // shutdown, or a test's simulated outage) does not wait for a connection that never returns.
    let options = db.get_postgres_connection_pool().connect_options();
    let own = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with((*options).clone());
    let mut listener = PgListener::connect_with(&own).await?;
    let revocations = crate::oauth::token_cache::REVOCATION_CHANNEL;
    listener.listen_all([CHANNEL, revocations]).await?;

    let (feed, mut published) = mpsc::unbounded_channel();
    cache.set_publisher(feed);
    let publisher_db = db.clone();
    let publisher = tokio::spawn(async move {
        while let Some(change) = published.recv().await {
            let notify = Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), encode(process, change).into()],
            );
            if let Err(e) = publisher_db.execute(notify).await {
                // The other replicas' snapshots still expire on their own within seconds.
                tracing::warn!(error = %e, "publishing a tool-list change to the other replicas failed");
            }
        }
    });

    let cache = cache.clone();
    let subscriber = tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) if notification.channel() == revocations => {
                    crate::oauth::token_cache::note_revocation();
                }
                Ok(Some(notification)) => match decode(notification.payload()) {
                    Some((from, _)) if from == process => {}
                    Some((_, change)) => cache.apply(change),
                    None => tracing::warn!("ignored a malformed tool-list change notification"),
                },
                // The connection dropped; the next call reconnects. Changes may have been missed.
                Ok(None) => {
                    tracing::warn!(
                        "the tool-list change feed reconnects; invalidating every snapshot"
                    );
                    cache.apply(ToolsChanged::Everyone);
                    crate::oauth::token_cache::note_revocation();
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the tool-list change feed failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(vec![publisher, subscriber])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn payloads_round_trip_and_garbage_is_refused() {
        let process = Uuid::now_v7();
        let user = Uuid::now_v7();
        for change in [ToolsChanged::User(user), ToolsChanged::Everyone] {
            assert_eq!(decode(&encode(process, change)), Some((process, change)));
        }
        for garbage in [
            "",
            "*",
            "x *",
            &format!("{process}"),
            &format!("{process} nope"),
        ] {
            assert_eq!(decode(garbage), None, "{garbage}");
        }
    }

    #[tokio::test]
    async fn a_revocation_is_announced_when_its_transaction_commits() {
        use crate::oauth::token_cache::{announce_revocation, REVOCATION_CHANNEL};
        use sea_orm::TransactionTrait;
        let db = crate::testing::test_db().await;
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return;
        }
        let mut listener = PgListener::connect_with(db.get_postgres_connection_pool())
            .await
            .unwrap();
        listener.listen(REVOCATION_CHANNEL).await.unwrap();
        let txn = db.begin().await.unwrap();
        announce_revocation(&txn).await;
        let early = tokio::time::timeout(std::time::Duration::from_millis(200), listener.recv());
        assert!(early.await.is_err(), "nothing before the commit");
        txn.commit().await.unwrap();
        let heard = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
            .await
            .expect("announced at commit")
            .unwrap();
        assert_eq!(heard.channel(), REVOCATION_CHANNEL);
    }

    #[tokio::test]
    async fn a_change_on_one_replica_reaches_the_other_replicas_cache_and_streams() {
        // Two caches (two processes) on one PostgreSQL database; on SQLite there is one process.
        let db = crate::testing::test_db().await;
        if db.get_database_backend() != DatabaseBackend::Postgres {
            assert!(start(&db, &ToolCache::default()).await.unwrap().is_empty());
            return;
        }
        let (a, b) = (ToolCache::default(), ToolCache::default());
        let mut tasks = start(&db, &a).await.unwrap();
        tasks.extend(start(&db, &b).await.unwrap());
        let (mut on_a, mut on_b) = (a.subscribe(), b.subscribe());
        let user = Uuid::now_v7();

        a.invalidate_user(user);

        let seen = tokio::time::timeout(std::time::Duration::from_secs(5), on_b.recv())
            .await
            .expect("the other replica hears of it")
            .unwrap();
        assert_eq!(seen, ToolsChanged::User(user));
        // The publishing replica applied it once, not again from its own echo.
        assert_eq!(on_a.recv().await.unwrap(), ToolsChanged::User(user));
        b.invalidate_all();
        let seen = tokio::time::timeout(std::time::Duration::from_secs(5), on_a.recv())
            .await
            .expect("and the other way")
            .unwrap();
        assert_eq!(seen, ToolsChanged::Everyone);
        assert!(on_a.try_recv().is_err(), "no echo of its own change");
        for task in tasks {
            task.abort();
        }
    }
}
