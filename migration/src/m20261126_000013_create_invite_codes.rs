//! `invite_codes`: codes operators hand out; entered when creating an organisation (or later by
//! its owner) they make it Pro. Stored as SHA-256 only; the code is shown once, at creation.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InviteCodes::Table)
                    .col(
                        ColumnDef::new(InviteCodes::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(InviteCodes::CodeHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(InviteCodes::Label)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(InviteCodes::MaxUses).integer().null())
                    .col(
                        ColumnDef::new(InviteCodes::Uses)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(InviteCodes::CreatedBy)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InviteCodes::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(InviteCodes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InviteCodes::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InviteCodes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum InviteCodes {
    Table,
    Id,
    CodeHash,
    Label,
    MaxUses,
    Uses,
    CreatedBy,
    RevokedAt,
    CreatedAt,
    UpdatedAt,
}
