use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// One event as the audit page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// Event id.
    pub id: String,
    /// When (RFC 3339).
    pub occurred_at: String,
    /// Who.
    pub actor: String,
    /// What (`member.remove`).
    pub action: String,
    /// On what.
    pub target: String,
    /// `success` or `failure`.
    pub outcome: String,
    /// Details.
    pub detail: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Client IP.
    pub ip: Option<String>,
}

/// A page of the audit log, with what the filters can choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLogView {
    /// Events, newest first.
    pub events: Vec<AuditRow>,
    /// This page (from 1).
    pub page: u64,
    /// Pages in all.
    pub pages: u64,
    /// Matching events.
    pub total: u64,
    /// Members to filter by: (user id, name).
    pub actors: Vec<(String, String)>,
    /// Actions to filter by: (action, description).
    pub actions: Vec<(String, String)>,
}

/// Parses the filter as the page and the CSV export receive it (text from a GET form).
#[cfg(feature = "ssr")]
pub fn parse_audit_filter(
    actor: &str,
    action: &str,
    from: &str,
    to: &str,
) -> Result<domain::audit::AuditFilter, String> {
    let date = |value: &str, which: &str| -> Result<Option<time::Date>, String> {
        match value.trim() {
            "" => Ok(None),
            v => time::Date::parse(v, time::macros::format_description!("[year]-[month]-[day]"))
                .map(Some)
                .map_err(|_| format!("The “{which}” date must look like 2026-11-26.")),
        }
    };
    let filter = domain::audit::AuditFilter {
        actor_user_id: match actor.trim() {
            "" => None,
            id => Some(
                uuid::Uuid::parse_str(id)
                    .map_err(|_| "Choose a person from the list.".to_owned())?,
            ),
        },
        action: match action.trim() {
            "" => None,
            a if domain::audit::ACTIONS.iter().any(|(known, _)| *known == a) => Some(a.to_owned()),
            _ => return Err("Choose an action from the list.".into()),
        },
        from: date(from, "From")?,
        to: date(to, "To")?,
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err("The “From” date is after the “To” date.".into());
        }
    }
    Ok(filter)
}

/// A page of the caller's organisation's audit log (owner and admins, Pro).
#[server(endpoint = "organization/audit")]
pub async fn get_audit_log(
    actor: String,
    action: String,
    from: String,
    to: String,
    page: u64,
) -> Result<AuditLogView, PortalError> {
    use crate::state::{db_error, org_error, with_status};
    use domain::organizations::{self as orgs, Permission};
    let (state, user, _, _) = super::caller()?;
    let membership = orgs::authorize(&state.db, user.id, Permission::ViewAuditLog)
        .await
        .map_err(org_error)?;
    let filter = parse_audit_filter(&actor, &action, &from, &to)
        .map_err(|m| with_status(PortalError::Invalid(m)))?;
    let organization_id = membership.organization.id;
    let found = domain::audit::list(&state.db, organization_id, &filter, page)
        .await
        .map_err(db_error)?;
    let members = orgs::list_members(&state.db, organization_id)
        .await
        .map_err(db_error)?;
    Ok(AuditLogView {
        events: found
            .events
            .into_iter()
            .map(|e| AuditRow {
                id: e.id.to_string(),
                occurred_at: super::rfc3339(e.occurred_at),
                actor: e.actor,
                action: e.action,
                target: e.target,
                outcome: e.outcome,
                detail: e.detail,
                request_id: e.request_id,
                ip: e.ip,
            })
            .collect(),
        page: found.page,
        pages: found.pages,
        total: found.total,
        actors: members
            .into_iter()
            .map(|m| (m.user_id.to_string(), m.display_name))
            .collect(),
        actions: domain::audit::ACTIONS
            .iter()
            .map(|(a, d)| ((*a).to_owned(), (*d).to_owned()))
            .collect(),
    })
}
