//! `oauth_tokens.scopes`: the scopes of one access token when a refresh narrowed them (RFC 6749
//! §6); `NULL` means the grant's scopes. Refresh tokens keep the grant's scopes.

use sea_orm_migration::prelude::*;

use crate::m20261126_000020_create_oauth_tokens::OauthTokens;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OauthTokens::Table)
                    .add_column(ColumnDef::new(Added::Scopes).string_len(200).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OauthTokens::Table)
                    .drop_column(Added::Scopes)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Added {
    Scopes,
}
