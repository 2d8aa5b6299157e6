//! `users` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub display_name: String,
    pub email: Option<String>,
    /// Whether the identity provider vouched for `email` (display only, never matched).
    pub email_verified: bool,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub last_seen_at: Option<TimeDateTimeWithTimeZone>,
    pub sessions_not_before: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::user_identities::Entity")]
    UserIdentities,
}

impl Related<super::user_identities::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UserIdentities.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
