//! `oauth_codes`: authorization codes, stored as SHA-256, single use (`used_at` set by a
//! conditional update), bound to their grant, redirect URI and PKCE challenge.

use sea_orm_migration::prelude::*;

use crate::m20261126_000018_create_oauth_grants::OauthGrants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OauthCodes::Table)
                    .col(
                        ColumnDef::new(OauthCodes::CodeHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(OauthCodes::GrantId).uuid().not_null())
                    .col(
                        ColumnDef::new(OauthCodes::RedirectUri)
                            .string_len(2000)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthCodes::CodeChallenge)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthCodes::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthCodes::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OauthCodes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthCodes::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_codes_grant")
                            .from(OauthCodes::Table, OauthCodes::GrantId)
                            .to(OauthGrants::Table, OauthGrants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OauthCodes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum OauthCodes {
    Table,
    CodeHash,
    GrantId,
    RedirectUri,
    CodeChallenge,
    ExpiresAt,
    UsedAt,
    CreatedAt,
    UpdatedAt,
}
