//! `GET /organisation/audit/export.csv`: the organisation's audit log as CSV, with the audit
//! page's filter (owner and admins of a Pro organisation). A plain route rather than a server
//! function so the browser downloads it as a file.

use app::{
    server_fns::organization::parse_audit_filter,
    state::{AppState, CurrentUser},
};
use axum::{
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
    Extension,
};
use domain::organizations::{self, OrgError, Permission};
use serde::Deserialize;

use crate::error::ApiError;

/// The audit page's filter, as its GET form sends it.
#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// Streams nothing clever: at most `EXPORT_MAX_ROWS` rows, built in memory.
pub async fn export_csv(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let Extension(CurrentUser(user)) = user.ok_or(ApiError::Unauthorized)?;
    let membership = organizations::authorize(&state.db, user.id, Permission::ViewAuditLog)
        .await
        .map_err(|e| match e {
            OrgError::Db(e) => e.into(),
            other => ApiError::Refused(other.to_string()),
        })?;
    let filter = parse_audit_filter(&query.actor, &query.action, &query.from, &query.to)
        .map_err(ApiError::Invalid)?;
    let csv = domain::audit::export_csv(&state.db, membership.organization.id, &filter).await?;
    let today = domain::OffsetDateTime::now_utc().date();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"audit-log-{today}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv,
    )
        .into_response())
}
