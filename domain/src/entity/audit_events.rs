//! `audit_events` table (insert-only).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occurred_at: TimeDateTimeWithTimeZone,
    pub actor_user_id: Option<Uuid>,
    pub actor: String,
    pub organization_id: Option<Uuid>,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: Option<String>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
