//! `oauth_clients.grant_types`: the grant types a dynamically registered client asked for (RFC 7591
//! §2, a JSON array), enforced at `/token`. `NULL` (rows registered before this column) means the
//! default of the client's kind.

use sea_orm_migration::prelude::*;

use crate::m20261126_000016_create_oauth_clients::OauthClients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OauthClients::Table)
                    .add_column(ColumnDef::new(Added::GrantTypes).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OauthClients::Table)
                    .drop_column(Added::GrantTypes)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Added {
    GrantTypes,
}
