//! Creating, editing, re-testing and deleting connections. A connection is saved only after
//! the vendor's check authenticated it (unless the operator allowed unchecked connections for
//! an offline install, and the vendor could not be reached); its secrets are sealed by the vault
//! under the owner's data key, bound to the row (connection id, tier/owner, vendor).

use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set, SqlErr, TransactionTrait,
};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::{
    context::Caller, upstream_tools, ConnectionError, ConnectionSlug, Tier, MAX_TOOL_NAME_CHARS,
};
use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    entity::{connection_defaults, connections},
    organizations::Permission,
    users::User,
    vault::{KeyScope, SealContext, Vault},
    vendors::{
        Catalog, CheckOutcome, ConnectionCredentials, Engine, UpstreamTool, VendorDefinition,
    },
};

/// Where a new connection goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// The caller's own.
    Personal,
    /// A team of the caller's organisation.
    Team(Uuid),
    /// The caller's organisation.
    Organization,
}

/// A connection to create (or the new values of one being edited).
#[derive(Debug, Clone)]
pub struct ConnectionInput {
    /// The vendor (catalog slug); ignored when editing.
    pub vendor: String,
    /// The tool prefix; empty → the vendor's slug.
    pub slug: String,
    /// A label; empty → the vendor's name.
    pub name: String,
    /// Every form field, as submitted (secrets included: editing means re-entering them).
    pub fields: BTreeMap<String, String>,
}

/// Everything the operations need, built once at start-up.
#[derive(Clone)]
pub struct Deps {
    /// The database.
    pub db: DatabaseConnection,
    /// The vault.
    pub vault: Vault,
    /// The vendor engine.
    pub engine: Engine,
    /// The vendor catalog.
    pub catalog: Catalog,
    /// Save connections whose vendor cannot be reached (offline installs).
    pub allow_unchecked: bool,
    /// The portal's origin, for links in tool errors ("reconnect at …").
    pub portal_url: String,
    /// Vendors connected by consent: the operator's apps and the latest sealed tokens.
    pub oauth: super::vendor_oauth::VendorOAuth,
}

/// The vault scope (and so the data key) of a connection of `tier` owned by `owner_id`.
pub(super) fn scope_of(tier: Tier, owner_id: Uuid) -> KeyScope {
    match tier {
        Tier::Personal => KeyScope::User(owner_id),
        Tier::Team => KeyScope::Team(owner_id),
        Tier::Organization => KeyScope::Organization(owner_id),
    }
}

/// The vault scope (and so the data key) of a connection row.
pub(crate) fn key_scope(row: &connections::Model) -> KeyScope {
    scope_of(
        Tier::parse(&row.tier).unwrap_or(Tier::Personal),
        row.owner_id,
    )
}

/// [`ConnectionError::SlugTaken`] when the owner already has a connection of `tier` with `slug`.
pub(super) async fn ensure_slug_free(
    deps: &Deps,
    tier: &str,
    owner_id: Uuid,
    slug: &ConnectionSlug,
) -> Result<(), ConnectionError> {
    let taken = connections::Entity::find()
        .filter(connections::Column::Tier.eq(tier))
        .filter(connections::Column::OwnerId.eq(owner_id))
        .filter(connections::Column::Slug.eq(slug.as_str()))
        .count(&deps.db)
        .await?;
    if taken > 0 {
        return Err(ConnectionError::SlugTaken(slug.to_string()));
    }
    Ok(())
}

/// The catalog's definition of `vendor`.
pub(super) fn vendor(
    deps: &Deps,
    vendor: &str,
) -> Result<std::sync::Arc<VendorDefinition>, ConnectionError> {
    deps.catalog
        .get(vendor)
        .cloned()
        .ok_or_else(|| ConnectionError::UnknownVendor(vendor.to_owned()))
}

/// Seals `secrets` for the row (`id`, `scope`, `vendor`).
pub(super) async fn seal(
    deps: &Deps,
    id: Uuid,
    scope: KeyScope,
    vendor: &str,
    secrets: &BTreeMap<String, SecretString>,
    now: OffsetDateTime,
) -> Result<String, ConnectionError> {
    let exposed: BTreeMap<&str, &str> = secrets
        .iter()
        .map(|(k, v)| (k.as_str(), v.expose_secret()))
        .collect();
    let plaintext = Zeroizing::new(serde_json::to_vec(&exposed).unwrap_or_default());
    let context = SealContext {
        connection_id: id,
        scope,
        vendor,
    };
    Ok(deps.vault.seal(&deps.db, &context, &plaintext, now).await?)
}

/// Decrypts a row's secrets into the engine's credentials (VAULT-8: the caller holds them for
/// one call only).
pub(crate) async fn credentials(
    deps: &Deps,
    row: &connections::Model,
    now: OffsetDateTime,
) -> Result<ConnectionCredentials, ConnectionError> {
    let context = SealContext {
        connection_id: row.id,
        scope: key_scope(row),
        vendor: &row.vendor,
    };
    let plaintext = match deps
        .vault
        .open(&deps.db, &context, &row.secret_sealed)
        .await
    {
        Ok(plaintext) => plaintext,
        Err(error) => {
            if matches!(error, crate::vault::VaultError::Integrity) {
                // VAULT-2: a ciphertext that does not belong to its row is a security event.
                let event = AuditEvent {
                    actor: Actor::Anonymous,
                    action: "vault.integrity_failure",
                    target: format!("connection:{}", row.id),
                    outcome: Outcome::Failure,
                    detail: Some(format!("vendor={} tier={}", row.vendor, row.tier)),
                };
                let context = RequestContext::default();
                let recorded =
                    audit::record_in(&deps.db, row.organization_id, event, &context, now).await;
                if let Err(e) = recorded {
                    tracing::warn!(error = %e, "recording a vault integrity failure failed");
                }
            }
            return Err(error.into());
        }
    };
    let secrets: BTreeMap<String, String> = serde_json::from_slice(&plaintext).unwrap_or_default();
    Ok(ConnectionCredentials {
        connection_id: row.id,
        version: version(row),
        settings: serde_json::from_str(&row.settings).unwrap_or_default(),
        secrets: secrets
            .into_iter()
            .map(|(k, v)| (k, SecretString::from(v)))
            .collect(),
    })
}

/// Changes whenever the stored credential changes (caches of tokens key on it).
pub(crate) fn version(row: &connections::Model) -> i64 {
    i64::try_from(row.updated_at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// A masked hint of the first secret: its last four characters when it is long enough that
/// they give nothing away, else dots only.
fn secret_hint(def: &VendorDefinition, secrets: &BTreeMap<String, SecretString>) -> String {
    let first = def
        .form
        .iter()
        .find_map(|f| secrets.get(&f.name))
        .map(|s| s.expose_secret().chars().collect::<Vec<char>>());
    match first {
        Some(chars) if chars.len() >= 12 => {
            format!(
                "••••{}",
                chars[chars.len() - 4..].iter().collect::<String>()
            )
        }
        _ => "••••".into(),
    }
}

/// Checks slug and name, with the vendor's longest tool name (`{slug}__{tool}` ≤ 64).
pub(super) fn parse_names(
    def: &VendorDefinition,
    input: &ConnectionInput,
) -> Result<(ConnectionSlug, String), ConnectionError> {
    let mut errors = BTreeMap::new();
    let slug_text = if input.slug.trim().is_empty() {
        def.slug.as_str()
    } else {
        input.slug.as_str()
    };
    let slug = match ConnectionSlug::parse(slug_text) {
        Ok(slug) => {
            let longest = def
                .tools
                .iter()
                .map(|t| t.name.chars().count())
                .max()
                .unwrap_or(0);
            if slug.as_str().len() + 2 + longest > MAX_TOOL_NAME_CHARS {
                errors.insert(
                    "slug".to_owned(),
                    format!(
                        "This vendor's longest tool name has {longest} characters; with the slug, tool names must fit in {MAX_TOOL_NAME_CHARS}. Use at most {} characters.",
                        MAX_TOOL_NAME_CHARS.saturating_sub(longest + 2)
                    ),
                );
            }
            Some(slug)
        }
        Err(message) => {
            errors.insert("slug".to_owned(), message);
            None
        }
    };
    let name = input.name.trim();
    let name = if name.is_empty() {
        def.name.clone()
    } else {
        name.to_owned()
    };
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.insert("name".into(), "A name has at most 100 characters.".into());
    }
    match slug {
        Some(slug) if errors.is_empty() => Ok((slug, name)),
        _ => Err(ConnectionError::Fields(errors)),
    }
}

/// Runs the vendor check; `Ok(status)` when the connection may be saved.
async fn check(
    deps: &Deps,
    def: &VendorDefinition,
    creds: &ConnectionCredentials,
    now: OffsetDateTime,
) -> (
    CheckOutcome,
    Option<Vec<UpstreamTool>>,
    Result<&'static str, ConnectionError>,
) {
    let (outcome, tools) = deps.engine.check_with_tools(def, creds, now).await;
    let unreachable = matches!(
        outcome,
        CheckOutcome::HostNotFound
            | CheckOutcome::ConnectionRefused
            | CheckOutcome::TimedOut
            | CheckOutcome::Tls
    );
    let verdict = if let CheckOutcome::InvalidSettings { field, message } = &outcome {
        Err(ConnectionError::field(field, message.clone()))
    } else if outcome.is_ok() {
        Ok("ok")
    } else if deps.allow_unchecked && unreachable {
        Ok("unchecked")
    } else {
        Err(ConnectionError::CheckFailed {
            class: outcome.class(),
            message: outcome.message(),
        })
    };
    (outcome, tools, verdict)
}

/// Where the caller may put a connection: the owner id and scope, or why not.
pub(super) fn place(
    caller: &Caller,
    placement: Placement,
    personal_count: u64,
) -> Result<(Tier, Uuid, Option<Uuid>, Option<Uuid>), ConnectionError> {
    match placement {
        Placement::Personal => {
            let limit = caller
                .membership
                .as_ref()
                .map_or(crate::organizations::Plan::Free, |m| m.organization.plan)
                .limits()
                .max_personal_connections;
            if limit.is_some_and(|max| personal_count >= max) {
                return Err(ConnectionError::PlanLimit(format!(
                    "The Free plan allows {} personal connections; remove one first, or upgrade to Pro. {}",
                    limit.unwrap_or_default(),
                    crate::organizations::UPGRADE_HINT
                )));
            }
            Ok((Tier::Personal, caller.user_id, None, None))
        }
        Placement::Team(team_id) => {
            let membership = manage_shared(caller)?;
            if !caller.organization_teams.iter().any(|t| t.id == team_id) {
                return Err(ConnectionError::NotFound);
            }
            Ok((Tier::Team, team_id, Some(team_id), Some(membership)))
        }
        Placement::Organization => {
            let organization = manage_shared(caller)?;
            Ok((Tier::Organization, organization, None, Some(organization)))
        }
    }
}

fn manage_shared(caller: &Caller) -> Result<Uuid, ConnectionError> {
    let membership = caller
        .membership
        .as_ref()
        .ok_or_else(|| ConnectionError::NotAllowed(caller.shared_refusal().unwrap_or_default()))?;
    membership.check(Permission::ManageSharedConnections)?;
    Ok(membership.organization.id)
}

/// Creates a connection after a successful check.
#[tracing::instrument(skip_all, fields(vendor = %input.vendor))]
pub async fn create(
    deps: &Deps,
    user: &User,
    placement: Placement,
    input: ConnectionInput,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<connections::Model, ConnectionError> {
    let def = vendor(deps, &input.vendor)?;
    let def = def.as_ref();
    if let Some(code) = def.authorization_code() {
        return Err(ConnectionError::NotAllowed(format!(
            "{} is connected by signing in: use “Connect with {}”.",
            def.name, code.provider
        )));
    }
    let caller = Caller::load(&deps.db, user.id).await?;
    let personal_count = connections::Entity::find()
        .filter(connections::Column::Tier.eq(Tier::Personal.as_str()))
        .filter(connections::Column::OwnerId.eq(user.id))
        .count(&deps.db)
        .await?;
    let (tier, owner_id, team_id, organization_id) = place(&caller, placement, personal_count)?;
    let (slug, name) = parse_names(def, &input)?;
    let fields = def
        .validate_form(&input.fields)
        .map_err(|errors| ConnectionError::Fields(errors.0))?;
    ensure_slug_free(deps, tier.as_str(), owner_id, &slug).await?;
    let id = Uuid::now_v7();
    let creds = ConnectionCredentials {
        connection_id: id,
        version: 0,
        settings: fields.settings.clone(),
        secrets: fields.secrets.clone(),
    };
    let (outcome, tools, verdict) = check(deps, def, &creds, now).await;
    let status = match verdict {
        Ok(status) => status,
        Err(refusal) => {
            audit_connection(
                deps,
                user,
                "connection.create",
                &def.slug,
                tier,
                slug.as_str(),
                Outcome::Failure,
                Some(outcome.class()),
                context,
                now,
            )
            .await?;
            return Err(refusal);
        }
    };
    let sealed = seal(
        deps,
        id,
        scope_of(tier, owner_id),
        &def.slug,
        &fields.secrets,
        now,
    )
    .await?;
    let row = connections::ActiveModel {
        id: Set(id),
        tier: Set(tier.as_str().to_owned()),
        owner_id: Set(owner_id),
        user_id: Set((tier == Tier::Personal).then_some(owner_id)),
        team_id: Set(team_id),
        organization_id: Set(organization_id),
        vendor: Set(def.slug.clone()),
        slug: Set(slug.to_string()),
        name: Set(name),
        settings: Set(serde_json::to_string(&fields.settings).unwrap_or_else(|_| "{}".into())),
        secret_sealed: Set(sealed),
        secret_hint: Set(secret_hint(def, &fields.secrets)),
        tools: Set(upstream_tools::column(slug.as_str(), tools)),
        status: Set(status.to_owned()),
        last_checked_at: Set(Some(now)),
        last_check_class: Set(Some(outcome.class().to_owned())),
        last_check_message: Set(Some(outcome.message())),
        created_by: Set(Some(user.id)),
        created_by_name: Set(user.display_name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let row = match row.insert(&deps.db).await {
        Ok(row) => row,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ConnectionError::SlugTaken(slug.to_string()))
        }
        Err(e) => return Err(e.into()),
    };
    audit_connection(
        deps,
        user,
        "connection.create",
        &def.slug,
        tier,
        slug.as_str(),
        Outcome::Success,
        Some(outcome.class()),
        context,
        now,
    )
    .await?;
    Ok(row)
}

/// The row `id` if the caller may see it (`manage`: and change it). Anything else is
/// [`ConnectionError::NotFound`], so ids of other users, teams and organisations reveal nothing.
pub(crate) async fn find_for(
    deps: &Deps,
    caller: &Caller,
    id: Uuid,
    manage: bool,
) -> Result<connections::Model, ConnectionError> {
    let row = connections::Entity::find_by_id(id)
        .one(&deps.db)
        .await?
        .ok_or(ConnectionError::NotFound)?;
    let visible = match Tier::parse(&row.tier) {
        Some(Tier::Personal) => row.owner_id == caller.user_id,
        Some(Tier::Team) => {
            caller
                .organization_teams
                .iter()
                .any(|t| t.id == row.owner_id)
                && (caller.teams.iter().any(|t| t.id == row.owner_id)
                    || caller.shared_refusal().is_none())
        }
        Some(Tier::Organization) => caller.organization_id() == Some(row.owner_id),
        None => false,
    };
    if !visible {
        return Err(ConnectionError::NotFound);
    }
    if manage && row.tier != Tier::Personal.as_str() {
        manage_shared(caller)?;
    }
    Ok(row)
}

/// Replaces a connection's name, slug and every field (secrets re-entered), after a check.
#[tracing::instrument(skip_all, fields(connection = %id))]
pub async fn update(
    deps: &Deps,
    user: &User,
    id: Uuid,
    input: ConnectionInput,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<connections::Model, ConnectionError> {
    let caller = Caller::load(&deps.db, user.id).await?;
    let row = find_for(deps, &caller, id, true).await?;
    let def = vendor(deps, &row.vendor)?;
    let def = def.as_ref();
    if def.authorization_code().is_some() {
        return Err(ConnectionError::NotAllowed(format!(
            "{} is connected by signing in: use Reconnect to renew it.",
            def.name
        )));
    }
    let (slug, name) = parse_names(def, &input)?;
    let fields = def
        .validate_form(&input.fields)
        .map_err(|errors| ConnectionError::Fields(errors.0))?;
    if slug.as_str() != row.slug {
        ensure_slug_free(deps, &row.tier, row.owner_id, &slug).await?;
    }
    let creds = ConnectionCredentials {
        connection_id: id,
        version: version(&row) + 1,
        settings: fields.settings.clone(),
        secrets: fields.secrets.clone(),
    };
    let tier = Tier::parse(&row.tier).unwrap_or(Tier::Personal);
    let (outcome, tools, verdict) = check(deps, def, &creds, now).await;
    let status = match verdict {
        Ok(status) => status,
        Err(refusal) => {
            audit_connection(
                deps,
                user,
                "connection.update",
                &row.vendor,
                tier,
                &row.slug,
                Outcome::Failure,
                Some(outcome.class()),
                context,
                now,
            )
            .await?;
            return Err(refusal);
        }
    };
    let sealed = seal(deps, id, key_scope(&row), &row.vendor, &fields.secrets, now).await?;
    let mut active: connections::ActiveModel = row.clone().into();
    active.slug = Set(slug.to_string());
    active.name = Set(name);
    active.settings = Set(serde_json::to_string(&fields.settings).unwrap_or_else(|_| "{}".into()));
    active.secret_sealed = Set(sealed);
    active.secret_hint = Set(secret_hint(def, &fields.secrets));
    if let Some(column) = upstream_tools::column(slug.as_str(), tools) {
        active.tools = Set(Some(column));
    }
    active.status = Set(status.to_owned());
    active.last_checked_at = Set(Some(now));
    active.last_check_class = Set(Some(outcome.class().to_owned()));
    active.last_check_message = Set(Some(outcome.message()));
    // Strictly later than before, so the credential version always moves.
    active.updated_at = Set(now.max(row.updated_at + time::Duration::microseconds(1)));
    let updated = match active.update(&deps.db).await {
        Ok(row) => row,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ConnectionError::SlugTaken(slug.to_string()))
        }
        Err(e) => return Err(e.into()),
    };
    // Caches of the old credential (tokens, upstream MCP sessions) are of no further use.
    deps.engine.forget(id);
    audit_connection(
        deps,
        user,
        "connection.update",
        &row.vendor,
        tier,
        updated.slug.as_str(),
        Outcome::Success,
        Some(outcome.class()),
        context,
        now,
    )
    .await?;
    Ok(updated)
}

/// Runs the check again with the stored credential and records the outcome. Anyone who can use
/// the connection may re-test it.
#[tracing::instrument(skip_all, fields(connection = %id))]
pub async fn retest(
    deps: &Deps,
    user: &User,
    id: Uuid,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(connections::Model, CheckOutcome), ConnectionError> {
    let caller = Caller::load(&deps.db, user.id).await?;
    let row = find_for(deps, &caller, id, false).await?;
    let def = vendor(deps, &row.vendor)?;
    let (outcome, tools) = if def.authorization_code().is_some() {
        // A consent connection is checked with a fresh access token (refreshed if need be).
        match super::vendor_oauth::fresh_credentials(deps, &def, &row, now).await {
            Ok(creds) => deps.engine.check_with_tools(&def, &creds, now).await,
            Err(e) => (e.into_check()?, None),
        }
    } else {
        let creds = credentials(deps, &row, now).await?;
        deps.engine.check_with_tools(&def, &creds, now).await
    };
    // The refresh may have changed the row (tokens, or "needs reconnecting"): re-read it.
    let row = connections::Entity::find_by_id(id)
        .one(&deps.db)
        .await?
        .ok_or(ConnectionError::NotFound)?;
    let mut active: connections::ActiveModel = row.clone().into();
    // A successful re-test refreshes an MCP server's tools; a failed one keeps the last list
    // (its tools stay listed and answer with the failure).
    if let Some(column) = upstream_tools::column(&row.slug, tools) {
        active.tools = Set(Some(column));
    }
    let status = if outcome.is_ok() {
        "ok"
    } else if row.status == super::vendor_oauth::NEEDS_RECONNECT {
        // Only a new consent (Reconnect) clears it.
        super::vendor_oauth::NEEDS_RECONNECT
    } else {
        "failing"
    };
    active.status = Set(status.to_owned());
    active.last_checked_at = Set(Some(now));
    active.last_check_class = Set(Some(outcome.class().to_owned()));
    active.last_check_message = Set(Some(outcome.message()));
    let updated = active.update(&deps.db).await?;
    let tier = Tier::parse(&row.tier).unwrap_or(Tier::Personal);
    let result = if outcome.is_ok() {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    audit_connection(
        deps,
        user,
        "connection.test",
        &row.vendor,
        tier,
        &row.slug,
        result,
        Some(outcome.class()),
        context,
        now,
    )
    .await?;
    Ok((updated, outcome))
}

/// Deletes a connection (personal: its owner; shared: owners and admins).
#[tracing::instrument(skip_all, fields(connection = %id))]
pub async fn delete(
    deps: &Deps,
    user: &User,
    id: Uuid,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<connections::Model, ConnectionError> {
    let caller = Caller::load(&deps.db, user.id).await?;
    let row = find_for(deps, &caller, id, true).await?;
    connections::Entity::delete_by_id(id).exec(&deps.db).await?;
    deps.engine.forget(id);
    deps.oauth.forget(id);
    let tier = Tier::parse(&row.tier).unwrap_or(Tier::Personal);
    audit_connection(
        deps,
        user,
        "connection.delete",
        &row.vendor,
        tier,
        &row.slug,
        Outcome::Success,
        None,
        context,
        now,
    )
    .await?;
    Ok(row)
}

/// Sets (or clears, with `None`) the caller's default connection for `slug`, which must be a team
/// connection offered to them.
pub async fn set_default(
    deps: &Deps,
    user: &User,
    slug: &str,
    connection_id: Option<Uuid>,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), ConnectionError> {
    let caller = Caller::load(&deps.db, user.id).await?;
    // Check the new choice before touching the old one: a refused choice changes nothing.
    if let Some(id) = connection_id {
        let row = find_for(deps, &caller, id, false).await?;
        let offered = row.tier == Tier::Team.as_str()
            && row.slug == slug
            && caller.teams.iter().any(|t| t.id == row.owner_id);
        if !offered {
            return Err(ConnectionError::NotFound);
        }
    }
    let txn = deps.db.begin().await?;
    connection_defaults::Entity::delete_many()
        .filter(connection_defaults::Column::UserId.eq(user.id))
        .filter(connection_defaults::Column::Slug.eq(slug))
        .exec(&txn)
        .await?;
    if let Some(id) = connection_id {
        connection_defaults::ActiveModel {
            user_id: Set(user.id),
            slug: Set(slug.to_owned()),
            connection_id: Set(id),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    audit::record(
        &deps.db,
        AuditEvent {
            actor: Actor::user(user),
            action: "connection.default",
            target: slug.to_owned(),
            outcome: Outcome::Success,
            detail: Some(match connection_id {
                Some(id) => format!("connection={id}"),
                None => "cleared".into(),
            }),
        },
        context,
        now,
    )
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn audit_connection(
    deps: &Deps,
    user: &User,
    action: &'static str,
    vendor: &str,
    tier: Tier,
    slug: &str,
    outcome: Outcome,
    check: Option<&str>,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), ConnectionError> {
    let mut detail = format!("vendor={vendor} tier={}", tier.as_str());
    if let Some(check) = check {
        detail.push_str(&format!(" check={check}"));
    }
    audit::record(
        &deps.db,
        AuditEvent {
            actor: Actor::user(user),
            action,
            target: slug.to_owned(),
            outcome,
            detail: Some(detail),
        },
        context,
        now,
    )
    .await?;
    Ok(())
}
