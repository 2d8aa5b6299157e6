//! `oauth_grants`: one per authorization (a code and every token that descends from it — the
//! refresh-token family), or per service-client token. Revoking the grant revokes them all.

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
                    .table(OauthGrants::Table)
                    .col(
                        ColumnDef::new(OauthGrants::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OauthGrants::ClientId)
                            .string_len(1000)
                            .not_null(),
                    )
                    .col(ColumnDef::new(OauthGrants::UserId).uuid().null())
                    .col(ColumnDef::new(OauthGrants::OrganizationId).uuid().null())
                    .col(
                        ColumnDef::new(OauthGrants::Scopes)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthGrants::Resource)
                            .string_len(1000)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthGrants::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OauthGrants::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OauthGrants::RevokedReason)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OauthGrants::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthGrants::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_grants_user")
                            .from(OauthGrants::Table, OauthGrants::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_grants_organization")
                            .from(OauthGrants::Table, OauthGrants::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_oauth_grants_user")
                    .table(OauthGrants::Table)
                    .col(OauthGrants::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_oauth_grants_client")
                    .table(OauthGrants::Table)
                    .col(OauthGrants::ClientId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OauthGrants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum OauthGrants {
    Table,
    Id,
    ClientId,
    UserId,
    OrganizationId,
    Scopes,
    Resource,
    LastUsedAt,
    RevokedAt,
    RevokedReason,
    CreatedAt,
    UpdatedAt,
}
