//! `oauth_tokens`: access and refresh tokens, stored as SHA-256 only. A refresh token is used
//! once (`rotated_at`, conditional update); its successor's response is kept sealed (AES-GCM
//! under the master key) for the grace window only, so a client that lost the response gets the
//! same successor back.

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
                    .table(OauthTokens::Table)
                    .col(
                        ColumnDef::new(OauthTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(OauthTokens::GrantId).uuid().not_null())
                    .col(ColumnDef::new(OauthTokens::Kind).string_len(16).not_null())
                    .col(
                        ColumnDef::new(OauthTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthTokens::RotatedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(OauthTokens::SuccessorSealed).text().null())
                    .col(
                        ColumnDef::new(OauthTokens::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OauthTokens::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthTokens::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_tokens_grant")
                            .from(OauthTokens::Table, OauthTokens::GrantId)
                            .to(OauthGrants::Table, OauthGrants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_oauth_tokens_grant")
                    .table(OauthTokens::Table)
                    .col(OauthTokens::GrantId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OauthTokens::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum OauthTokens {
    Table,
    TokenHash,
    GrantId,
    Kind,
    ExpiresAt,
    RotatedAt,
    SuccessorSealed,
    RevokedAt,
    CreatedAt,
    UpdatedAt,
}
