//! `connections` table (vendor connections; secrets only in `secret_sealed`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tier: String,
    pub owner_id: Uuid,
    pub user_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub vendor: String,
    pub slug: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub settings: String,
    #[sea_orm(column_type = "Text")]
    pub secret_sealed: String,
    pub secret_hint: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub tools: Option<String>,
    pub status: String,
    pub last_checked_at: Option<TimeDateTimeWithTimeZone>,
    pub last_check_class: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_check_message: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_by_name: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
