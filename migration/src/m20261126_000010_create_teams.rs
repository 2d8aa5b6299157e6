//! `teams`: departments inside an organisation; they scope shared credentials and tool access.

use sea_orm_migration::prelude::*;

use crate::m20261126_000008_create_organizations::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Teams::Table)
                    .col(ColumnDef::new(Teams::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Teams::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(Teams::Name).string_len(100).not_null())
                    // Lower-cased name: names are unique per organisation regardless of case.
                    .col(ColumnDef::new(Teams::NameKey).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Teams::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Teams::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_teams_organization")
                            .from(Teams::Table, Teams::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_teams_organization_name")
                    .table(Teams::Table)
                    .col(Teams::OrganizationId)
                    .col(Teams::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Teams::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Teams {
    Table,
    Id,
    OrganizationId,
    Name,
    NameKey,
    CreatedAt,
    UpdatedAt,
}
