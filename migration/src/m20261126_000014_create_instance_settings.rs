//! `instance_settings`: settings operators change at run time (e.g. `default_plan`), overriding
//! the configuration file's value.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InstanceSettings::Table)
                    .col(
                        ColumnDef::new(InstanceSettings::Key)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(InstanceSettings::Value)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InstanceSettings::UpdatedBy)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InstanceSettings::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InstanceSettings::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InstanceSettings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum InstanceSettings {
    Table,
    Key,
    Value,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}
