//! Master-key rotation: re-wrapping every data key under the current master key (VAULT-3), and
//! the audited entry point the `mcp-gateway keys rotate` command calls.

use sea_orm::ConnectionTrait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{store, KeyScope, Vault, VaultError};
use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    entity::data_keys,
};

/// Rows read per batch: small enough to keep each query and the memory it needs short.
const BATCH: u64 = 100;

/// What a rotation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Data keys this run re-wrapped under the current master key.
    pub rewrapped: u64,
    /// Data keys that were already under the current master key (including any a concurrent
    /// rotation moved first).
    pub already_current: u64,
    /// Data keys under a master key this process does not hold: left as they are. Configure
    /// that key as `master_key_previous` and rotate again before retiring it.
    pub unknown_kek: u64,
    /// Data keys that failed to unwrap under the key they name (damaged or tampered rows): left
    /// as they are, and logged with their ids.
    pub damaged: u64,
}

impl RotationReport {
    /// True when every data key is now under the current master key, so the previous key can be
    /// removed from the configuration.
    pub fn is_complete(&self) -> bool {
        self.unknown_kek == 0 && self.damaged == 0
    }
}

enum Step {
    Rewrapped,
    AlreadyDone,
    UnknownKek,
    Damaged,
}

impl Vault {
    /// Re-wraps every data key not under the current master key (in batches, each row with a
    /// conditional update on its old `kek_id`, so concurrent rotations and decrypts are safe;
    /// idempotent — a second run, or a rerun after a crash, re-wraps only what is left).
    /// Data keys themselves do not change, so nothing sealed is re-encrypted and cached keys
    /// stay valid.
    #[tracing::instrument(skip_all, fields(current_kek_id = %self.current_kek_id()))]
    pub async fn rotate<C: ConnectionTrait>(
        &self,
        db: &C,
        now: OffsetDateTime,
    ) -> Result<RotationReport, VaultError> {
        let current = self.current_kek_id().to_owned();
        let mut report = RotationReport::default();
        let mut after: Option<Uuid> = None;
        loop {
            let batch = store::not_under(db, &current, after, BATCH).await?;
            for row in &batch {
                match self.rewrap(db, row, now).await? {
                    Step::Rewrapped => report.rewrapped += 1,
                    // Counted by the final count of rows under the current key.
                    Step::AlreadyDone => {}
                    Step::UnknownKek => report.unknown_kek += 1,
                    Step::Damaged => report.damaged += 1,
                }
            }
            match batch.last() {
                Some(last) if batch.len() as u64 == BATCH => after = Some(last.id),
                _ => break,
            }
        }
        report.already_current = store::count_under(db, &current)
            .await?
            .saturating_sub(report.rewrapped);
        Ok(report)
    }

    async fn rewrap<C: ConnectionTrait>(
        &self,
        db: &C,
        row: &data_keys::Model,
        now: OffsetDateTime,
    ) -> Result<Step, VaultError> {
        let Some(scope) = KeyScope::from_parts(&row.scope_kind, row.scope_id) else {
            tracing::warn!(dek_id = %row.id, "data key with an unknown scope kind; not re-wrapped");
            return Ok(Step::Damaged);
        };
        let old = match self.kek(&row.kek_id) {
            Ok(kek) => kek,
            Err(_) => {
                tracing::warn!(dek_id = %row.id, kek_id = %row.kek_id, "data key under a master key this gateway does not hold; not re-wrapped");
                return Ok(Step::UnknownKek);
            }
        };
        let Ok(dek) = old.unwrap(scope, row.id, &row.wrapped) else {
            tracing::warn!(dek_id = %row.id, "data key failed its integrity check; not re-wrapped");
            return Ok(Step::Damaged);
        };
        let current = &self.inner.current;
        let wrapped = current.wrap(scope, row.id, &dek);
        let changed =
            store::rewrap_if_unchanged(db, row.id, &row.kek_id, &current.id, wrapped, now).await?;
        Ok(if changed {
            Step::Rewrapped
        } else {
            Step::AlreadyDone
        })
    }
}

/// Rotates (see [`Vault::rotate`]) and records `vault.key_rotation` in the audit log with the
/// counts; the outcome is a failure when data keys were left under a key that is not current.
pub async fn rotate_and_record<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: Actor,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<RotationReport, VaultError> {
    let report = vault.rotate(db, now).await?;
    audit::record(
        db,
        AuditEvent {
            actor,
            action: "vault.key_rotation",
            target: format!("master_key:{}", vault.current_kek_id()),
            outcome: if report.is_complete() {
                Outcome::Success
            } else {
                Outcome::Failure
            },
            detail: Some(format!(
                "rewrapped {}, already current {}, under an unknown master key {}, damaged {}",
                report.rewrapped, report.already_current, report.unknown_kek, report.damaged
            )),
        },
        context,
        now,
    )
    .await?;
    Ok(report)
}

#[cfg(test)]
#[path = "rotation_tests.rs"]
mod tests;
