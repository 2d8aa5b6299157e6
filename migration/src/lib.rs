//! Database migrations of the MCP gateway, for SQLite and PostgreSQL alike.
//!
//! Rules (docs/architecture.md): one change per file, named `mYYYYMMDD_HHMMSS_<verb>_<object>.rs`;
//! never edit a migration once released — add a new one; every table has `created_at`/`updated_at`.
//! They run at start (`mcp-gateway serve`), on demand (`mcp-gateway migrate`) and under every test.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_users;
mod m20261126_000002_create_user_identities;
mod m20261126_000003_create_entra_tenants;
mod m20261126_000004_create_tenant_onboardings;
mod m20261126_000005_create_operator_grants;
mod m20261126_000006_create_audit_events;
mod m20261126_000007_add_users_sessions_not_before;

/// The ordered list of every migration.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_users::Migration),
            Box::new(m20261126_000002_create_user_identities::Migration),
            Box::new(m20261126_000003_create_entra_tenants::Migration),
            Box::new(m20261126_000004_create_tenant_onboardings::Migration),
            Box::new(m20261126_000005_create_operator_grants::Migration),
            Box::new(m20261126_000006_create_audit_events::Migration),
            Box::new(m20261126_000007_add_users_sessions_not_before::Migration),
        ]
    }
}
