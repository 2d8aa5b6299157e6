//! `vendor_oauth_states`: vendor consent flows in progress (a Microsoft 365 connection being
//! connected or reconnected). The `state` sent to the vendor is stored only as its SHA-256, is
//! single use (the callback deletes the row, and only the request that deleted it goes on),
//! expires after 10 minutes and is bound to the user who started it and to the connection
//! (a new connection's id is chosen at the start). The PKCE verifier is sealed by the vault
//! under the user's data key.

use sea_orm_migration::prelude::*;

use crate::m20261126_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ts = |c: VendorOauthStates| {
            ColumnDef::new(c)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(VendorOauthStates::Table)
                    .col(
                        ColumnDef::new(VendorOauthStates::StateHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(VendorOauthStates::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(VendorOauthStates::ConnectionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(VendorOauthStates::Reconnect)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(VendorOauthStates::Vendor)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(VendorOauthStates::Tier)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(VendorOauthStates::TeamId).uuid().null())
                    .col(
                        ColumnDef::new(VendorOauthStates::Slug)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(VendorOauthStates::Name)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(VendorOauthStates::Settings)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(VendorOauthStates::VerifierSealed)
                            .text()
                            .not_null(),
                    )
                    .col(ts(VendorOauthStates::ExpiresAt))
                    .col(ts(VendorOauthStates::CreatedAt))
                    .col(ts(VendorOauthStates::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_vendor_oauth_states_user")
                            .from(VendorOauthStates::Table, VendorOauthStates::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_vendor_oauth_states_expires_at")
                    .table(VendorOauthStates::Table)
                    .col(VendorOauthStates::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(VendorOauthStates::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum VendorOauthStates {
    Table,
    StateHash,
    UserId,
    ConnectionId,
    Reconnect,
    Vendor,
    Tier,
    TeamId,
    Slug,
    Name,
    Settings,
    VerifierSealed,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
}
