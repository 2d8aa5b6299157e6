//! Database connections (SQLite or PostgreSQL, one sqlx pool shared by sea-orm and the session
//! store), migrations and the readiness check.

use std::{str::FromStr, time::Duration};

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, SqlxPostgresConnector,
    SqlxSqliteConnector,
};
use secrecy::ExposeSecret;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use crate::config::DatabaseSettings;

/// How long a request waits for a pooled connection before failing (instead of queueing forever).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Upper bound for any one statement on PostgreSQL (REL-7); SQLite waits at most this long for a lock.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(15);

/// Opens the pool for the configured database. The SQLite file and its directory are created.
pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    let url = settings.url.expose_secret();
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)
            .context("DATABASE_URL is not a valid sqlite URL")?
            // WAL lets readers proceed while one writer commits; NORMAL is durable under WAL.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(STATEMENT_TIMEOUT)
            .foreign_keys(true);
        if let Some(parent) = options
            .get_filename()
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).with_context(|| {
                format!(
                    "Failed to create the database directory {}",
                    parent.display()
                )
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .context("Failed to open the SQLite database")?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    } else {
        let options = PgConnectOptions::from_str(url)
            .context("DATABASE_URL is not a valid postgres URL")?
            .options([(
                "statement_timeout",
                format!("{}s", STATEMENT_TIMEOUT.as_secs()),
            )])
            .application_name("mcp-gateway");
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .context("Failed to connect to PostgreSQL")?;
        Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
    }
}

/// Applies every pending migration.
///
/// On PostgreSQL, replicas starting together take turns: each holds a session-level advisory
/// lock (on its own pooled connection) while it migrates, so the second finds nothing pending
/// instead of failing on tables the first is creating. SQLite serves one process only.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Migrator::up(db, None)
            .await
            .context("Failed to apply database migrations");
    }
    let mut lock = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .context("Failed to take a connection for the migration lock")?;
    let waited_since = std::time::Instant::now();
    // A try-lock loop, not `pg_advisory_lock`: the pool's statement timeout would cut a long
    // wait short, and a crashed holder's lock goes with its connection anyway.
    loop {
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(MIGRATION_LOCK_KEY)
            .fetch_one(&mut *lock)
            .await
            .context("Failed to ask for the migration lock")?;
        if got {
            break;
        }
        if waited_since.elapsed() > MIGRATION_LOCK_WAIT {
            anyhow::bail!(
                "Another gateway has been applying migrations for over {} s; \
                 start this one again when it has finished",
                MIGRATION_LOCK_WAIT.as_secs()
            );
        }
        tracing::info!("waiting for another gateway to finish applying migrations");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let result = Migrator::up(db, None)
        .await
        .context("Failed to apply database migrations");
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK_KEY)
        .execute(&mut *lock)
        .await;
    if unlocked.is_err() {
        // Never hand a connection that may still hold the lock back to the pool.
        lock.detach();
    }
    result
}

/// The advisory-lock key replicas agree on while migrating (an arbitrary constant: "mcpg").
const MIGRATION_LOCK_KEY: i64 = 0x6d63_7067;
/// How long a starting replica waits for another one's migrations.
const MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(600);

/// Names of migrations known to this build but not yet applied.
pub async fn pending_migrations(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    let pending = Migrator::get_pending_migrations(db)
        .await
        .context("Failed to read the migration table")?;
    Ok(pending.iter().map(|m| m.name().to_owned()).collect())
}

/// A short human name of the backend for logs.
pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => "sqlite",
        DatabaseBackend::Postgres => "postgres",
        DatabaseBackend::MySql => "mysql",
    }
}

#[cfg(test)]
#[path = "db_tests.rs"]
mod tests;
