//! `invitations` table (invite links; the token is stored as its SHA-256).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub token_hash: String,
    pub role: String,
    pub team_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub inviter_name: String,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
