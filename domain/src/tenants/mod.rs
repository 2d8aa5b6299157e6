//! Microsoft Entra tenants: onboarding by admin consent, the allow-list sign-in checks, and
//! offboarding (security.md OIDC-4, OIDC-5).
//!
//! Onboarding takes three steps, and only the last one onboards:
//! 1. [`start_onboarding`] — someone opens the consent link for a customer name; a row `started`
//!    with a fresh `state` (stored hashed) is created, and the browser goes to Microsoft.
//! 2. [`record_consent`] — Microsoft's callback reports success for a tenant (or an error). The
//!    callback is only a redirect that anybody can forge, so it proves nothing: the row becomes
//!    `consented` (or `failed`) and no tenant is onboarded yet.
//! 3. [`complete_onboarding`] — the consenting administrator signs in: the verified ID token's
//!    `tid` equals the callback's tenant **and** its `wids` name an administrator role that can
//!    grant tenant-wide consent ([`OnboardingPolicy::admin_role_ids`]). The callback's `state` is
//!    visible to whoever opened the link, so anyone in the tenant could forge step 2; the role in
//!    a token signed by Microsoft is what proves an administrator took part (security.md OIDC-5).
//!    Self-service (the default): the tenant is onboarded now. Operator-approved: the onboarding
//!    waits on the operators' page until [`approve_onboarding`].
//!
//! Rejected: a client-credentials token for the tenant as proof (it proves that *some* admin
//! consented at some time, not that the person in this browser did, and needs an application
//! permission only for that).

mod ids;
mod policy;

pub use ids::{CustomerName, CustomerNameError, TenantId};
pub use policy::{OnboardingMode, OnboardingPolicy, DEFAULT_ADMIN_ROLE_IDS};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    entity::{entra_tenants, tenant_onboardings, user_identities, users},
    users::Provider,
};

/// How long an admin-consent link stays usable once opened.
pub const ONBOARDING_LIFETIME: time::Duration = time::Duration::hours(1);
/// Onboardings that did not complete are listed for this long, then deleted.
pub const ONBOARDING_RETENTION: time::Duration = time::Duration::days(7);

const STATUS_ONBOARDED: &str = "onboarded";
const STATUS_OFFBOARDED: &str = "offboarded";
const ONBOARDING_STARTED: &str = "started";
const ONBOARDING_CONSENTED: &str = "consented";
const ONBOARDING_COMPLETED: &str = "completed";
const ONBOARDING_FAILED: &str = "failed";
/// Consented by a verified administrator, waiting for an operator (`operator-approved`).
pub const ONBOARDING_AWAITING_APPROVAL: &str = "awaiting_approval";

/// Failures of tenant operations.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// The database failed.
    #[error("database error")]
    Db(#[from] DbErr),
    /// The onboarding is unknown, expired, already used, or its `state` does not match.
    #[error("this admin-consent request is unknown, expired or already used")]
    UnknownOnboarding,
    /// Microsoft reported that consent was not granted.
    #[error("consent was not granted: {error}")]
    ConsentDenied {
        /// Microsoft's error code, e.g. `access_denied`.
        error: String,
        /// Microsoft's description (AADSTS…), if any.
        description: Option<String>,
        /// The customer the link was for.
        customer_name: String,
    },
    /// The callback's tenant is not a GUID.
    #[error("the tenant id in Microsoft's answer is not a GUID")]
    InvalidTenant,
    /// The administrator who signed in belongs to another tenant than the one that consented.
    #[error("signed in with an account of tenant {signed_in}, but consent was granted for tenant {consented}")]
    TenantMismatch {
        /// The tenant of the account that signed in.
        signed_in: TenantId,
        /// The tenant Microsoft's callback reported.
        consented: TenantId,
    },
    /// The account that signed in to confirm holds none of the administrator roles that can
    /// grant tenant-wide consent (its ID token's `wids`).
    #[error("{account} is not an administrator of the tenant")]
    NotAnAdministrator {
        /// The account (UPN or email).
        account: String,
    },
    /// No such tenant.
    #[error("tenant not found")]
    NotFound,
}

/// What confirming an onboarding did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnboardingOutcome {
    /// Self-service: the tenant is on the allow-list now.
    Onboarded(Onboarded),
    /// Operator-approved: the onboarding waits on the operators' page.
    AwaitingApproval(Onboarded),
}

/// Who confirmed an onboarding, from their verified ID token.
#[derive(Debug, Clone)]
pub struct ConfirmingAdmin<'a> {
    /// The token's tenant.
    pub tenant: &'a TenantId,
    /// The token's directory role template ids (`wids`).
    pub directory_roles: &'a [String],
    /// The account, for messages (UPN or email).
    pub account: &'a str,
    /// The identity, for the record (`account (entra:tid/oid)`).
    pub label: &'a str,
}

/// A started onboarding: where its state lives.
#[derive(Debug, Clone)]
pub struct StartedOnboarding {
    /// The row id (kept in the browser's session with the state).
    pub id: Uuid,
    /// The `state` to send to Microsoft (only its hash is stored).
    pub state: String,
}

/// What Microsoft's admin-consent callback said.
#[derive(Debug, Clone)]
pub enum ConsentResult {
    /// `admin_consent=True&tenant=…`.
    Granted {
        /// The `tenant` parameter (unverified).
        tenant: String,
    },
    /// `error=…&error_description=…`.
    Denied {
        /// The error code.
        error: String,
        /// The description.
        description: Option<String>,
    },
}

/// A consent recorded, waiting for the administrator's sign-in.
#[derive(Debug, Clone)]
pub struct ConsentRecorded {
    /// The onboarding.
    pub onboarding_id: Uuid,
    /// The customer.
    pub customer_name: String,
    /// The tenant Microsoft reported.
    pub tenant_id: TenantId,
}

/// A tenant just onboarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Onboarded {
    /// The customer.
    pub customer_name: String,
    /// The tenant.
    pub tenant_id: TenantId,
}

/// A tenant as the operators' page lists it.
#[derive(Debug, Clone)]
pub struct TenantSummary {
    /// Tenant id.
    pub tenant_id: String,
    /// Customer name given at onboarding.
    pub customer_name: String,
    /// Onboarded or offboarded.
    pub onboarded: bool,
    /// When it was onboarded.
    pub onboarded_at: OffsetDateTime,
    /// Who consented.
    pub onboarded_by: String,
    /// When and by whom it was offboarded, if it was.
    pub offboarded: Option<(OffsetDateTime, String)>,
    /// Users who signed in from it.
    pub user_count: u64,
    /// Their latest sign-in.
    pub last_sign_in: Option<OffsetDateTime>,
}

/// An onboarding that has not completed.
#[derive(Debug, Clone)]
pub struct PendingOnboarding {
    /// Row id.
    pub id: Uuid,
    /// The customer.
    pub customer_name: String,
    /// `started` (at Microsoft), `consented` (waiting for the admin's sign-in), `failed`, or
    /// `awaiting_approval` (an administrator consented; an operator must approve).
    pub status: String,
    /// Who consented, once an administrator confirmed.
    pub consented_by: Option<String>,
    /// The tenant, once Microsoft reported one.
    pub tenant_id: Option<String>,
    /// Microsoft's error, when it failed.
    pub error: Option<String>,
    /// When the link was opened.
    pub created_at: OffsetDateTime,
    /// Whether it can still complete.
    pub expired: bool,
}

fn state_hash(state: &str) -> String {
    let digest = Sha256::digest(state.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Step 1: records an onboarding for `customer_name` and returns the `state` for Microsoft.
pub async fn start_onboarding(
    db: &DatabaseConnection,
    customer_name: &CustomerName,
    now: OffsetDateTime,
) -> Result<StartedOnboarding, DbErr> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let state = URL_SAFE_NO_PAD.encode(bytes);
    let id = Uuid::now_v7();
    tenant_onboardings::ActiveModel {
        id: Set(id),
        customer_name: Set(customer_name.as_str().to_owned()),
        state_hash: Set(state_hash(&state)),
        status: Set(ONBOARDING_STARTED.into()),
        tenant_id: Set(None),
        error: Set(None),
        completed_by: Set(None),
        expires_at: Set(now + ONBOARDING_LIFETIME),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(StartedOnboarding { id, state })
}

/// Step 2: Microsoft's callback for the onboarding `id` (taken from the browser's session, where
/// it was stored with `state`). A success only marks the row `consented`.
pub async fn record_consent(
    db: &DatabaseConnection,
    id: Uuid,
    state: &str,
    result: ConsentResult,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<ConsentRecorded, TenantError> {
    let row = tenant_onboardings::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| {
            r.state_hash == state_hash(state)
                && r.status == ONBOARDING_STARTED
                && r.expires_at > now
        })
        .ok_or(TenantError::UnknownOnboarding)?;
    let (status, tenant, error, outcome) = match &result {
        ConsentResult::Granted { tenant } => match TenantId::parse(tenant) {
            Some(t) => (ONBOARDING_CONSENTED, Some(t), None, Ok(())),
            None => (
                ONBOARDING_FAILED,
                None,
                Some("invalid_tenant: the tenant in Microsoft's answer is not a GUID".to_owned()),
                Err(TenantError::InvalidTenant),
            ),
        },
        ConsentResult::Denied { error, description } => (
            ONBOARDING_FAILED,
            None,
            Some(match description {
                Some(d) => format!("{error}: {d}"),
                None => error.clone(),
            }),
            Err(TenantError::ConsentDenied {
                error: error.clone(),
                description: description.clone(),
                customer_name: row.customer_name.clone(),
            }),
        ),
    };
    // Only a row still `started` moves on: two callbacks racing for one state cannot both win.
    let updated = tenant_onboardings::Entity::update_many()
        .col_expr(tenant_onboardings::Column::Status, Expr::value(status))
        .col_expr(
            tenant_onboardings::Column::TenantId,
            Expr::value(tenant.as_ref().map(|t| t.as_str().to_owned())),
        )
        .col_expr(
            tenant_onboardings::Column::Error,
            Expr::value(
                error
                    .clone()
                    .map(|e| e.chars().take(1000).collect::<String>()),
            ),
        )
        .col_expr(tenant_onboardings::Column::UpdatedAt, Expr::value(now))
        .filter(tenant_onboardings::Column::Id.eq(id))
        .filter(tenant_onboardings::Column::Status.eq(ONBOARDING_STARTED))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(TenantError::UnknownOnboarding);
    }
    audit::record(
        db,
        AuditEvent {
            actor: Actor::Anonymous,
            action: "tenant.admin_consent",
            target: format!(
                "customer:{}{}",
                row.customer_name,
                tenant
                    .as_ref()
                    .map(|t| format!(" tenant:{t}"))
                    .unwrap_or_default()
            ),
            outcome: if outcome.is_ok() {
                Outcome::Success
            } else {
                Outcome::Failure
            },
            detail: error,
        },
        context,
        now,
    )
    .await?;
    outcome?;
    let tenant_id = tenant.ok_or(TenantError::InvalidTenant)?;
    Ok(ConsentRecorded {
        onboarding_id: id,
        customer_name: row.customer_name,
        tenant_id,
    })
}

/// Step 3: the administrator signed in with a verified ID token. Onboards the tenant (or, under
/// [`OnboardingMode::OperatorApproved`], leaves it awaiting approval) when it is the one that
/// consented and the token names an administrator role; the consenting identity is recorded.
pub async fn complete_onboarding(
    db: &DatabaseConnection,
    policy: &OnboardingPolicy,
    onboarding_id: Uuid,
    consented_tenant: &str,
    admin: &ConfirmingAdmin<'_>,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<OnboardingOutcome, TenantError> {
    let consented = TenantId::parse(consented_tenant).ok_or(TenantError::InvalidTenant)?;
    let row = tenant_onboardings::Entity::find_by_id(onboarding_id)
        .one(db)
        .await?
        .filter(|r| {
            r.status == ONBOARDING_CONSENTED
                && r.tenant_id.as_deref() == Some(consented.as_str())
                && r.expires_at > now
        })
        .ok_or(TenantError::UnknownOnboarding)?;
    let refusal = if admin.tenant != &consented {
        Some((
            format!("signed in from tenant {}", admin.tenant),
            TenantError::TenantMismatch {
                signed_in: admin.tenant.clone(),
                consented: consented.clone(),
            },
        ))
    } else if !policy.is_admin(admin.directory_roles) {
        Some((
            "the account holds no administrator role that can grant consent".to_owned(),
            TenantError::NotAnAdministrator {
                account: admin.account.to_owned(),
            },
        ))
    } else {
        None
    };
    if let Some((detail, error)) = refusal {
        audit::record(
            db,
            AuditEvent {
                actor: Actor::Identity(admin.label.to_owned()),
                action: "tenant.onboard",
                target: format!("tenant:{consented}"),
                outcome: Outcome::Failure,
                detail: Some(detail),
            },
            context,
            now,
        )
        .await?;
        return Err(error);
    }
    let awaits =
        policy.mode == OnboardingMode::OperatorApproved && !is_onboarded(db, &consented).await?;
    let txn = db.begin().await?;
    let status = if awaits {
        ONBOARDING_AWAITING_APPROVAL
    } else {
        ONBOARDING_COMPLETED
    };
    let updated = tenant_onboardings::Entity::update_many()
        .col_expr(tenant_onboardings::Column::Status, Expr::value(status))
        .col_expr(
            tenant_onboardings::Column::CompletedBy,
            Expr::value(admin.label),
        )
        .col_expr(tenant_onboardings::Column::UpdatedAt, Expr::value(now))
        .filter(tenant_onboardings::Column::Id.eq(onboarding_id))
        .filter(tenant_onboardings::Column::Status.eq(ONBOARDING_CONSENTED))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(TenantError::UnknownOnboarding);
    }
    let onboarded = Onboarded {
        customer_name: row.customer_name,
        tenant_id: consented,
    };
    if awaits {
        audit::record(
            &txn,
            AuditEvent {
                actor: Actor::Identity(admin.label.to_owned()),
                action: "tenant.onboard_request",
                target: format!(
                    "tenant:{} customer:{}",
                    onboarded.tenant_id, onboarded.customer_name
                ),
                outcome: Outcome::Success,
                detail: Some("awaiting an operator's approval".into()),
            },
            context,
            now,
        )
        .await?;
        txn.commit().await?;
        return Ok(OnboardingOutcome::AwaitingApproval(onboarded));
    }
    put_on_allow_list(
        &txn,
        &onboarded,
        admin.label,
        Actor::Identity(admin.label.to_owned()),
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(tenant_id = %onboarded.tenant_id, "tenant onboarded");
    Ok(OnboardingOutcome::Onboarded(onboarded))
}

/// An operator approves an onboarding awaiting approval: the tenant joins the allow-list, with
/// the consenting administrator recorded as who onboarded it.
pub async fn approve_onboarding(
    db: &DatabaseConnection,
    onboarding_id: Uuid,
    operator: Actor,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<Onboarded, TenantError> {
    let txn = db.begin().await?;
    // The conditional update first: of two approvals (or an approval racing the purge) one wins.
    let updated = tenant_onboardings::Entity::update_many()
        .col_expr(
            tenant_onboardings::Column::Status,
            Expr::value(ONBOARDING_COMPLETED),
        )
        .col_expr(tenant_onboardings::Column::UpdatedAt, Expr::value(now))
        .filter(tenant_onboardings::Column::Id.eq(onboarding_id))
        .filter(tenant_onboardings::Column::Status.eq(ONBOARDING_AWAITING_APPROVAL))
        .exec(&txn)
        .await?;
    let row = tenant_onboardings::Entity::find_by_id(onboarding_id)
        .one(&txn)
        .await?;
    let (Some(row), 1) = (row, updated.rows_affected) else {
        txn.rollback().await?;
        return Err(TenantError::UnknownOnboarding);
    };
    let tenant_id = row
        .tenant_id
        .as_deref()
        .and_then(TenantId::parse)
        .ok_or(TenantError::InvalidTenant)?;
    let onboarded = Onboarded {
        customer_name: row.customer_name,
        tenant_id,
    };
    let consented_by = row.completed_by.unwrap_or_default();
    put_on_allow_list(&txn, &onboarded, &consented_by, operator, context, now).await?;
    txn.commit().await?;
    tracing::info!(tenant_id = %onboarded.tenant_id, "tenant onboarding approved");
    Ok(onboarded)
}

/// Inserts or re-activates the tenant row and audits `tenant.onboard` by `actor`.
async fn put_on_allow_list<C: ConnectionTrait>(
    txn: &C,
    onboarded: &Onboarded,
    consented_by: &str,
    actor: Actor,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let id = onboarded.tenant_id.as_str().to_owned();
    let existing = entra_tenants::Entity::find_by_id(id.clone())
        .one(txn)
        .await?;
    let mut tenant = entra_tenants::ActiveModel {
        tenant_id: Set(id),
        customer_name: Set(onboarded.customer_name.clone()),
        status: Set(STATUS_ONBOARDED.into()),
        onboarded_at: Set(now),
        onboarded_by: Set(consented_by.to_owned()),
        offboarded_at: Set(None),
        offboarded_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    if let Some(existing) = existing {
        tenant.created_at = Set(existing.created_at);
        tenant.update(txn).await?;
    } else {
        tenant.insert(txn).await?;
    }
    audit::record(
        txn,
        AuditEvent {
            actor,
            action: "tenant.onboard",
            target: format!(
                "tenant:{} customer:{}",
                onboarded.tenant_id, onboarded.customer_name
            ),
            outcome: Outcome::Success,
            detail: Some(format!("consented by {consented_by}")),
        },
        context,
        now,
    )
    .await
}

/// Whether users of `tenant` may sign in.
pub async fn is_onboarded<C: ConnectionTrait>(db: &C, tenant: &TenantId) -> Result<bool, DbErr> {
    Ok(
        entra_tenants::Entity::find_by_id(tenant.as_str().to_owned())
            .filter(entra_tenants::Column::Status.eq(STATUS_ONBOARDED))
            .one(db)
            .await?
            .is_some(),
    )
}

/// Every tenant ever onboarded, newest first, with user counts and latest sign-in.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<TenantSummary>, DbErr> {
    let tenants = entra_tenants::Entity::find()
        .order_by_desc(entra_tenants::Column::OnboardedAt)
        .all(db)
        .await?;
    let identities = user_identities::Entity::find()
        .filter(user_identities::Column::Provider.eq(Provider::Entra.as_str()))
        .filter(user_identities::Column::Issuer.is_in(tenants.iter().map(|t| t.tenant_id.clone())))
        .all(db)
        .await?;
    Ok(tenants
        .into_iter()
        .map(|t| {
            let of_tenant = identities.iter().filter(|i| i.issuer == t.tenant_id);
            let user_count = of_tenant.clone().count() as u64;
            let last_sign_in = of_tenant.map(|i| i.last_sign_in_at).max();
            TenantSummary {
                onboarded: t.status == STATUS_ONBOARDED,
                offboarded: t.offboarded_at.zip(t.offboarded_by),
                tenant_id: t.tenant_id,
                customer_name: t.customer_name,
                onboarded_at: t.onboarded_at,
                onboarded_by: t.onboarded_by,
                user_count,
                last_sign_in,
            }
        })
        .collect())
}

/// Onboardings that did not complete, newest first (the last 7 days).
pub async fn list_pending(
    db: &DatabaseConnection,
    now: OffsetDateTime,
) -> Result<Vec<PendingOnboarding>, DbErr> {
    let rows = tenant_onboardings::Entity::find()
        .filter(tenant_onboardings::Column::Status.ne(ONBOARDING_COMPLETED))
        .filter(tenant_onboardings::Column::CreatedAt.gt(now - ONBOARDING_RETENTION))
        .order_by_desc(tenant_onboardings::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| PendingOnboarding {
            // Awaiting approval does not expire: the operator may take days (purged after 7).
            expired: r.expires_at <= now && r.status != ONBOARDING_AWAITING_APPROVAL,
            consented_by: r.completed_by,
            id: r.id,
            customer_name: r.customer_name,
            status: r.status,
            tenant_id: r.tenant_id,
            error: r.error,
            created_at: r.created_at,
        })
        .collect())
}

/// Deletes onboardings that did not complete and are older than [`ONBOARDING_RETENTION`] (anyone
/// can open a consent link, so abandoned attempts must not pile up). Returns how many.
pub async fn purge_stale_onboardings(
    db: &DatabaseConnection,
    now: OffsetDateTime,
) -> Result<u64, DbErr> {
    Ok(tenant_onboardings::Entity::delete_many()
        .filter(tenant_onboardings::Column::Status.ne(ONBOARDING_COMPLETED))
        .filter(tenant_onboardings::Column::CreatedAt.lte(now - ONBOARDING_RETENTION))
        .exec(db)
        .await?
        .rows_affected)
}

/// Offboards `tenant`: its users can no longer sign in, and their portal sessions end at once.
pub async fn offboard(
    db: &DatabaseConnection,
    tenant: &TenantId,
    actor: Actor,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), TenantError> {
    let txn = db.begin().await?;
    let updated = entra_tenants::Entity::update_many()
        .col_expr(
            entra_tenants::Column::Status,
            Expr::value(STATUS_OFFBOARDED),
        )
        .col_expr(entra_tenants::Column::OffboardedAt, Expr::value(Some(now)))
        .col_expr(
            entra_tenants::Column::OffboardedBy,
            Expr::value(Some(actor.label())),
        )
        .col_expr(entra_tenants::Column::UpdatedAt, Expr::value(now))
        .filter(entra_tenants::Column::TenantId.eq(tenant.as_str()))
        .filter(entra_tenants::Column::Status.eq(STATUS_ONBOARDED))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(TenantError::NotFound);
    }
    let user_ids: Vec<Uuid> = user_identities::Entity::find()
        .filter(user_identities::Column::Provider.eq(Provider::Entra.as_str()))
        .filter(user_identities::Column::Issuer.eq(tenant.as_str()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|i| i.user_id)
        .collect();
    if !user_ids.is_empty() {
        users::Entity::update_many()
            .col_expr(users::Column::SessionsNotBefore, Expr::value(Some(now)))
            .filter(users::Column::Id.is_in(user_ids.clone()))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        AuditEvent {
            actor,
            action: "tenant.offboard",
            target: format!("tenant:{tenant}"),
            outcome: Outcome::Success,
            detail: Some(format!("{} user(s) signed out", user_ids.len())),
        },
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    crate::oauth::token_cache::announce_revocation(db).await;
    tracing::info!(tenant_id = %tenant, users = user_ids.len(), "tenant offboarded");
    Ok(())
}

#[cfg(test)]
#[path = "tenants_tests.rs"]
mod tests;
