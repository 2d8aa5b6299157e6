//! Test support: a fresh database per test, built by the real migrations, on the backend the
//! test run asks for (security-relevant behaviour must hold on SQLite and PostgreSQL alike).
//!
//! `TEST_DATABASE_URL` unset → a new SQLite file in a temporary directory.
//! `TEST_DATABASE_URL=postgres://user:pw@host:port/postgres` → a new database `gw_test_<uuid>` on
//! that server (the test command starts a throwaway cluster and removes it afterwards).

use std::ops::Deref;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use secrecy::SecretString;
use url::Url;

use crate::{config::DatabaseSettings, db};

/// A migrated database that lives as long as this value.
pub struct TestDb {
    /// The connection.
    pub db: DatabaseConnection,
    /// Settings that reach the same database (to start a server on it).
    pub settings_url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Deref for TestDb {
    type Target = DatabaseConnection;
    fn deref(&self) -> &DatabaseConnection {
        &self.db
    }
}

impl TestDb {
    /// Database settings pointing at this database.
    pub fn database_settings(&self) -> DatabaseSettings {
        DatabaseSettings {
            url: SecretString::from(self.settings_url.clone()),
            max_connections: 5,
        }
    }
}

/// Which backend this test run uses, for messages.
pub fn backend() -> &'static str {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => "postgres",
        _ => "sqlite",
    }
}

/// A fresh, fully migrated database.
///
/// # Panics
/// When the database cannot be created: a test must fail, never silently skip, if the backend
/// it was asked to run on is unavailable.
#[allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test support: failing loudly is the point"
)]
pub async fn test_db() -> TestDb {
    let (settings_url, dir) = match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            (create_postgres_database(&admin_url).await, None)
        }
        Ok(other) if !other.is_empty() => panic!(
            "TEST_DATABASE_URL must be a postgres:// URL, got scheme {:?}",
            other.split(':').next()
        ),
        _ => {
            let dir = tempfile::tempdir().expect("temporary directory");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, Some(dir))
        }
    };
    let settings = DatabaseSettings {
        url: SecretString::from(settings_url.clone()),
        max_connections: 5,
    };
    let db = db::connect(&settings)
        .await
        .expect("connect to the test database");
    db::migrate(&db).await.expect("migrate the test database");
    TestDb {
        db,
        settings_url,
        _dir: dir,
    }
}

#[allow(clippy::expect_used, reason = "test support")]
async fn create_postgres_database(admin_url: &str) -> String {
    let name = format!("gw_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    admin
        .execute(Statement::from_string(
            admin.get_database_backend(),
            format!("CREATE DATABASE \"{name}\""),
        ))
        .await
        .expect("create a test database");
    admin.close().await.expect("close the admin connection");
    let mut url = Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}
