//! The `data_keys` table: finding a scope's data key (creating it on first use, race-free),
//! loading one by id through the cache, and the queries rotation and shredding need.

use std::{sync::Arc, time::Instant};

use sea_orm::{
    sea_query::OnConflict, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{cache::DataKey, keys, KeyScope, Vault, VaultError};
use crate::entity::data_keys;

impl Vault {
    /// The scope's data key for sealing: read the row (always — never seal under a key another
    /// replica destroyed), create it on the scope's first seal, unwrap it unless cached.
    pub(super) async fn scope_key<C: ConnectionTrait>(
        &self,
        db: &C,
        scope: KeyScope,
        now: OffsetDateTime,
    ) -> Result<(Uuid, DataKey), VaultError> {
        let row = match find_by_scope(db, scope).await? {
            Some(row) => row,
            None => match self.create_key(db, scope, now).await? {
                Created::Ours(dek_id, key) => return Ok((dek_id, key)),
                Created::Theirs(row) => row,
            },
        };
        if let Some((_, key)) = self.inner.cache.get(row.id, Instant::now()) {
            return Ok((row.id, key));
        }
        let key = self.unwrap_row(scope, &row)?;
        Ok((row.id, key))
    }

    /// The data key `dek_id` for opening a secret of `scope`: from the cache when fresh,
    /// otherwise from its row.
    pub(super) async fn key_by_id<C: ConnectionTrait>(
        &self,
        db: &C,
        scope: KeyScope,
        dek_id: Uuid,
    ) -> Result<DataKey, VaultError> {
        if let Some((cached_scope, key)) = self.inner.cache.get(dek_id, Instant::now()) {
            // A key of another scope cannot have sealed this context: refuse before decrypting.
            return if cached_scope == scope {
                Ok(key)
            } else {
                Err(VaultError::Integrity)
            };
        }
        let Some(row) = data_keys::Entity::find_by_id(dek_id).one(db).await? else {
            // Destroyed (possibly by another replica, and the scope may have a new key since:
            // values sealed under the old one still report the shredding, not tampering). A
            // forged id lands here too; whoever forged it learns nothing from the answer.
            self.inner.cache.remove(dek_id);
            return Err(VaultError::DataKeyMissing);
        };
        if row.scope_kind != scope.kind() || row.scope_id != scope.id() {
            return Err(VaultError::Integrity);
        }
        self.unwrap_row(scope, &row)
    }

    /// Unwraps a row under whichever configured master key it names, and caches the result.
    fn unwrap_row(&self, scope: KeyScope, row: &data_keys::Model) -> Result<DataKey, VaultError> {
        let kek = self.kek(&row.kek_id)?;
        let key = Arc::new(kek.unwrap(scope, row.id, &row.wrapped)?);
        self.inner
            .cache
            .insert(row.id, scope, Arc::clone(&key), Instant::now());
        Ok(key)
    }

    /// The configured master key with this id.
    pub(super) fn kek(&self, kek_id: &str) -> Result<&keys::Kek, VaultError> {
        let inner = &self.inner;
        std::iter::once(&inner.current)
            .chain(inner.previous.as_ref())
            .find(|kek| kek.id == kek_id)
            .ok_or_else(|| VaultError::UnknownKek {
                kek_id: kek_id.to_owned(),
            })
    }

    /// Inserts a new data key for `scope` unless one appeared meanwhile (unique scope index,
    /// `ON CONFLICT DO NOTHING`), then reports which key won.
    async fn create_key<C: ConnectionTrait>(
        &self,
        db: &C,
        scope: KeyScope,
        now: OffsetDateTime,
    ) -> Result<Created, VaultError> {
        let dek_id = Uuid::now_v7();
        let dek = keys::generate_data_key();
        let current = &self.inner.current;
        let row = data_keys::ActiveModel {
            id: Set(dek_id),
            scope_kind: Set(scope.kind().to_owned()),
            scope_id: Set(scope.id()),
            kek_id: Set(current.id.clone()),
            wrapped: Set(current.wrap(scope, dek_id, &dek)),
            created_at: Set(now),
            updated_at: Set(now),
        };
        // No conflict target: the only other unique key is the fresh id, so this is the same as
        // naming (scope_kind, scope_id) — and SQLite checks a named target against the schema a
        // pooled connection loaded earlier, which may predate the migration that made the index
        // ("ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint").
        let inserted = data_keys::Entity::insert(row)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
        if inserted == 1 {
            let key = Arc::new(dek);
            self.inner
                .cache
                .insert(dek_id, scope, Arc::clone(&key), Instant::now());
            return Ok(Created::Ours(dek_id, key));
        }
        // Another seal of the same scope created it first: use that one.
        match find_by_scope(db, scope).await? {
            Some(row) => Ok(Created::Theirs(row)),
            // Inserted and destroyed between our two statements: a shredding won the race.
            None => Err(VaultError::DataKeyMissing),
        }
    }
}

enum Created {
    Ours(Uuid, DataKey),
    Theirs(data_keys::Model),
}

pub(super) async fn find_by_scope<C: ConnectionTrait>(
    db: &C,
    scope: KeyScope,
) -> Result<Option<data_keys::Model>, DbErr> {
    data_keys::Entity::find()
        .filter(data_keys::Column::ScopeKind.eq(scope.kind()))
        .filter(data_keys::Column::ScopeId.eq(scope.id()))
        .one(db)
        .await
}

pub(super) async fn delete_scope<C: ConnectionTrait>(db: &C, scope: KeyScope) -> Result<(), DbErr> {
    data_keys::Entity::delete_many()
        .filter(data_keys::Column::ScopeKind.eq(scope.kind()))
        .filter(data_keys::Column::ScopeId.eq(scope.id()))
        .exec(db)
        .await?;
    Ok(())
}

/// Up to `limit` rows not under `kek_id`, by id, after `after` (keyset pagination: rows that
/// stay behind — under an unknown key — are not read again).
pub(super) async fn not_under<C: ConnectionTrait>(
    db: &C,
    kek_id: &str,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<data_keys::Model>, DbErr> {
    let mut query = data_keys::Entity::find().filter(data_keys::Column::KekId.ne(kek_id));
    if let Some(after) = after {
        query = query.filter(data_keys::Column::Id.gt(after));
    }
    query
        .order_by_asc(data_keys::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub(super) async fn count_under<C: ConnectionTrait>(db: &C, kek_id: &str) -> Result<u64, DbErr> {
    data_keys::Entity::find()
        .filter(data_keys::Column::KekId.eq(kek_id))
        .count(db)
        .await
}

/// Replaces a row's wrapping only if it is still under `old_kek` (optimistic concurrency: a
/// concurrent rotation that got there first makes this a no-op). True when this call changed it.
pub(super) async fn rewrap_if_unchanged<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    old_kek: &str,
    new_kek: &str,
    wrapped: Vec<u8>,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = data_keys::Entity::update_many()
        .col_expr(data_keys::Column::KekId, new_kek.into())
        .col_expr(data_keys::Column::Wrapped, wrapped.into())
        .col_expr(data_keys::Column::UpdatedAt, now.into())
        .filter(data_keys::Column::Id.eq(id))
        .filter(data_keys::Column::KekId.eq(old_kek))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
