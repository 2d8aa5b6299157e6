//! `oauth_clients` table (MCP clients: dynamic, metadata documents, service clients).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub kind: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub redirect_uris: String,
    pub token_endpoint_auth_method: String,
    pub secret_hash: Option<String>,
    pub organization_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub metadata_expires_at: Option<TimeDateTimeWithTimeZone>,
    pub last_used_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// JSON array of RFC 7591 grant types; `None` = the default of `kind`.
    #[sea_orm(column_type = "Text", nullable)]
    pub grant_types: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
