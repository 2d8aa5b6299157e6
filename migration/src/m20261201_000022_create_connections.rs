//! `connections`: vendor connections. One row is one stored credential of one tier:
//! personal (`user_id`), team (`team_id` + `organization_id`) or organisation
//! (`organization_id`); `owner_id` repeats whichever of the three owns it so one unique index
//! keeps a connection slug unique per owner. Secrets live only in `secret_sealed` (vault
//! envelope, bound to the row by its associated data); `settings` holds the non-secret form
//! fields. Deleting the owning user, team or organisation deletes the row (the vault destroys
//! the owner's data key as well).

use sea_orm_migration::prelude::*;

use crate::{
    m20261126_000001_create_users::Users, m20261126_000008_create_organizations::Organizations,
    m20261126_000010_create_teams::Teams,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ts = |c: Connections| {
            ColumnDef::new(c)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        let ts_null = |c: Connections| {
            ColumnDef::new(c)
                .timestamp_with_time_zone()
                .null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(Connections::Table)
                    .col(
                        ColumnDef::new(Connections::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Connections::Tier).string_len(16).not_null())
                    .col(ColumnDef::new(Connections::OwnerId).uuid().not_null())
                    .col(ColumnDef::new(Connections::UserId).uuid().null())
                    .col(ColumnDef::new(Connections::TeamId).uuid().null())
                    .col(ColumnDef::new(Connections::OrganizationId).uuid().null())
                    .col(
                        ColumnDef::new(Connections::Vendor)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Connections::Slug).string_len(64).not_null())
                    .col(ColumnDef::new(Connections::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Connections::Settings).text().not_null())
                    .col(ColumnDef::new(Connections::SecretSealed).text().not_null())
                    .col(
                        ColumnDef::new(Connections::SecretHint)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Connections::Tools).text().null())
                    .col(
                        ColumnDef::new(Connections::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ts_null(Connections::LastCheckedAt))
                    .col(
                        ColumnDef::new(Connections::LastCheckClass)
                            .string_len(32)
                            .null(),
                    )
                    .col(ColumnDef::new(Connections::LastCheckMessage).text().null())
                    .col(ColumnDef::new(Connections::CreatedBy).uuid().null())
                    .col(
                        ColumnDef::new(Connections::CreatedByName)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ts(Connections::CreatedAt))
                    .col(ts(Connections::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_connections_user")
                            .from(Connections::Table, Connections::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_connections_team")
                            .from(Connections::Table, Connections::TeamId)
                            .to(Teams::Table, Teams::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_connections_organization")
                            .from(Connections::Table, Connections::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_connections_created_by")
                            .from(Connections::Table, Connections::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_connections_owner_slug")
                    .table(Connections::Table)
                    .col(Connections::Tier)
                    .col(Connections::OwnerId)
                    .col(Connections::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_connections_user", Connections::UserId),
            ("ix_connections_team", Connections::TeamId),
            ("ix_connections_organization", Connections::OrganizationId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Connections::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Connections::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Connections {
    Table,
    Id,
    Tier,
    OwnerId,
    UserId,
    TeamId,
    OrganizationId,
    Vendor,
    Slug,
    Name,
    Settings,
    SecretSealed,
    SecretHint,
    Tools,
    Status,
    LastCheckedAt,
    LastCheckClass,
    LastCheckMessage,
    CreatedBy,
    CreatedByName,
    CreatedAt,
    UpdatedAt,
}
