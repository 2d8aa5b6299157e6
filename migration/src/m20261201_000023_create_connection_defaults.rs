//! `connection_defaults`: a user's choice of connection for a slug that several of their teams
//! offer (personal beats shared, and organisation is the last resort; between teams, the user
//! decides).

use sea_orm_migration::prelude::*;

use crate::{
    m20261126_000001_create_users::Users, m20261201_000022_create_connections::Connections,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ConnectionDefaults::Table)
                    .col(ColumnDef::new(ConnectionDefaults::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(ConnectionDefaults::Slug)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ConnectionDefaults::ConnectionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ConnectionDefaults::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ConnectionDefaults::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ConnectionDefaults::UserId)
                            .col(ConnectionDefaults::Slug),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_connection_defaults_user")
                            .from(ConnectionDefaults::Table, ConnectionDefaults::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_connection_defaults_connection")
                            .from(ConnectionDefaults::Table, ConnectionDefaults::ConnectionId)
                            .to(Connections::Table, Connections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConnectionDefaults::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ConnectionDefaults {
    Table,
    UserId,
    Slug,
    ConnectionId,
    CreatedAt,
    UpdatedAt,
}
