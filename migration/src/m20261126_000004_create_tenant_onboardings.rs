//! `tenant_onboardings`: admin-consent attempts. A row is created when the consent link is
//! opened (`started`), moves to `consented` when Microsoft's callback reports success for a tenant,
//! and to `completed` only when that tenant's administrator has signed in (the callback alone
//! proves nothing, security.md OIDC-5) — or to `failed` with Microsoft's error. The `state` sent to
//! Microsoft is stored only as its SHA-256 hash.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TenantOnboardings::Table)
                    .col(
                        ColumnDef::new(TenantOnboardings::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(TenantOnboardings::CustomerName)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantOnboardings::StateHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(TenantOnboardings::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantOnboardings::TenantId)
                            .string_len(36)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(TenantOnboardings::Error)
                            .string_len(1000)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(TenantOnboardings::CompletedBy)
                            .string_len(400)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(TenantOnboardings::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantOnboardings::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantOnboardings::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TenantOnboardings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TenantOnboardings {
    Table,
    Id,
    CustomerName,
    StateHash,
    Status,
    TenantId,
    Error,
    CompletedBy,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
}
