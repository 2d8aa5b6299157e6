use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// An onboarded (or offboarded) tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRow {
    /// Tenant id.
    pub tenant_id: String,
    /// Customer name.
    pub customer_name: String,
    /// Whether its users may sign in.
    pub onboarded: bool,
    /// When it was onboarded (RFC 3339).
    pub onboarded_at: String,
    /// Who consented.
    pub onboarded_by: String,
    /// When and by whom it was offboarded.
    pub offboarded: Option<(String, String)>,
    /// Users who signed in from it.
    pub user_count: u64,
    /// Their latest sign-in (RFC 3339).
    pub last_sign_in: Option<String>,
}

/// An onboarding that has not completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRow {
    /// The onboarding's id (to approve it).
    pub id: String,
    /// Customer name.
    pub customer_name: String,
    /// `started`, `consented`, `failed` or `awaiting_approval`.
    pub status: String,
    /// The administrator who consented, once one confirmed.
    pub consented_by: Option<String>,
    /// The tenant, once known.
    pub tenant_id: Option<String>,
    /// Microsoft's error, if it failed.
    pub error: Option<String>,
    /// When the link was opened (RFC 3339).
    pub created_at: String,
    /// Whether it can no longer complete.
    pub expired: bool,
}

/// An organisation as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRow {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `free` or `pro`.
    pub plan: String,
    /// Its owner's name.
    pub owner: Option<String>,
    /// Members.
    pub members: u64,
    /// Created (RFC 3339).
    pub created_at: String,
}

/// An invite code (never the code itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteCodeRow {
    /// Its id.
    pub id: String,
    /// Who it is for.
    pub label: String,
    /// "1 of 5" / "3 (no limit)".
    pub uses: String,
    /// Created (RFC 3339) and by whom.
    pub created: (String, String),
    /// Revoked (RFC 3339).
    pub revoked_at: Option<String>,
    /// Whether it can still be redeemed.
    pub usable: bool,
}

/// Everything the operators' page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOverview {
    /// Whether Microsoft sign-in is configured (onboarding needs it).
    pub microsoft_configured: bool,
    /// Tenants, newest first.
    pub tenants: Vec<TenantRow>,
    /// Onboardings of the last 7 days that did not complete.
    pub pending: Vec<PendingRow>,
    /// Organisations, newest first.
    pub organizations: Vec<OrganizationRow>,
    /// Invite codes, newest first.
    pub invite_codes: Vec<InviteCodeRow>,
    /// The plan new organisations start on (`free` / `pro`).
    pub default_plan: String,
}

/// The operators' overview.
#[server(endpoint = "admin/overview")]
pub async fn get_admin_overview() -> Result<AdminOverview, PortalError> {
    use crate::state::{app_state, current_operator};
    use time::format_description::well_known::Rfc3339;
    current_operator().await?;
    let state = app_state()?;
    let now = domain::OffsetDateTime::now_utc();
    let fmt = |t: domain::OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let internal = |e: sea_orm::DbErr| {
        tracing::error!(error = %e, "loading tenants failed");
        PortalError::Internal
    };
    let tenants = domain::tenants::list(&state.db).await.map_err(internal)?;
    let pending = domain::tenants::list_pending(&state.db, now)
        .await
        .map_err(internal)?;
    let organizations = domain::organizations::list_organizations(&state.db)
        .await
        .map_err(internal)?;
    let invite_codes = domain::organizations::list_invite_codes(&state.db)
        .await
        .map_err(internal)?;
    let default_plan = domain::organizations::default_plan(&state.db, state.settings.default_plan)
        .await
        .map_err(internal)?;
    Ok(AdminOverview {
        default_plan: default_plan.as_str().to_owned(),
        organizations: organizations
            .into_iter()
            .map(|o| OrganizationRow {
                id: o.organization.id.to_string(),
                name: o.organization.name,
                plan: o.organization.plan.as_str().to_owned(),
                owner: o.owner,
                members: o.members,
                created_at: fmt(o.organization.created_at),
            })
            .collect(),
        invite_codes: invite_codes
            .into_iter()
            .map(|c| InviteCodeRow {
                id: c.id.to_string(),
                usable: c.is_usable(),
                label: c.label,
                uses: match c.max_uses {
                    Some(max) => format!("{} of {max}", c.uses),
                    None => format!("{} (no limit)", c.uses),
                },
                created: (fmt(c.created_at), c.created_by),
                revoked_at: c.revoked_at.map(fmt),
            })
            .collect(),
        microsoft_configured: state.identity_providers.entra.is_some(),
        tenants: tenants
            .into_iter()
            .map(|t| TenantRow {
                tenant_id: t.tenant_id,
                customer_name: t.customer_name,
                onboarded: t.onboarded,
                onboarded_at: fmt(t.onboarded_at),
                onboarded_by: t.onboarded_by,
                offboarded: t.offboarded.map(|(at, by)| (fmt(at), by)),
                user_count: t.user_count,
                last_sign_in: t.last_sign_in.map(fmt),
            })
            .collect(),
        pending: pending
            .into_iter()
            .map(|p| PendingRow {
                id: p.id.to_string(),
                customer_name: p.customer_name,
                status: p.status,
                consented_by: p.consented_by,
                tenant_id: p.tenant_id,
                error: p.error,
                created_at: fmt(p.created_at),
                expired: p.expired,
            })
            .collect(),
    })
}
