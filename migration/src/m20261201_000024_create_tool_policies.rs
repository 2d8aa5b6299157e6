//! `tool_policies`: an organisation's tool allowlists, one row per (subject, vendor). The
//! subject is the whole organisation, one of its teams, or a role (`member`, `admin`; owners
//! are never restricted). `allowed_tools` is a JSON array of tool names. `subject_key` is
//! `organization`, `team:<id>` or `role:<role>`, so one unique index covers every subject.
//! `organizations.tool_default` (`allow` | `deny`) says what a vendor without an
//! organisation-wide list allows.

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
                    .table(ToolPolicies::Table)
                    .col(
                        ColumnDef::new(ToolPolicies::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ToolPolicies::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ToolPolicies::SubjectKey)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ToolPolicies::Vendor)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ToolPolicies::AllowedTools).text().not_null())
                    .col(
                        ColumnDef::new(ToolPolicies::UpdatedBy)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ToolPolicies::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ToolPolicies::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tool_policies_organization")
                            .from(ToolPolicies::Table, ToolPolicies::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_tool_policies_subject_vendor")
                    .table(ToolPolicies::Table)
                    .col(ToolPolicies::OrganizationId)
                    .col(ToolPolicies::SubjectKey)
                    .col(ToolPolicies::Vendor)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .add_column(
                        ColumnDef::new(OrganizationsToolDefault::ToolDefault)
                            .string_len(8)
                            .not_null()
                            .default("allow"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .drop_column(OrganizationsToolDefault::ToolDefault)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ToolPolicies::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ToolPolicies {
    Table,
    Id,
    OrganizationId,
    SubjectKey,
    Vendor,
    AllowedTools,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrganizationsToolDefault {
    ToolDefault,
}
