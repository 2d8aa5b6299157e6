//! `gateway__usage_summary`: an organisation's tool calls over a window — calls, errors and p95
//! duration per user, per connection (slug) and per tool. Scoped to one organisation id that the
//! caller's membership supplies, never the client's arguments.
//!
//! The rows of the window are read (four narrow columns) and grouped in memory: a p95 is not
//! portable SQL across SQLite and PostgreSQL. At the scale (thousands of calls a day per
//! organisation, 90 days at most) that is a few MB once per request of an admin.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::entity::{tool_calls, users};

/// The columns the summary reads of each call: user, slug, tool, outcome, duration.
type CallColumns = (Option<Uuid>, Option<String>, String, String, i32);

/// The longest window, in days.
pub const MAX_DAYS: u32 = 90;

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageRow {
    /// The user id, connection slug or tool name.
    pub key: String,
    /// A readable name (the user's display name), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Calls.
    pub calls: u64,
    /// Calls whose outcome was not `ok`.
    pub errors: u64,
    /// 95th percentile of the duration, in milliseconds (nearest rank).
    pub p95_ms: i64,
}

/// An organisation's usage over a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageSummary {
    /// The window, in days.
    pub days: u32,
    /// Its start (RFC 3339).
    pub since: String,
    /// Every call of the window.
    pub total: UsageRow,
    /// Per user, most calls first.
    pub by_user: Vec<UsageRow>,
    /// Per connection slug (`gateway` for the meta-tools), most calls first.
    pub by_connection: Vec<UsageRow>,
    /// Per tool, most calls first.
    pub by_tool: Vec<UsageRow>,
}

#[derive(Default)]
struct Group {
    durations: Vec<i32>,
    errors: u64,
}

impl Group {
    fn add(&mut self, duration: i32, error: bool) {
        self.durations.push(duration);
        self.errors += u64::from(error);
    }

    fn row(mut self, key: String, label: Option<String>) -> UsageRow {
        self.durations.sort_unstable();
        let n = self.durations.len();
        // Nearest rank: the smallest value with at least 95 % of the calls at or below it.
        let rank = (n * 95).div_ceil(100).max(1);
        UsageRow {
            key,
            label,
            calls: n as u64,
            errors: self.errors,
            p95_ms: self.durations.get(rank - 1).copied().map_or(0, i64::from),
        }
    }
}

fn rows(groups: HashMap<String, Group>, labels: &HashMap<String, String>) -> Vec<UsageRow> {
    let mut rows: Vec<UsageRow> = groups
        .into_iter()
        .map(|(key, group)| {
            let label = labels.get(&key).cloned();
            group.row(key, label)
        })
        .collect();
    rows.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.key.cmp(&b.key)));
    rows
}

/// The usage of `organization_id` over the `days` (clamped to 1..=[`MAX_DAYS`]) before `now`.
pub async fn summary<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    days: u32,
    now: OffsetDateTime,
) -> Result<UsageSummary, DbErr> {
    let days = days.clamp(1, MAX_DAYS);
    let since = now - Duration::days(i64::from(days));
    let calls: Vec<CallColumns> = tool_calls::Entity::find()
        .select_only()
        .column(tool_calls::Column::UserId)
        .column(tool_calls::Column::ConnectionSlug)
        .column(tool_calls::Column::ToolName)
        .column(tool_calls::Column::Outcome)
        .column(tool_calls::Column::DurationMs)
        .filter(tool_calls::Column::OrganizationId.eq(organization_id))
        .filter(tool_calls::Column::CreatedAt.gte(since))
        .filter(tool_calls::Column::CreatedAt.lte(now))
        .into_tuple()
        .all(db)
        .await?;
    let mut total = Group::default();
    let mut by_user: HashMap<String, Group> = HashMap::new();
    let mut by_connection: HashMap<String, Group> = HashMap::new();
    let mut by_tool: HashMap<String, Group> = HashMap::new();
    let mut user_ids = BTreeMap::new();
    for (user_id, slug, tool, outcome, duration) in calls {
        let error = outcome != "ok";
        total.add(duration, error);
        let user_key = user_id.map_or_else(|| "service client".to_owned(), |id| id.to_string());
        if let Some(id) = user_id {
            user_ids.insert(id, ());
        }
        by_user.entry(user_key).or_default().add(duration, error);
        by_connection
            .entry(slug.unwrap_or_else(|| "gateway".into()))
            .or_default()
            .add(duration, error);
        by_tool.entry(tool).or_default().add(duration, error);
    }
    let labels: HashMap<String, String> = if user_ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(user_ids.into_keys()))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id.to_string(), u.display_name))
            .collect()
    };
    Ok(UsageSummary {
        days,
        since: since
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        total: total.row("all".into(), None),
        by_user: rows(by_user, &labels),
        by_connection: rows(by_connection, &HashMap::new()),
        by_tool: rows(by_tool, &HashMap::new()),
    })
}
