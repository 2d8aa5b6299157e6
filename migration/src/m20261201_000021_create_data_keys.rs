//! `data_keys`: the vault's data-encryption keys (security.md VAULT-1…3), one per scope (a user,
//! a team or an organisation), stored only wrapped by the master key (the key-encryption key,
//! which never enters the database). `kek_id` names the master key a row is wrapped under, so a
//! rotation finds the rows still under the previous key; `wrapped` is `nonce || AES-256-GCM`.
//! The unique (scope_kind, scope_id) index makes two concurrent first seals of a scope end with
//! one key. Deleting a row is crypto-shredding: what was sealed under it cannot be read again.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DataKeys::Table)
                    .col(ColumnDef::new(DataKeys::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(DataKeys::ScopeKind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(DataKeys::ScopeId).uuid().not_null())
                    .col(ColumnDef::new(DataKeys::KekId).string_len(64).not_null())
                    .col(ColumnDef::new(DataKeys::Wrapped).blob().not_null())
                    .col(
                        ColumnDef::new(DataKeys::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(DataKeys::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_data_keys_scope")
                    .table(DataKeys::Table)
                    .col(DataKeys::ScopeKind)
                    .col(DataKeys::ScopeId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Rotation scans for rows not under the current master key.
        manager
            .create_index(
                Index::create()
                    .name("ix_data_keys_kek_id")
                    .table(DataKeys::Table)
                    .col(DataKeys::KekId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DataKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum DataKeys {
    Table,
    Id,
    ScopeKind,
    ScopeId,
    KekId,
    Wrapped,
    CreatedAt,
    UpdatedAt,
}
