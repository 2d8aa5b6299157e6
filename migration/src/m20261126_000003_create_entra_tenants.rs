//! `entra_tenants`: Microsoft Entra tenants that completed admin-consent onboarding. Only users of
//! a tenant with status `onboarded` may sign in (security.md OIDC-4); offboarding keeps the row
//! (status `offboarded`, who and when) so the history stays readable.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EntraTenants::Table)
                    .col(
                        ColumnDef::new(EntraTenants::TenantId)
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(EntraTenants::CustomerName)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EntraTenants::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EntraTenants::OnboardedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EntraTenants::OnboardedBy)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EntraTenants::OffboardedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(EntraTenants::OffboardedBy)
                            .string_len(400)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(EntraTenants::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EntraTenants::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EntraTenants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum EntraTenants {
    Table,
    TenantId,
    CustomerName,
    Status,
    OnboardedAt,
    OnboardedBy,
    OffboardedAt,
    OffboardedBy,
    CreatedAt,
    UpdatedAt,
}
