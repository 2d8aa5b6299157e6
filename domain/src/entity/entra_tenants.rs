//! `entra_tenants` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entra_tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    pub customer_name: String,
    pub status: String,
    pub onboarded_at: TimeDateTimeWithTimeZone,
    pub onboarded_by: String,
    pub offboarded_at: Option<TimeDateTimeWithTimeZone>,
    pub offboarded_by: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
