//! Storing what a consent brought: a new connection, or the same connection reconnected. Both
//! run the vendor's check with the new access token first; nothing is stored when it fails.

use sea_orm::{ActiveModelTrait, Set, SqlErr};
use time::OffsetDateTime;

use super::super::{store, Caller, ConnectionError, ConnectionSlug, Placement, Tier};
use crate::{
    audit::{Outcome, RequestContext},
    entity::{connections, vendor_oauth_states as states},
    users::User,
    vendors::{CheckOutcome, ConnectionCredentials, VendorDefinition},
};

/// The card's hint for a connection without a typed secret.
fn hint(def: &VendorDefinition) -> String {
    let provider = def
        .authorization_code()
        .map_or(def.name.as_str(), |c| c.provider.as_str());
    format!("Signed in with {provider}")
        .chars()
        .take(64)
        .collect()
}

async fn check(
    deps: &store::Deps,
    def: &VendorDefinition,
    creds: &ConnectionCredentials,
    now: OffsetDateTime,
) -> Result<CheckOutcome, (CheckOutcome, ConnectionError)> {
    let outcome = deps.engine.check(def, creds, now).await;
    if outcome.is_ok() {
        Ok(outcome)
    } else {
        let refusal = ConnectionError::CheckFailed {
            class: outcome.class(),
            message: outcome.message(),
        };
        Err((outcome, refusal))
    }
}

/// A new connection, with the id chosen when the flow started.
pub(super) async fn created(
    deps: &store::Deps,
    user: &User,
    def: &VendorDefinition,
    pending: &states::Model,
    creds: ConnectionCredentials,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<connections::Model, ConnectionError> {
    let placement = match (Tier::parse(&pending.tier), pending.team_id) {
        (Some(Tier::Team), Some(team)) => Placement::Team(team),
        (Some(Tier::Organization), _) => Placement::Organization,
        _ => Placement::Personal,
    };
    let input = store::ConnectionInput {
        vendor: def.slug.clone(),
        slug: pending.slug.clone(),
        name: pending.name.clone(),
        fields: Default::default(),
    };
    // The membership, plan and slug may have changed during the consent: checked again.
    let (tier, owner_id, team_id, slug, name) =
        super::checked_placement(deps, user, placement, &input).await?;
    let caller = Caller::load(&deps.db, user.id).await?;
    let organization_id = match tier {
        Tier::Personal => None,
        _ => caller.organization_id(),
    };
    let outcome = match check(deps, def, &creds, now).await {
        Ok(outcome) => outcome,
        Err((outcome, refusal)) => {
            audit(
                deps,
                user,
                "connection.create",
                def,
                tier,
                &slug,
                Outcome::Failure,
                &outcome,
                context,
                now,
            )
            .await?;
            return Err(refusal);
        }
    };
    let scope = store::scope_of(tier, owner_id);
    let sealed = store::seal(
        deps,
        pending.connection_id,
        scope,
        &def.slug,
        &creds.secrets,
        now,
    )
    .await?;
    let row = connections::ActiveModel {
        id: Set(pending.connection_id),
        tier: Set(tier.as_str().to_owned()),
        owner_id: Set(owner_id),
        user_id: Set((tier == Tier::Personal).then_some(owner_id)),
        team_id: Set(team_id),
        organization_id: Set(organization_id),
        vendor: Set(def.slug.clone()),
        slug: Set(slug.to_string()),
        name: Set(name),
        settings: Set(serde_json::to_string(&creds.settings).unwrap_or_else(|_| "{}".into())),
        secret_sealed: Set(sealed),
        secret_hint: Set(hint(def)),
        tools: Set(None),
        status: Set("ok".to_owned()),
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
    audit(
        deps,
        user,
        "connection.create",
        def,
        tier,
        &slug,
        Outcome::Success,
        &outcome,
        context,
        now,
    )
    .await?;
    Ok(row)
}

/// The same connection with new tokens: working again, same id, slug, name and tools.
pub(super) async fn reconnected(
    deps: &store::Deps,
    user: &User,
    def: &VendorDefinition,
    pending: &states::Model,
    creds: ConnectionCredentials,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<connections::Model, ConnectionError> {
    let caller = Caller::load(&deps.db, user.id).await?;
    let row = store::find_for(deps, &caller, pending.connection_id, true).await?;
    if row.vendor != def.slug {
        return Err(ConnectionError::NotFound);
    }
    let tier = Tier::parse(&row.tier).unwrap_or(Tier::Personal);
    let slug = ConnectionSlug::parse(&row.slug).map_err(|m| ConnectionError::field("slug", m))?;
    let creds = ConnectionCredentials {
        version: store::version(&row) + 1,
        ..creds
    };
    let outcome = match check(deps, def, &creds, now).await {
        Ok(outcome) => outcome,
        Err((outcome, refusal)) => {
            audit(
                deps,
                user,
                "connection.reconnect",
                def,
                tier,
                &slug,
                Outcome::Failure,
                &outcome,
                context,
                now,
            )
            .await?;
            return Err(refusal);
        }
    };
    let sealed = store::seal(
        deps,
        row.id,
        store::key_scope(&row),
        &row.vendor,
        &creds.secrets,
        now,
    )
    .await?;
    let mut active: connections::ActiveModel = row.clone().into();
    active.secret_sealed = Set(sealed);
    active.secret_hint = Set(hint(def));
    active.status = Set("ok".to_owned());
    active.last_checked_at = Set(Some(now));
    active.last_check_class = Set(Some(outcome.class().to_owned()));
    active.last_check_message = Set(Some(outcome.message()));
    active.updated_at = Set(now.max(row.updated_at + time::Duration::microseconds(1)));
    let updated = active.update(&deps.db).await?;
    audit(
        deps,
        user,
        "connection.reconnect",
        def,
        tier,
        &slug,
        Outcome::Success,
        &outcome,
        context,
        now,
    )
    .await?;
    Ok(updated)
}

#[allow(clippy::too_many_arguments)]
async fn audit(
    deps: &store::Deps,
    user: &User,
    action: &'static str,
    def: &VendorDefinition,
    tier: Tier,
    slug: &ConnectionSlug,
    outcome: Outcome,
    check: &CheckOutcome,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), ConnectionError> {
    store::audit_connection(
        deps,
        user,
        action,
        &def.slug,
        tier,
        slug.as_str(),
        outcome,
        Some(check.class()),
        context,
        now,
    )
    .await
}
