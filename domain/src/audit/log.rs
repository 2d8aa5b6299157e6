//! Reading the audit log: an organisation's events with filters and pages, the CSV export, and
//! the retention purge.

use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use time::{format_description::well_known::Rfc3339, Date, OffsetDateTime, Time};
use uuid::Uuid;

use crate::entity::audit_events;

/// Events per page.
pub const PAGE_SIZE: u64 = 50;
/// The most rows one export holds (the newest); narrow the filter for older ones.
pub const EXPORT_MAX_ROWS: u64 = 100_000;

/// Every action the gateway records, with what it means (the audit page's filter and
/// `docs/audit.md`).
pub const ACTIONS: &[(&str, &str)] = &[
    ("auth.sign_in", "Signed in (or a refused sign-in)"),
    ("auth.sign_out", "Signed out"),
    ("auth.sign_out_everywhere", "Ended all their sessions"),
    ("tenant.admin_consent", "Microsoft admin-consent callback"),
    ("tenant.onboard", "Tenant onboarded"),
    ("tenant.offboard", "Tenant offboarded"),
    ("operator.grant", "Operator granted"),
    ("operator.revoke", "Operator revoked"),
    ("organization.create", "Organisation created"),
    ("organization.rename", "Organisation renamed"),
    ("organization.transfer_ownership", "Ownership transferred"),
    ("organization.delete", "Organisation deleted"),
    ("member.role_change", "Member's role changed"),
    ("member.remove", "Member removed"),
    ("member.leave", "Member left"),
    ("team.create", "Team created"),
    ("team.delete", "Team deleted"),
    ("team.member_add", "Added to a team"),
    ("team.member_remove", "Removed from a team"),
    ("invitation.create", "Invite link created"),
    ("invitation.revoke", "Invite link revoked"),
    ("invitation.accept", "Invite link used"),
    ("plan.change", "Plan changed"),
    ("plan.default_change", "Default plan changed"),
    ("invite_code.create", "Invite code created"),
    ("invite_code.revoke", "Invite code revoked"),
    ("oauth.client_register", "MCP client registered"),
    ("oauth.consent_grant", "MCP client approved"),
    ("oauth.consent_revoke", "MCP client revoked"),
    (
        "oauth.grant_revoke",
        "MCP client's tokens revoked by the client",
    ),
    ("oauth.code_reuse", "Authorization code reused"),
    ("oauth.refresh_reuse", "Refresh token reused"),
    ("service_client.create", "Service client created"),
    ("service_client.rotate", "Service client secret rotated"),
    ("service_client.delete", "Service client deleted"),
    (
        "vault.key_rotation",
        "Master key rotated (data keys re-wrapped)",
    ),
    ("connection.create", "Vendor connected (or a refused check)"),
    ("connection.update", "Vendor connection changed"),
    ("connection.test", "Vendor connection re-tested"),
    ("connection.delete", "Vendor disconnected"),
    ("connection.default", "Default connection chosen"),
    ("tool_access.update", "Tool access changed"),
    (
        "vault.integrity_failure",
        "A stored credential failed its integrity check",
    ),
];

/// What to show; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Events by this user.
    pub actor_user_id: Option<Uuid>,
    /// Events with this action (one of [`ACTIONS`]).
    pub action: Option<String>,
    /// On or after this day (UTC).
    pub from: Option<Date>,
    /// On or before this day (UTC).
    pub to: Option<Date>,
}

/// One page of events.
#[derive(Debug, Clone)]
pub struct AuditPage {
    /// Newest first.
    pub events: Vec<audit_events::Model>,
    /// This page (from 1).
    pub page: u64,
    /// Pages in all (at least 1).
    pub pages: u64,
    /// Matching events in all.
    pub total: u64,
}

fn condition(organization_id: Uuid, filter: &AuditFilter) -> Condition {
    let mut condition =
        Condition::all().add(audit_events::Column::OrganizationId.eq(organization_id));
    if let Some(actor) = filter.actor_user_id {
        condition = condition.add(audit_events::Column::ActorUserId.eq(actor));
    }
    if let Some(action) = &filter.action {
        condition = condition.add(audit_events::Column::Action.eq(action.as_str()));
    }
    if let Some(from) = filter.from {
        condition = condition
            .add(audit_events::Column::OccurredAt.gte(from.with_time(Time::MIDNIGHT).assume_utc()));
    }
    if let Some(to) = filter.to.and_then(Date::next_day) {
        condition = condition
            .add(audit_events::Column::OccurredAt.lt(to.with_time(Time::MIDNIGHT).assume_utc()));
    }
    condition
}

/// Page `page` (from 1; past the end gives the last page) of the organisation's events.
pub async fn list(
    db: &DatabaseConnection,
    organization_id: Uuid,
    filter: &AuditFilter,
    page: u64,
) -> Result<AuditPage, DbErr> {
    let paginator = audit_events::Entity::find()
        .filter(condition(organization_id, filter))
        .order_by_desc(audit_events::Column::OccurredAt)
        .order_by_desc(audit_events::Column::Id)
        .paginate(db, PAGE_SIZE);
    let total = paginator.num_items().await?;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let events = paginator.fetch_page(page - 1).await?;
    Ok(AuditPage {
        events,
        page,
        pages,
        total,
    })
}

/// A spreadsheet would run a cell starting with one of these as a formula (CSV injection): such
/// cells get a leading `'` (OWASP's advice).
fn neutralise(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// The organisation's matching events as CSV (RFC 4180, header row, newest first, at most
/// [`EXPORT_MAX_ROWS`]).
pub async fn export_csv(
    db: &DatabaseConnection,
    organization_id: Uuid,
    filter: &AuditFilter,
) -> Result<String, DbErr> {
    let events = audit_events::Entity::find()
        .filter(condition(organization_id, filter))
        .order_by_desc(audit_events::Column::OccurredAt)
        .order_by_desc(audit_events::Column::Id)
        .limit(EXPORT_MAX_ROWS)
        .all(db)
        .await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| DbErr::Custom(format!("writing CSV: {e}"));
    writer
        .write_record([
            "occurred_at",
            "actor",
            "actor_user_id",
            "action",
            "target",
            "outcome",
            "detail",
            "request_id",
            "ip",
        ])
        .map_err(csv_error)?;
    for e in events {
        writer
            .write_record([
                e.occurred_at.format(&Rfc3339).unwrap_or_default(),
                neutralise(&e.actor),
                e.actor_user_id.map(|id| id.to_string()).unwrap_or_default(),
                e.action,
                neutralise(&e.target),
                e.outcome,
                neutralise(e.detail.as_deref().unwrap_or_default()),
                neutralise(e.request_id.as_deref().unwrap_or_default()),
                e.ip.unwrap_or_default(),
            ])
            .map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| DbErr::Custom(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| DbErr::Custom(format!("writing CSV: {e}")))
}

/// Deletes events that occurred before `cutoff` (the retention job); returns how many.
pub async fn purge_older_than(
    db: &DatabaseConnection,
    cutoff: OffsetDateTime,
) -> Result<u64, DbErr> {
    Ok(audit_events::Entity::delete_many()
        .filter(audit_events::Column::OccurredAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("-1+1"), "'-1+1");
        assert_eq!(neutralise("Ada"), "Ada");
    }
}
