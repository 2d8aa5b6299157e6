//! Plans (Free and Pro), their limits, the instance's default plan and Pro invite codes.
//!
//! Limits are checked by the domain functions that would exceed them, with a message that names
//! the limit. Invite codes are 100-bit random values shown once at creation and stored as their
//! SHA-256; redeeming one is a conditional update, so `max_uses` holds under concurrency.

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{token_hash, OrgError};
use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    entity::{instance_settings, invite_codes, organizations},
};

/// An organisation's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    /// One member, three personal connections, no shared credentials, invitations or audit log.
    Free,
    /// No limits.
    Pro,
}

/// What a plan allows (`None`: unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Members of the organisation, owner included.
    pub max_members: Option<u64>,
    /// Personal vendor connections per user.
    pub max_personal_connections: Option<u64>,
    /// Team and organisation credentials.
    pub shared_connections: bool,
    /// Invite links.
    pub invitations: bool,
    /// Teams (groups of members).
    pub teams: bool,
    /// The audit log page and export.
    pub audit_log: bool,
    /// Service clients (`client_credentials`).
    pub service_clients: bool,
}

/// The message shown when a Free organisation reaches for a Pro feature.
pub const UPGRADE_HINT: &str =
    "Ask your gateway operator for an invite code and enter it under Settings → Organisation to upgrade to Pro.";

impl Plan {
    /// Parses `free` / `pro`.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "free" => Some(Plan::Free),
            "pro" => Some(Plan::Pro),
            _ => None,
        }
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
        }
    }

    /// How the portal names it.
    pub fn label(self) -> &'static str {
        match self {
            Plan::Free => "Free",
            Plan::Pro => "Pro",
        }
    }

    /// What it allows.
    pub fn limits(self) -> Limits {
        match self {
            Plan::Free => Limits {
                max_members: Some(1),
                max_personal_connections: Some(3),
                shared_connections: false,
                invitations: false,
                teams: false,
                audit_log: false,
                service_clients: false,
            },
            Plan::Pro => Limits {
                max_members: None,
                max_personal_connections: None,
                shared_connections: true,
                invitations: true,
                teams: true,
                audit_log: true,
                service_clients: true,
            },
        }
    }

    /// Why a feature is unavailable on this plan, if it is.
    pub(crate) fn refusal(self, feature: PlanFeature) -> Option<String> {
        let limits = self.limits();
        let (allowed, what) = match feature {
            PlanFeature::Invitations => (limits.invitations, "Invite links are"),
            PlanFeature::Teams => (limits.teams, "Teams are"),
            PlanFeature::AuditLog => (limits.audit_log, "The audit log is"),
            PlanFeature::SharedConnections => (limits.shared_connections, "Shared connections are"),
            PlanFeature::ServiceClients => (limits.service_clients, "Service clients are"),
        };
        (!allowed).then(|| {
            format!(
                "{what} part of the Pro plan; this organisation is on the {} plan. {UPGRADE_HINT}",
                self.label()
            )
        })
    }
}

/// A plan-gated feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlanFeature {
    Invitations,
    Teams,
    AuditLog,
    SharedConnections,
    ServiceClients,
}

const DEFAULT_PLAN_KEY: &str = "default_plan";

/// The plan of new organisations: an operator's run-time choice, else the configuration's.
pub async fn default_plan<C: ConnectionTrait>(db: &C, configured: Plan) -> Result<Plan, DbErr> {
    Ok(instance_settings::Entity::find_by_id(DEFAULT_PLAN_KEY)
        .one(db)
        .await?
        .and_then(|row| Plan::parse(&row.value))
        .unwrap_or(configured))
}

/// Sets the plan of new organisations (existing ones keep theirs).
pub async fn set_default_plan(
    db: &DatabaseConnection,
    plan: Plan,
    actor: Actor,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    instance_settings::Entity::delete_by_id(DEFAULT_PLAN_KEY)
        .exec(&txn)
        .await?;
    instance_settings::ActiveModel {
        key: Set(DEFAULT_PLAN_KEY.into()),
        value: Set(plan.as_str().into()),
        updated_by: Set(actor.label()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEvent {
            actor,
            action: "plan.default_change",
            target: "instance".into(),
            outcome: Outcome::Success,
            detail: Some(format!("new organisations start on {}", plan.label())),
        },
        context,
        now,
    )
    .await?;
    txn.commit().await
}

/// Sets an organisation's plan (an operator's decision). Downgrading keeps existing members and
/// data; what the Free plan does not allow is refused from then on.
pub async fn set_plan(
    db: &DatabaseConnection,
    organization_id: Uuid,
    plan: Plan,
    actor: Actor,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let txn = db.begin().await?;
    let updated = organizations::Entity::update_many()
        .col_expr(organizations::Column::Plan, Expr::value(plan.as_str()))
        .col_expr(organizations::Column::UpdatedAt, Expr::value(now))
        .filter(organizations::Column::Id.eq(organization_id))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(OrgError::NotFound(
            "That organisation does not exist (it may have been deleted).".into(),
        ));
    }
    audit::record_in(
        &txn,
        Some(organization_id),
        AuditEvent {
            actor,
            action: "plan.change",
            target: format!("organization:{organization_id}"),
            outcome: Outcome::Success,
            detail: Some(format!("plan set to {}", plan.label())),
        },
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// An invite code as listed (never the code itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteCode {
    /// Its id.
    pub id: Uuid,
    /// What the operator called it ("Acme pilot").
    pub label: String,
    /// How many organisations may redeem it (`None`: unlimited).
    pub max_uses: Option<u32>,
    /// How many did.
    pub uses: u32,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: OffsetDateTime,
    /// When it was revoked.
    pub revoked_at: Option<OffsetDateTime>,
}

impl InviteCode {
    /// Whether it can still be redeemed.
    pub fn is_usable(&self) -> bool {
        self.revoked_at.is_none() && self.max_uses.is_none_or(|max| self.uses < max)
    }
}

impl From<invite_codes::Model> for InviteCode {
    fn from(m: invite_codes::Model) -> Self {
        Self {
            id: m.id,
            label: m.label,
            max_uses: m.max_uses.and_then(|n| u32::try_from(n).ok()),
            uses: u32::try_from(m.uses).unwrap_or(0),
            created_by: m.created_by,
            created_at: m.created_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// The longest invite-code label.
pub const MAX_LABEL_CHARS: usize = 100;

/// Crockford's base32 alphabet (no I, L, O, U): codes are read and typed by people.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new code: `PRO-` and 20 base32 characters (100 bits from the OS CSPRNG) in groups of five.
fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let body: String = (0..20)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect();
    let groups: Vec<&str> = (0..4).map(|i| &body[i * 5..i * 5 + 5]).collect();
    format!("PRO-{}", groups.join("-"))
}

/// What is hashed: upper case, without spaces, dashes and the `PRO` prefix, so a code typed in
/// lower case or without dashes still matches.
fn normalize_code(code: &str) -> String {
    let compact: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    compact.strip_prefix("PRO").unwrap_or(&compact).to_owned()
}

/// Creates an invite code; the returned string is the only time the code exists in clear.
pub async fn create_invite_code(
    db: &DatabaseConnection,
    label: &str,
    max_uses: Option<u32>,
    actor: Actor,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(InviteCode, String), OrgError> {
    let label = label.trim();
    if label.is_empty()
        || label.chars().count() > MAX_LABEL_CHARS
        || label.chars().any(char::is_control)
    {
        return Err(OrgError::Invalid(format!(
            "Give the code a label of 1 to {MAX_LABEL_CHARS} characters (who it is for), without line breaks."
        )));
    }
    if max_uses == Some(0) || max_uses.is_some_and(|n| n > 100_000) {
        return Err(OrgError::Invalid(
            "Maximum uses must be between 1 and 100000, or empty for unlimited.".into(),
        ));
    }
    let code = new_code();
    let txn = db.begin().await?;
    let row = invite_codes::ActiveModel {
        id: Set(Uuid::now_v7()),
        code_hash: Set(token_hash(&normalize_code(&code))),
        label: Set(label.to_owned()),
        max_uses: Set(max_uses.map(|n| n as i32)),
        uses: Set(0),
        created_by: Set(actor.label()),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEvent {
            actor,
            action: "invite_code.create",
            target: format!("invite_code:{}", row.id),
            outcome: Outcome::Success,
            detail: Some(format!("label: {label}")),
        },
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((row.into(), code))
}

/// Every invite code, newest first.
pub async fn list_invite_codes(db: &DatabaseConnection) -> Result<Vec<InviteCode>, DbErr> {
    Ok(invite_codes::Entity::find()
        .order_by_desc(invite_codes::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(InviteCode::from)
        .collect())
}

/// Revokes an invite code (organisations already upgraded stay Pro). Idempotent.
pub async fn revoke_invite_code(
    db: &DatabaseConnection,
    id: Uuid,
    actor: Actor,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), OrgError> {
    let txn = db.begin().await?;
    let updated = invite_codes::Entity::update_many()
        .col_expr(invite_codes::Column::RevokedAt, Expr::value(Some(now)))
        .col_expr(invite_codes::Column::UpdatedAt, Expr::value(now))
        .filter(invite_codes::Column::Id.eq(id))
        .filter(invite_codes::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        txn.rollback().await?;
        return match invite_codes::Entity::find_by_id(id).one(db).await? {
            Some(_) => Ok(()),
            None => Err(OrgError::NotFound("No invite code has that id.".into())),
        };
    }
    audit::record(
        &txn,
        AuditEvent {
            actor,
            action: "invite_code.revoke",
            target: format!("invite_code:{id}"),
            outcome: Outcome::Success,
            detail: None,
        },
        context,
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// Consumes one use of `code` inside `txn` (which it starts with this write) and returns the
/// code's id; a wrong, revoked or used-up code is refused with one message (which of the three
/// is not revealed to someone guessing codes).
pub(crate) async fn redeem_invite_code<C: ConnectionTrait>(
    txn: &C,
    code: &str,
    now: OffsetDateTime,
) -> Result<Uuid, OrgError> {
    let hash = token_hash(&normalize_code(code));
    let updated = invite_codes::Entity::update_many()
        .col_expr(
            invite_codes::Column::Uses,
            Expr::col(invite_codes::Column::Uses).add(1),
        )
        .col_expr(invite_codes::Column::UpdatedAt, Expr::value(now))
        .filter(invite_codes::Column::CodeHash.eq(&hash))
        .filter(invite_codes::Column::RevokedAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(invite_codes::Column::MaxUses.is_null())
                .add(
                    Expr::col(invite_codes::Column::Uses)
                        .lt(Expr::col(invite_codes::Column::MaxUses)),
                ),
        )
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(OrgError::Invalid(
            "That invite code is not valid: it may be mistyped, revoked or used up. Check it with whoever gave it to you, or leave the field empty."
                .into(),
        ));
    }
    invite_codes::Entity::find()
        .filter(invite_codes::Column::CodeHash.eq(hash))
        .one(txn)
        .await?
        .map(|row| row.id)
        .ok_or(OrgError::Db(DbErr::RecordNotFound("invite code".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_100_bits_in_readable_groups_and_typing_variants_match() {
        let code = new_code();
        assert_eq!(code.len(), "PRO-".len() + 20 + 3);
        assert!(code.starts_with("PRO-"));
        assert_ne!(code, new_code());
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(normalize_code(&typed), normalize_code(&code));
        assert_eq!(normalize_code(&code).len(), 20);
    }

    #[test]
    fn free_names_each_missing_feature_and_pro_has_none() {
        let message = Plan::Free
            .refusal(PlanFeature::Invitations)
            .unwrap_or_default();
        assert!(
            message.starts_with("Invite links are part of the Pro plan"),
            "{message}"
        );
        assert!(message.contains("Free plan"));
        for feature in [
            PlanFeature::Invitations,
            PlanFeature::Teams,
            PlanFeature::AuditLog,
            PlanFeature::SharedConnections,
        ] {
            assert_eq!(Plan::Pro.refusal(feature), None);
            assert!(Plan::Free.refusal(feature).is_some());
        }
        assert_eq!(Plan::Free.limits().max_members, Some(1));
        assert_eq!(Plan::Free.limits().max_personal_connections, Some(3));
        assert_eq!(Plan::parse(" PRO "), Some(Plan::Pro));
        assert_eq!(Plan::parse("business"), None);
    }
}
