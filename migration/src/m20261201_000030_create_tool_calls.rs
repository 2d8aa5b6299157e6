//! `tool_calls`: one row per MCP `tools/call` (usage and audit of tool use): when, who (user,
//! organisation, MCP client), through which connection (id, slug, tier, vendor), which tool, the
//! outcome class and the duration. Never the arguments or the result.
//!
//! `client_id` and `tool_name` are text: client ids may be metadata-document URLs and tool names
//! are whatever the client sent (the recorder caps them), and one over-long value must never fail
//! a batch. No foreign keys on purpose: rows are written in batches off the request path, and a batch must
//! not fail because a connection or user was deleted in the meantime; the history outlives them
//! and is purged by age (`domain::usage::purge_older_than`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ToolCalls::Table)
                    .col(
                        ColumnDef::new(ToolCalls::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ToolCalls::UserId).uuid().null())
                    .col(ColumnDef::new(ToolCalls::OrganizationId).uuid().null())
                    .col(ColumnDef::new(ToolCalls::ClientId).text().not_null())
                    .col(ColumnDef::new(ToolCalls::ConnectionId).uuid().null())
                    .col(
                        ColumnDef::new(ToolCalls::ConnectionSlug)
                            .string_len(64)
                            .null(),
                    )
                    .col(ColumnDef::new(ToolCalls::Tier).string_len(16).null())
                    .col(ColumnDef::new(ToolCalls::Vendor).string_len(64).null())
                    .col(ColumnDef::new(ToolCalls::ToolName).text().not_null())
                    .col(ColumnDef::new(ToolCalls::Outcome).string_len(32).not_null())
                    .col(ColumnDef::new(ToolCalls::DurationMs).integer().not_null())
                    .col(
                        ColumnDef::new(ToolCalls::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ToolCalls::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_tool_calls_organization_created")
                    .table(ToolCalls::Table)
                    .col(ToolCalls::OrganizationId)
                    .col(ToolCalls::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_tool_calls_created")
                    .table(ToolCalls::Table)
                    .col(ToolCalls::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ToolCalls::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ToolCalls {
    Table,
    Id,
    UserId,
    OrganizationId,
    ClientId,
    ConnectionId,
    ConnectionSlug,
    Tier,
    Vendor,
    ToolName,
    Outcome,
    DurationMs,
    CreatedAt,
    UpdatedAt,
}
