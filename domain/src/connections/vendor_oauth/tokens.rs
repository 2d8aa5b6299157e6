//! Keeping a consent connection's access token fresh: the tokens live sealed in the
//! connection's row (vault, the owner's data key); this process remembers only the newest
//! sealed value it wrote or read, so a warm call decrypts it (data key cached) and reads and
//! writes no row. Shortly before expiry ([`REFRESH_MARGIN`]) one caller per connection refreshes
//! (the others wait on the same lock and reuse its result), stores the rotated refresh token
//! with one conditional `UPDATE … WHERE secret_sealed = old` (another replica may have rotated
//! first: its tokens are adopted), and a refresh the vendor refuses with `invalid_grant` marks
//! the connection "needs reconnecting".

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;

use super::NEEDS_RECONNECT;
use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    connections::{store, ConnectionError},
    entity::connections,
    vendors::{
        CallError, CheckOutcome, ConnectionCredentials, GrantError, TokenSet, VendorDefinition,
        ACCESS_TOKEN, EXPIRES_AT, REFRESH_TOKEN,
    },
};

/// Refresh this long before the access token expires.
pub const REFRESH_MARGIN: time::Duration = time::Duration::minutes(5);

/// The newest sealed tokens this process knows of one connection.
#[derive(Default)]
struct Latest {
    sealed: Option<String>,
    updated_at: Option<OffsetDateTime>,
    needs_reconnect: bool,
}

/// Per-connection newest sealed tokens and refresh locks, shared by every clone.
#[derive(Clone, Default)]
pub struct TokenStore {
    entries: Arc<Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<Latest>>>>>,
}

impl TokenStore {
    fn cell(&self, id: Uuid) -> Arc<tokio::sync::Mutex<Latest>> {
        let mut map = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(id).or_default().clone()
    }

    /// Forgets a connection (reconnected, deleted).
    pub fn forget(&self, id: Uuid) {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id);
    }
}

/// Why a consent connection cannot be called now.
#[derive(Debug, thiserror::Error)]
pub enum FreshError {
    /// The vendor refused the refresh token (or the row says so): a person must consent again.
    #[error("needs reconnecting")]
    NeedsReconnect,
    /// The refresh failed otherwise (vendor down, the operator's app refused).
    #[error("{0}")]
    Call(CallError),
    /// The row or its seal could not be read or written.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
}

impl FreshError {
    /// As a connection check's outcome (Re-test), or the failure to report.
    pub fn into_check(self) -> Result<CheckOutcome, ConnectionError> {
        match self {
            FreshError::NeedsReconnect => Ok(CheckOutcome::Rejected {
                vendor_message: Some(
                    "the vendor refused to renew access; the connection needs reconnecting".into(),
                ),
            }),
            FreshError::Call(e) => Ok(CheckOutcome::from(e)),
            FreshError::Connection(e) => Err(e),
        }
    }
}

fn expires_at(creds: &ConnectionCredentials) -> Option<OffsetDateTime> {
    creds
        .secrets
        .get(EXPIRES_AT)
        .and_then(|s| s.expose_secret().parse::<i64>().ok())
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
}

fn fresh(creds: &ConnectionCredentials, now: OffsetDateTime) -> bool {
    expires_at(creds).is_some_and(|at| now < at - REFRESH_MARGIN)
}

/// The secrets to seal for `tokens` (a vendor that did not rotate keeps the old refresh token).
pub(super) fn token_secrets(
    tokens: &TokenSet,
    previous_refresh: Option<&SecretString>,
) -> BTreeMap<String, SecretString> {
    let mut secrets = BTreeMap::new();
    secrets.insert(
        ACCESS_TOKEN.to_owned(),
        SecretString::from(tokens.access_token.expose_secret().to_owned()),
    );
    if let Some(refresh) = tokens.refresh_token.as_ref().or(previous_refresh) {
        secrets.insert(
            REFRESH_TOKEN.to_owned(),
            SecretString::from(refresh.expose_secret().to_owned()),
        );
    }
    secrets.insert(
        EXPIRES_AT.to_owned(),
        SecretString::from(tokens.expires_at.unix_timestamp().to_string()),
    );
    secrets
}

/// The row's credentials with a fresh access token: from memory and the vault on the warm path;
/// refreshed (and stored) when it is about to expire.
pub async fn fresh_credentials(
    deps: &store::Deps,
    def: &VendorDefinition,
    row: &connections::Model,
    now: OffsetDateTime,
) -> Result<ConnectionCredentials, FreshError> {
    let cell = deps.oauth.tokens.cell(row.id);
    let mut latest = cell.lock().await;
    adopt(&mut latest, row);
    if latest.needs_reconnect {
        return Err(FreshError::NeedsReconnect);
    }
    let creds = open(deps, row, &latest, now).await?;
    if fresh(&creds, now) {
        return Ok(creds);
    }
    // Another replica may have refreshed already: the database has the newest tokens.
    let current = connections::Entity::find_by_id(row.id)
        .one(&deps.db)
        .await
        .map_err(ConnectionError::from)?
        .ok_or(ConnectionError::NotFound)?;
    adopt(&mut latest, &current);
    if latest.needs_reconnect {
        return Err(FreshError::NeedsReconnect);
    }
    let creds = open(deps, &current, &latest, now).await?;
    if fresh(&creds, now) {
        return Ok(creds);
    }
    refresh(deps, def, &current, &mut latest, creds, now).await
}

/// Takes the row's sealed tokens when they are newer than what this process knows.
fn adopt(latest: &mut Latest, row: &connections::Model) {
    if latest.updated_at.is_none_or(|known| row.updated_at > known) {
        latest.sealed = Some(row.secret_sealed.clone());
        latest.updated_at = Some(row.updated_at);
        latest.needs_reconnect = row.status == NEEDS_RECONNECT;
    }
}

async fn open(
    deps: &store::Deps,
    row: &connections::Model,
    latest: &Latest,
    now: OffsetDateTime,
) -> Result<ConnectionCredentials, FreshError> {
    let mut sealed_row = row.clone();
    if let (Some(sealed), Some(at)) = (&latest.sealed, latest.updated_at) {
        sealed_row.secret_sealed = sealed.clone();
        sealed_row.updated_at = at;
    }
    Ok(store::credentials(deps, &sealed_row, now).await?)
}

async fn refresh(
    deps: &store::Deps,
    def: &VendorDefinition,
    row: &connections::Model,
    latest: &mut Latest,
    creds: ConnectionCredentials,
    now: OffsetDateTime,
) -> Result<ConnectionCredentials, FreshError> {
    let app = deps.oauth.app(&def.slug).ok_or_else(|| {
        FreshError::Call(CallError::Unexpected(format!(
            "the gateway's {} app is not configured (vendor_oauth.{})",
            def.name, def.slug
        )))
    })?;
    let refresh_token = creds
        .secrets
        .get(REFRESH_TOKEN)
        .map(|s| SecretString::from(s.expose_secret().to_owned()));
    let Some(refresh_token) = refresh_token else {
        return mark_needs_reconnect(deps, row, latest, None, now).await;
    };
    let tokens = match deps
        .engine
        .refresh_grant(def, &creds, &app, &refresh_token, now)
        .await
    {
        Ok(tokens) => tokens,
        Err(GrantError::InvalidGrant { vendor_message }) => {
            return mark_needs_reconnect(deps, row, latest, vendor_message, now).await
        }
        Err(GrantError::ClientRejected { vendor_message }) => {
            return Err(FreshError::Call(CallError::Unexpected(format!(
                "{} refused the gateway's app (operator setting vendor_oauth.{}){}",
                def.name,
                def.slug,
                vendor_message.map(|m| format!(": {m}")).unwrap_or_default()
            ))))
        }
        Err(GrantError::Failed(e)) => return Err(FreshError::Call(e)),
    };
    let mut secrets: BTreeMap<String, SecretString> = creds
        .secrets
        .iter()
        .map(|(k, v)| (k.clone(), SecretString::from(v.expose_secret().to_owned())))
        .collect();
    secrets.extend(token_secrets(&tokens, Some(&refresh_token)));
    let scope = store::key_scope(row);
    let sealed = store::seal(deps, row.id, scope, &row.vendor, &secrets, now).await?;
    let updated_at = now.max(row.updated_at + time::Duration::microseconds(1));
    let written = connections::Entity::update_many()
        .set(connections::ActiveModel {
            secret_sealed: Set(sealed.clone()),
            updated_at: Set(updated_at),
            ..Default::default()
        })
        .filter(connections::Column::Id.eq(row.id))
        .filter(connections::Column::SecretSealed.eq(row.secret_sealed.clone()))
        .exec(&deps.db)
        .await
        .map_err(ConnectionError::from)?;
    if written.rows_affected == 1 {
        latest.sealed = Some(sealed);
        latest.updated_at = Some(updated_at);
    }
    // Else another replica stored its own refresh first; the next call adopts it from the row,
    // and this call uses the tokens just received (they are valid too).
    Ok(ConnectionCredentials {
        connection_id: row.id,
        version: creds.version,
        settings: creds.settings,
        secrets,
    })
}

async fn mark_needs_reconnect(
    deps: &store::Deps,
    row: &connections::Model,
    latest: &mut Latest,
    vendor_message: Option<String>,
    now: OffsetDateTime,
) -> Result<ConnectionCredentials, FreshError> {
    let said = vendor_message
        .map(|m| format!(" The vendor said: “{m}”"))
        .unwrap_or_default();
    let message = format!("The vendor refused to renew access: reconnect the connection.{said}");
    let updated_at = now.max(row.updated_at + time::Duration::microseconds(1));
    let written = connections::Entity::update_many()
        .set(connections::ActiveModel {
            status: Set(NEEDS_RECONNECT.to_owned()),
            last_checked_at: Set(Some(now)),
            last_check_class: Set(Some(NEEDS_RECONNECT.to_owned())),
            last_check_message: Set(Some(message)),
            updated_at: Set(updated_at),
            ..Default::default()
        })
        .filter(connections::Column::Id.eq(row.id))
        .filter(connections::Column::SecretSealed.eq(row.secret_sealed.clone()))
        .exec(&deps.db)
        .await
        .map_err(ConnectionError::from)?;
    if written.rows_affected == 0 {
        // Reconnected or refreshed elsewhere meanwhile: the next call reads the new row.
        return Err(FreshError::NeedsReconnect);
    }
    latest.updated_at = Some(updated_at);
    latest.needs_reconnect = true;
    let event = AuditEvent {
        actor: Actor::Anonymous,
        action: "connection.refresh",
        target: row.slug.clone(),
        outcome: Outcome::Failure,
        detail: Some(format!(
            "vendor={} tier={} connection={} check={NEEDS_RECONNECT}",
            row.vendor, row.tier, row.id
        )),
    };
    let recorded = audit::record_in(
        &deps.db,
        row.organization_id,
        event,
        &RequestContext::default(),
        now,
    )
    .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "recording a refused token refresh failed");
    }
    Err(FreshError::NeedsReconnect)
}
