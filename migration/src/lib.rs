//! Database migrations of the MCP gateway, for SQLite and PostgreSQL alike.
//!
//! Rules (docs/architecture.md): one change per file, named `mYYYYMMDD_HHMMSS_<verb>_<object>.rs`;
//! never edit a migration once released — add a new one; every table has `created_at`/`updated_at`.
//! They run at start (`mcp-gateway serve`), on demand (`mcp-gateway migrate`) and under every test.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_users;
mod m20261126_000002_create_user_identities;

/// The ordered list of every migration.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_users::Migration),
            Box::new(m20261126_000002_create_user_identities::Migration),
        ]
    }
}
