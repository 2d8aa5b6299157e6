#![allow(clippy::unwrap_used)]

use migration::{Migrator, MigratorTrait};

use super::*;
use crate::testing::test_db;

#[tokio::test]
async fn every_migration_can_be_rolled_back_and_reapplied() {
    let db = test_db().await;
    assert!(pending_migrations(&db).await.unwrap().is_empty());
    Migrator::down(&*db, None).await.unwrap();
    assert_eq!(
        pending_migrations(&db).await.unwrap().len(),
        Migrator::migrations().len()
    );
    migrate(&db).await.unwrap();
    assert!(pending_migrations(&db).await.unwrap().is_empty());
}

#[tokio::test]
async fn readiness_reports_pending_migrations_and_draining() {
    use crate::health::{check, Readiness};
    let db = test_db().await;
    assert_eq!(check(&db, false).await, Readiness::Ready);
    assert_eq!(check(&db, true).await, Readiness::Draining);
    Migrator::down(&*db, Some(1)).await.unwrap();
    assert_eq!(check(&db, false).await, Readiness::MigrationsPending(1));
}

#[tokio::test]
async fn replicas_starting_together_on_postgresql_both_migrate_cleanly() {
    // SQLite serves one process: two pools migrating one file at once is not a supported setup.
    if crate::testing::backend() != "postgres" {
        return;
    }
    // Arrange: an empty database (every migration rolled back) and two "replicas" on it.
    let first = test_db().await;
    Migrator::down(&*first, None).await.unwrap();
    let second = connect(&first.database_settings()).await.unwrap();
    // Act: both apply every migration at the same moment.
    let (a, b) = tokio::join!(migrate(&first), migrate(&second));
    // Assert: neither failed, and the schema is complete.
    a.unwrap();
    b.unwrap();
    assert!(pending_migrations(&first).await.unwrap().is_empty());
}
