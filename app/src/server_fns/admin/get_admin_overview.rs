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
    /// Customer name.
    pub customer_name: String,
    /// `started`, `consented` or `failed`.
    pub status: String,
    /// The tenant, once known.
    pub tenant_id: Option<String>,
    /// Microsoft's error, if it failed.
    pub error: Option<String>,
    /// When the link was opened (RFC 3339).
    pub created_at: String,
    /// Whether it can no longer complete.
    pub expired: bool,
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
    Ok(AdminOverview {
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
                customer_name: p.customer_name,
                status: p.status,
                tenant_id: p.tenant_id,
                error: p.error,
                created_at: fmt(p.created_at),
                expired: p.expired,
            })
            .collect(),
    })
}
