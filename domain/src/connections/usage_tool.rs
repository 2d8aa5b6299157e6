//! The `gateway__usage_summary` meta-tool: listed only for organisation owners and admins
//! ([`super::tools::load`] adds it by role); answers from [`crate::usage::summary`] for the
//! organisation of the caller's membership, never one named in the arguments.

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{
    store,
    tools::{CallResult, ToolEntry, ToolTarget, UserTools, DELIMITER},
};
use crate::usage::{self, MAX_DAYS};

/// The window when the caller names none.
pub const DEFAULT_DAYS: u32 = 7;

/// The listed tool.
pub fn entry() -> ToolEntry {
    ToolEntry {
        name: format!("gateway{DELIMITER}usage_summary"),
        title: "Usage summary".into(),
        description: "For organisation owners and admins: tool calls of your organisation over the last days — calls, errors and 95th-percentile duration per user, per connection and per tool.".into(),
        input_schema: json!({
            "type": "object",
            "properties": {"days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS, "default": DEFAULT_DAYS, "description": "How many days back, 1 to 90 (default 7)."}},
            "additionalProperties": false
        }),
        output_schema: None,
        destructive: false,
        read_only: true,
        target: ToolTarget::UsageSummary,
    }
}

/// Runs it for the snapshot's user.
pub async fn call(
    deps: &store::Deps,
    snapshot: &UserTools,
    arguments: &Value,
    now: OffsetDateTime,
) -> CallResult {
    let days = match arguments.get("days") {
        None | Some(Value::Null) => DEFAULT_DAYS,
        Some(value) => match value.as_u64().and_then(|d| u32::try_from(d).ok()) {
            Some(d) if (1..=MAX_DAYS).contains(&d) => d,
            _ => {
                return CallResult::error(
                    "invalid_arguments",
                    format!("`days` must be a whole number from 1 to {MAX_DAYS}."),
                )
            }
        },
    };
    let Some(organization_id) = snapshot.organization_id else {
        return CallResult::error(
            "forbidden",
            "Usage is kept per organisation; you are not in one.".into(),
        );
    };
    match usage::summary(&deps.db, organization_id, days, now).await {
        Ok(summary) => CallResult {
            text: serde_json::to_string_pretty(&summary).unwrap_or_default(),
            structured: None,
            is_error: false,
            class: "ok",
        },
        Err(e) => {
            tracing::error!(error = %e, "reading tool-call usage failed");
            CallResult::error(
                "internal",
                "The usage summary could not be read; try again.".into(),
            )
        }
    }
}

#[cfg(test)]
#[path = "usage_tool_tests.rs"]
mod tests;
