//! `oauth_tokens` table (access and refresh tokens, hashed).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub grant_id: Uuid,
    pub kind: String,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub rotated_at: Option<TimeDateTimeWithTimeZone>,
    #[sea_orm(column_type = "Text", nullable)]
    pub successor_sealed: Option<String>,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
    /// Access tokens only: narrower scopes than the grant's (a refresh asked for fewer).
    pub scopes: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
