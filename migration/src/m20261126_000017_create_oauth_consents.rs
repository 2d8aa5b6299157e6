//! `oauth_consents`: which MCP clients each user approved, with which scopes (security.md AS-10,
//! MCP-2). Revoking one (Settings → Authorized apps) revokes the client's grants of that user.

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
                    .table(OauthConsents::Table)
                    .col(ColumnDef::new(OauthConsents::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(OauthConsents::ClientId)
                            .string_len(1000)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthConsents::Scopes)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthConsents::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OauthConsents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthConsents::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(OauthConsents::UserId)
                            .col(OauthConsents::ClientId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_consents_user")
                            .from(OauthConsents::Table, OauthConsents::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OauthConsents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum OauthConsents {
    Table,
    UserId,
    ClientId,
    Scopes,
    LastUsedAt,
    CreatedAt,
    UpdatedAt,
}
