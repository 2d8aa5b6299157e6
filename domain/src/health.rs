//! Readiness: the database answers and every migration of this build is applied.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::db;

/// Longest a readiness probe waits for the database.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Outcome of a readiness check; each variant says why the gateway should not receive traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Serving.
    Ready,
    /// The database did not answer within [`PROBE_TIMEOUT`] or returned an error.
    DatabaseUnreachable,
    /// The schema is older than this build (run `mcp-gateway migrate`).
    MigrationsPending(usize),
    /// Shutting down: finishing in-flight requests.
    Draining,
}

/// Checks the database and migrations (never vendor APIs or identity providers: their outage must
/// not take the gateway out of rotation).
pub async fn check(db: &DatabaseConnection, draining: bool) -> Readiness {
    if draining {
        return Readiness::Draining;
    }
    let probe = async {
        db.ping().await?;
        db::pending_migrations(db)
            .await
            .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))
    };
    match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(pending)) if pending.is_empty() => Readiness::Ready,
        Ok(Ok(pending)) => Readiness::MigrationsPending(pending.len()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            Readiness::DatabaseUnreachable
        }
        Err(_) => {
            tracing::warn!("readiness: database check timed out");
            Readiness::DatabaseUnreachable
        }
    }
}
