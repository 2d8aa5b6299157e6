//! `oauth_clients`: MCP clients known to the gateway's authorization server — registered
//! dynamically (RFC 7591, `dynamic`), fetched Client ID Metadata Documents (`metadata`, cached
//! until `metadata_expires_at`) and organisations' service clients (`service`, `svc_…`). Clients
//! pre-registered in the configuration are not stored. Secrets are stored as SHA-256 only.

use sea_orm_migration::prelude::*;

use crate::{
    m20261126_000001_create_users::Users, m20261126_000008_create_organizations::Organizations,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OauthClients::Table)
                    .col(
                        ColumnDef::new(OauthClients::Id)
                            .string_len(1000)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(OauthClients::Kind).string_len(16).not_null())
                    .col(
                        ColumnDef::new(OauthClients::Name)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(OauthClients::RedirectUris).text().not_null())
                    .col(
                        ColumnDef::new(OauthClients::TokenEndpointAuthMethod)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthClients::SecretHash)
                            .string_len(64)
                            .null(),
                    )
                    .col(ColumnDef::new(OauthClients::OrganizationId).uuid().null())
                    .col(ColumnDef::new(OauthClients::CreatedBy).uuid().null())
                    .col(
                        ColumnDef::new(OauthClients::MetadataExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OauthClients::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OauthClients::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthClients::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_clients_organization")
                            .from(OauthClients::Table, OauthClients::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_clients_created_by")
                            .from(OauthClients::Table, OauthClients::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OauthClients::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum OauthClients {
    Table,
    Id,
    Kind,
    Name,
    RedirectUris,
    TokenEndpointAuthMethod,
    SecretHash,
    OrganizationId,
    CreatedBy,
    MetadataExpiresAt,
    LastUsedAt,
    CreatedAt,
    UpdatedAt,
}
