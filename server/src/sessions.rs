//! Portal sessions: tower-sessions backed by the database (SQLite or PostgreSQL, same pool as
//! sea-orm), so a restart — or another replica — keeps everyone signed in.
//!
//! Cookie (security.md WEB-1): `HttpOnly`, `SameSite=Lax` (the redirect back from an identity
//! provider must carry it), `Path=/`, no `Domain`; when the public URL is https it is also `Secure`
//! and named with the `__Host-` prefix. On plain http — accepted by the configuration only for a
//! loopback public URL — it is neither (browsers refuse `Secure`/`__Host-` cookies over http).

use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use domain::config::Settings;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};
use tokio::task::JoinHandle;
use tower_sessions::{
    cookie::SameSite, session_store::ExpiredDeletion, Expiry, SessionManagerLayer, SessionStore,
};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// Cookie name over https (the `__Host-` prefix pins it to this origin, Secure, Path=/).
pub const SECURE_COOKIE_NAME: &str = "__Host-mcpgw_session";
/// Cookie name over plain http on loopback (development only).
pub const PLAIN_COOKIE_NAME: &str = "mcpgw_session";
/// How often expired sessions are purged from the store.
const PURGE_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// The cookie name for these settings.
pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.public_url.is_https() {
        SECURE_COOKIE_NAME
    } else {
        PLAIN_COOKIE_NAME
    }
}

/// Wraps `router` in the session layer for the database's backend, after creating the session
/// table; returns the router and the background task purging expired sessions.
pub async fn layer<S>(
    router: Router<S>,
    db: &DatabaseConnection,
    settings: &Settings,
) -> anyhow::Result<(Router<S>, JoinHandle<()>)>
where
    S: Clone + Send + Sync + 'static,
{
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let store = SqliteStore::new(db.get_sqlite_connection_pool().clone());
            store
                .migrate()
                .await
                .context("Failed to create the session table")?;
            Ok(apply(router, store, settings))
        }
        DatabaseBackend::Postgres => {
            let store = PostgresStore::new(db.get_postgres_connection_pool().clone());
            store
                .migrate()
                .await
                .context("Failed to create the session table")?;
            Ok(apply(router, store, settings))
        }
        DatabaseBackend::MySql => anyhow::bail!("MySQL is not supported"),
    }
}

fn apply<S, Store>(
    router: Router<S>,
    store: Store,
    settings: &Settings,
) -> (Router<S>, JoinHandle<()>)
where
    S: Clone + Send + Sync + 'static,
    Store: SessionStore + ExpiredDeletion + Clone,
{
    let purge = tokio::spawn({
        let store = store.clone();
        async move {
            if let Err(e) = store.continuously_delete_expired(PURGE_INTERVAL).await {
                tracing::error!(error = %e, "purging expired sessions stopped");
            }
        }
    });
    let idle = time::Duration::try_from(settings.session.idle_timeout)
        .unwrap_or(time::Duration::hours(12));
    let layer = SessionManagerLayer::new(store)
        .with_name(cookie_name(settings))
        .with_secure(settings.public_url.is_https())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        // Idle timeout: the expiry moves forward on every request of a signed-in session, so the
        // record must be saved each time (the absolute lifetime is checked in `middleware::session`).
        .with_expiry(Expiry::OnInactivity(idle))
        .with_always_save(true);
    (router.layer(layer), purge)
}
