//! `operator_grants`: platform administrators (operators) granted with `mcp-gateway admin grant`.
//! Operators listed in the configuration are not stored here; both count.

use sea_orm_migration::prelude::*;

use crate::m20261126_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OperatorGrants::Table)
                    .col(
                        ColumnDef::new(OperatorGrants::UserId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OperatorGrants::GrantedBy)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OperatorGrants::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OperatorGrants::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_operator_grants_user")
                            .from(OperatorGrants::Table, OperatorGrants::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OperatorGrants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OperatorGrants {
    Table,
    UserId,
    GrantedBy,
    CreatedAt,
    UpdatedAt,
}
