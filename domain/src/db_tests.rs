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
