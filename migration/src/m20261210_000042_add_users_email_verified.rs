//! `users.email_verified`: whether the identity provider vouched for `users.email` (Auth0
//! `email_verified`, Entra `xms_edov`). An unverified email is shown as such and never matched
//! against anything (security.md OIDC-3). Existing rows start unverified until the next sign-in.

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
                        ColumnDef::new(Added::EmailVerified)
                            .boolean()
                            .not_null()
                            .default(false),
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
                    .drop_column(Added::EmailVerified)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Added {
    EmailVerified,
}
