//! `tool_calls` table (one row per MCP `tools/call`; no arguments, no results).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tool_calls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub client_id: String,
    pub connection_id: Option<Uuid>,
    pub connection_slug: Option<String>,
    pub tier: Option<String>,
    pub vendor: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub tool_name: String,
    pub outcome: String,
    pub duration_ms: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
