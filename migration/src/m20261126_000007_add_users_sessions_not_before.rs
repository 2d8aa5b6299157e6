//! `users.sessions_not_before`: portal sessions signed in at or before this instant are no longer
//! valid ("sign out everywhere", tenant offboarding). Checked on every request, so it takes effect
//! at once on every replica.

use sea_orm_migration::prelude::*;

use crate::m20261126_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(SessionsNotBefore::SessionsNotBefore)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(SessionsNotBefore::SessionsNotBefore)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum SessionsNotBefore {
    SessionsNotBefore,
}
