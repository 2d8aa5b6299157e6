//! `tenant_onboardings.status` grows from 16 to 32 characters for `awaiting_approval` (operator-
//! approved onboarding). SQLite does not enforce `varchar` lengths and cannot alter a column, so
//! only PostgreSQL changes.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Sets the column's length on PostgreSQL (nothing to do on SQLite).
async fn status_length(manager: &SchemaManager<'_>, length: u32) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    manager
        .alter_table(
            Table::alter()
                .table(TenantOnboardings::Table)
                .modify_column(
                    ColumnDef::new(TenantOnboardings::Status)
                        .string_len(length)
                        .not_null(),
                )
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        status_length(manager, 32).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        status_length(manager, 16).await
    }
}

#[derive(DeriveIden)]
enum TenantOnboardings {
    Table,
    Status,
}
