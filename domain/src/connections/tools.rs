//! The hot path of `/v1/mcp`: a user's tools — for every slug resolved for them, the vendor's
//! tools named `{slug}__{tool}`, filtered by the organisation's allowlists — and calling one with
//! the connection's credential decrypted just in time.
//!
//! A user's [`UserTools`] snapshot is built from the database once and cached in memory
//! ([`ToolCache`]); a warm `tools/list` or `tools/call` reads no row (the vault's data keys are
//! cached too). The cache is invalidated when a connection, allowlist, membership or team changes
//! in this process, and entries expire after [`SNAPSHOT_TTL`] so changes made on another replica
//! or by the command line are seen within that time.
//!
//! Never silently skip: a connection whose last check failed keeps its tools listed; calling one
//! answers with the vendor's actionable error, and `gateway__list_connections` shows its status.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    access::load_policy, context::Caller, overview, resolve, store, ConnectionError, Reason,
    Subject, Tier, ToolPolicy,
};
use crate::{
    entity::connections,
    mcp::ToolsChanged,
    organizations::Role,
    vendors::{CallError, Catalog, ToolDefinition, VendorDefinition, VendorKind},
};

/// The delimiter between a connection slug and a tool name.
pub const DELIMITER: &str = "__";
/// How long a snapshot is trusted without an invalidation (changes on other replicas).
pub const SNAPSHOT_TTL: Duration = Duration::from_secs(10);
/// Longest tool description sent to clients.
pub const MAX_DESCRIPTION_CHARS: usize = 1024;
/// The scope destructive tools need.
pub const WRITE_SCOPE: &str = "mcp:write";

/// A connection in effect for the user, with what is needed to call it.
#[derive(Debug, Clone)]
pub struct EffectiveConnection {
    /// The row (its secret still sealed).
    pub row: connections::Model,
    /// The vendor's definition.
    pub def: Arc<VendorDefinition>,
    /// Its tier.
    pub tier: Tier,
    /// Why it is the one.
    pub reason: Reason,
}

/// What a listed tool runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolTarget {
    /// A vendor tool of `connections[index]`.
    Vendor {
        /// Index into [`UserTools::connections`].
        connection: usize,
        /// The tool's name in the definition.
        tool: String,
    },
    /// `gateway__list_connections`.
    ListConnections,
    /// `gateway__search_tools`.
    SearchTools,
    /// `gateway__usage_summary` (owners and admins only; [`super::usage_tool`]).
    UsageSummary,
}

/// One tool as clients see it.
#[derive(Debug, Clone)]
pub struct ToolEntry {
    /// `{slug}__{tool}`.
    pub name: String,
    /// Short title.
    pub title: String,
    /// Cleaned description.
    pub description: String,
    /// JSON Schema of the input.
    pub input_schema: Value,
    /// JSON Schema of the structured output, when the tool declares one.
    pub output_schema: Option<Value>,
    /// Writes (needs `mcp:write`).
    pub destructive: bool,
    /// Only reads.
    pub read_only: bool,
    /// What it runs.
    pub target: ToolTarget,
}

/// A user's tools, resolved and filtered.
#[derive(Debug)]
pub struct UserTools {
    /// The user.
    pub user_id: Uuid,
    /// Their organisation, if any (usage records and the usage summary's scope).
    pub organization_id: Option<Uuid>,
    /// Their role in it.
    pub role: Option<Role>,
    /// The connections in effect, by slug.
    pub connections: Vec<EffectiveConnection>,
    /// Tools in name order.
    pub tools: Vec<ToolEntry>,
    index: HashMap<String, usize>,
    loaded: Instant,
    /// The tools in MCP form, built on the first `tools/list` of this snapshot and shared by
    /// the next ones (a listing then copies one page, not every tool with its schema).
    listed: std::sync::OnceLock<Arc<[rmcp::model::Tool]>>,
}

impl UserTools {
    /// Every tool in MCP form, in name order (built once per snapshot).
    pub fn listed(&self) -> Arc<[rmcp::model::Tool]> {
        self.listed
            .get_or_init(|| self.tools.iter().map(super::provider::to_rmcp).collect())
            .clone()
    }

    /// The tool called `name`, if the user has it.
    pub fn get(&self, name: &str) -> Option<&ToolEntry> {
        self.index.get(name).map(|i| &self.tools[*i])
    }
}

/// Removes control characters and caps the length (descriptions reach a model's context).
pub fn clean_description(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    match cleaned.char_indices().nth(MAX_DESCRIPTION_CHARS) {
        Some((cut, _)) => format!("{}…", &cleaned[..cut]),
        None => cleaned,
    }
}

/// What listing needs of a tool, from a definition or from an MCP server's `tools/list`.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct ToolInfo {
    /// Name without prefix.
    pub name: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Input schema.
    pub input_schema: Value,
    /// Output schema.
    #[serde(default)]
    pub output_schema: Option<Value>,
    /// Writes.
    #[serde(default)]
    pub destructive: bool,
    /// Only reads.
    #[serde(default)]
    pub read_only: bool,
    /// MCP-server tools whose name was shortened to fit `{slug}__{name}`: the name the server
    /// knows it by (calls are routed with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_name: Option<String>,
}

impl From<&ToolDefinition> for ToolInfo {
    fn from(t: &ToolDefinition) -> Self {
        Self {
            name: t.name.clone(),
            title: t.title.clone(),
            description: t.description.clone(),
            input_schema: t.input_schema.clone(),
            output_schema: t.output_schema.clone(),
            destructive: t.destructive,
            read_only: t.read_only,
            upstream_name: None,
        }
    }
}

/// The tools of one connection: the definition's, or (MCP-server vendor) those read from the
/// server when it was connected or re-tested (stored in the row as JSON).
pub fn connection_tools(row: &connections::Model, def: &VendorDefinition) -> Vec<ToolInfo> {
    match def.kind {
        VendorKind::McpServer => row
            .tools
            .as_deref()
            .and_then(|t| serde_json::from_str::<Vec<ToolInfo>>(t).ok())
            .unwrap_or_default(),
        _ => def.tools.iter().map(ToolInfo::from).collect(),
    }
}

fn meta_tools() -> Vec<ToolEntry> {
    vec![
        ToolEntry {
            name: format!("gateway{DELIMITER}list_connections"),
            title: "List my connections".into(),
            description: "Lists each vendor connection your tools use: its tool prefix, vendor, tier (personal, team or organisation) and why it is the one in effect, its status and last check, and where to fix it.".into(),
            input_schema: json!({"type": "object", "properties": {}, "additionalProperties": false}),
            output_schema: None,
            destructive: false,
            read_only: true,
            target: ToolTarget::ListConnections,
        },
        ToolEntry {
            name: format!("gateway{DELIMITER}search_tools"),
            title: "Search tools".into(),
            description: "Finds tools by words in their name, title or description, across every connected vendor. Returns each match's name, what it does and whether it writes.".into(),
            input_schema: json!({
                "type": "object",
                "properties": {"query": {"type": "string", "description": "Words to look for, e.g. \"open tickets\"."}},
                "required": ["query"],
                "additionalProperties": false
            }),
            output_schema: None,
            destructive: false,
            read_only: true,
            target: ToolTarget::SearchTools,
        },
    ]
}

/// Builds a user's snapshot from the database.
pub async fn load(deps: &store::Deps, user_id: Uuid) -> Result<UserTools, ConnectionError> {
    let caller = Caller::load(&deps.db, user_id).await?;
    let rows = overview::visible_rows(&deps.db, &caller).await?;
    let subject = overview::subject(&deps.db, &caller).await?;
    let policy = match caller.organization_id() {
        Some(org) => Some(load_policy(&deps.db, org).await?),
        None => None,
    };
    let role = caller.membership.as_ref().map(|m| m.role);
    Ok(build(&deps.catalog, &subject, &rows, policy.as_ref(), role))
}

/// Builds a snapshot from what [`load`] read, without the database: resolution per slug, the
/// allowlists, names and descriptions (benchmarked in `domain/benches/connections.rs`).
pub fn build(
    catalog: &Catalog,
    subject: &Subject,
    rows: &[connections::Model],
    policy: Option<&ToolPolicy>,
    role: Option<Role>,
) -> UserTools {
    let user_id = subject.user_id;
    let resolutions = resolve(subject, &overview::candidates(rows));
    let team_ids: Vec<Uuid> = subject.teams.iter().map(|t| t.id).collect();
    let mut connections = Vec::new();
    let mut tools = meta_tools();
    if matches!(role, Some(Role::Owner | Role::Admin)) {
        tools.push(super::usage_tool::entry());
    }
    for resolution in resolutions {
        let Some(row) = rows.iter().find(|r| r.id == resolution.chosen) else {
            continue;
        };
        let Some(def) = catalog.get(&row.vendor).cloned() else {
            continue;
        };
        let index = connections.len();
        for tool in connection_tools(row, &def) {
            if !allowed(policy, role, &team_ids, &def.slug, &tool.name) {
                continue;
            }
            tools.push(ToolEntry {
                name: format!("{}{DELIMITER}{}", row.slug, tool.name),
                title: tool.title.clone(),
                description: clean_description(&source_note(
                    &tool.description,
                    &def.name,
                    &row.name,
                )),
                input_schema: tool.input_schema.clone(),
                output_schema: tool.output_schema.clone(),
                destructive: tool.destructive,
                read_only: tool.read_only,
                target: ToolTarget::Vendor {
                    connection: index,
                    tool: tool.name.clone(),
                },
            });
        }
        connections.push(EffectiveConnection {
            row: row.clone(),
            def,
            tier: resolution.tier,
            reason: resolution.reason,
        });
    }
    tools.sort_by(|a, b| a.name.cmp(&b.name));
    tools.dedup_by(|a, b| a.name == b.name);
    let index = tools
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    UserTools {
        user_id,
        organization_id: subject.organization_id,
        role,
        connections,
        tools,
        index,
        loaded: Instant::now(),
        listed: std::sync::OnceLock::new(),
    }
}

/// A vendor tool's description followed by where it comes from: the vendor, and the
/// connection's name when the user gave it one other than the vendor's.
fn source_note(description: &str, vendor: &str, connection: &str) -> String {
    if connection.trim().is_empty() || connection == vendor {
        format!("{description} ({vendor})")
    } else {
        format!("{description} ({vendor} — {connection})")
    }
}

fn allowed(
    policy: Option<&ToolPolicy>,
    role: Option<Role>,
    teams: &[Uuid],
    vendor: &str,
    tool: &str,
) -> bool {
    match (policy, role) {
        (Some(policy), Some(role)) => policy.allows(role, teams, vendor, tool),
        _ => true,
    }
}

/// Per-user snapshots, shared by every request of this process.
#[derive(Clone, Default)]
pub struct ToolCache {
    entries: Arc<Mutex<HashMap<Uuid, Arc<UserTools>>>>,
    changes: Arc<std::sync::OnceLock<tokio::sync::broadcast::Sender<ToolsChanged>>>,
    /// Where changes made here are published for the other replicas ([`super::change_feed`]);
    /// unset on SQLite (one process).
    publish: Arc<std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<ToolsChanged>>>,
}

impl ToolCache {
    /// The user's snapshot: cached while fresh, else rebuilt.
    pub async fn get(
        &self,
        deps: &store::Deps,
        user_id: Uuid,
    ) -> Result<Arc<UserTools>, ConnectionError> {
        let cached = self
            .entries
            .lock()
            .ok()
            .and_then(|m| m.get(&user_id).cloned())
            .filter(|t| t.loaded.elapsed() < SNAPSHOT_TTL);
        if let Some(tools) = cached {
            return Ok(tools);
        }
        let fresh = Arc::new(load(deps, user_id).await?);
        if let Ok(mut map) = self.entries.lock() {
            map.insert(user_id, fresh.clone());
        }
        Ok(fresh)
    }

    /// Forgets every snapshot (a change whose reach is not known precisely: membership, team,
    /// allowlist, shared connection) and tells every open session, here and on the other
    /// replicas, that its tools may have changed. Call it after the change is committed.
    pub fn invalidate_all(&self) {
        self.apply(ToolsChanged::Everyone);
        self.publish(ToolsChanged::Everyone);
    }

    /// Forgets one user's snapshot and tells their open sessions, here and on the other replicas.
    /// Call it after the change is committed.
    pub fn invalidate_user(&self, user_id: Uuid) {
        self.apply(ToolsChanged::User(user_id));
        self.publish(ToolsChanged::User(user_id));
    }

    /// Applies a change on this replica only (what the feed does with other replicas' changes).
    pub(super) fn apply(&self, change: ToolsChanged) {
        if let Ok(mut map) = self.entries.lock() {
            match change {
                ToolsChanged::User(user_id) => {
                    map.remove(&user_id);
                }
                ToolsChanged::Everyone => map.clear(),
            }
        }
        let _ = self.sender().send(change);
    }

    fn publish(&self, change: ToolsChanged) {
        if let Some(feed) = self.publish.get() {
            let _ = feed.send(change);
        }
    }

    /// Connects the cache to a feed that publishes its changes to the other replicas (once).
    pub(super) fn set_publisher(&self, feed: tokio::sync::mpsc::UnboundedSender<ToolsChanged>) {
        let _ = self.publish.set(feed);
    }

    fn sender(&self) -> &tokio::sync::broadcast::Sender<ToolsChanged> {
        self.changes
            .get_or_init(|| tokio::sync::broadcast::channel(1024).0)
    }

    /// Whose tools may have changed (for `notifications/tools/list_changed`).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ToolsChanged> {
        self.sender().subscribe()
    }
}

/// The outcome of a call, as MCP content.
#[derive(Debug, Clone, PartialEq)]
pub struct CallResult {
    /// Text content (JSON text for vendor data).
    pub text: String,
    /// Structured content, when the tool declares an output schema.
    pub structured: Option<Value>,
    /// Whether it is an error result (`isError: true`).
    pub is_error: bool,
    /// The outcome class (`ok`, `rejected`, `timed_out`, …) for audit and usage.
    pub class: &'static str,
}

impl CallResult {
    pub(super) fn error(class: &'static str, text: String) -> Self {
        Self {
            text,
            structured: None,
            is_error: true,
            class,
        }
    }
}

/// Why a call is refused before it runs (protocol problems, not vendor failures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallRefusal {
    /// No such tool for this user (JSON-RPC -32602).
    UnknownTool,
    /// The tool writes and the token lacks `mcp:write` (403 step-up).
    InsufficientScope,
}

/// Calls `name` for the snapshot's user. `can_write`: the token carries `mcp:write`.
pub async fn call(
    deps: &store::Deps,
    snapshot: &UserTools,
    name: &str,
    arguments: Value,
    can_write: bool,
    now: OffsetDateTime,
) -> Result<CallResult, CallRefusal> {
    let entry = snapshot.get(name).ok_or(CallRefusal::UnknownTool)?;
    if entry.destructive && !can_write {
        return Err(CallRefusal::InsufficientScope);
    }
    Ok(match &entry.target {
        ToolTarget::ListConnections => list_connections(deps, snapshot, now),
        ToolTarget::SearchTools => search_tools(snapshot, &arguments),
        ToolTarget::UsageSummary => super::usage_tool::call(deps, snapshot, &arguments, now).await,
        ToolTarget::Vendor { connection, tool } => {
            let connection = &snapshot.connections[*connection];
            call_vendor(deps, connection, tool, arguments, now).await
        }
    })
}

fn portal_link(deps: &store::Deps, connection: Uuid) -> String {
    format!("{}/connections#connection-{connection}", deps.portal_url)
}

async fn call_vendor(
    deps: &store::Deps,
    connection: &EffectiveConnection,
    tool: &str,
    arguments: Value,
    now: OffsetDateTime,
) -> CallResult {
    let creds = if connection.def.authorization_code().is_some() {
        super::vendor_oauth::fresh_credentials(deps, &connection.def, &connection.row, now).await
    } else {
        store::credentials(deps, &connection.row, now)
            .await
            .map_err(super::vendor_oauth::FreshError::from)
    };
    let creds = match creds {
        Ok(creds) => creds,
        Err(super::vendor_oauth::FreshError::NeedsReconnect) => {
            return CallResult::error(
                "needs_reconnect",
                format!(
                    "The {} connection “{}” needs reconnecting: {} refused to renew the gateway's access (consent revoked or expired). Reconnect it at {}",
                    connection.def.name,
                    connection.row.name,
                    connection.def.name,
                    portal_link(deps, connection.row.id)
                ),
            )
        }
        Err(super::vendor_oauth::FreshError::Call(error)) => {
            return CallResult::error(error.class(), error.message(&connection.def.name))
        }
        Err(super::vendor_oauth::FreshError::Connection(e)) => {
            tracing::error!(error = %e, connection = %connection.row.id, "credential could not be decrypted");
            return CallResult::error(
                "credential_unreadable",
                format!(
                    "The gateway could not read the stored {} credential. Reconnect it at {}",
                    connection.def.name,
                    portal_link(deps, connection.row.id)
                ),
            );
        }
    };
    // An MCP server's tool is called by the name the server knows (listed names may be
    // shortened to fit the prefix).
    let tool = match connection.def.kind {
        VendorKind::McpServer => connection_tools(&connection.row, &connection.def)
            .into_iter()
            .find(|t| t.name == tool)
            .map(|t| t.upstream_name.unwrap_or(t.name))
            .unwrap_or_else(|| tool.to_owned()),
        _ => tool.to_owned(),
    };
    match deps
        .engine
        .call(&connection.def, &creds, &tool, arguments, now)
        .await
    {
        Ok(output) => CallResult {
            text: output.text,
            structured: output.structured,
            is_error: output.is_error,
            class: if output.is_error { "tool_error" } else { "ok" },
        },
        Err(error) => {
            let mut text = error.message(&connection.def.name);
            match error {
                CallError::Rejected { .. } => text.push_str(&format!(
                    " Reconnect at {}",
                    portal_link(deps, connection.row.id)
                )),
                CallError::CircuitOpen { .. } => text.push_str(&format!(
                    " The connection's status: {}",
                    portal_link(deps, connection.row.id)
                )),
                _ => {}
            }
            CallResult::error(error.class(), text)
        }
    }
}

fn list_connections(deps: &store::Deps, snapshot: &UserTools, now: OffsetDateTime) -> CallResult {
    let list: Vec<Value> = snapshot
        .connections
        .iter()
        .map(|c| {
            let fix = match c.row.status.as_str() {
                "ok" => None,
                _ => Some(format!(
                    "The last check failed; re-test or reconnect at {}",
                    portal_link(deps, c.row.id)
                )),
            };
            json!({
                "prefix": c.row.slug,
                "vendor": c.def.name,
                "name": c.row.name,
                "tier": c.tier.as_str(),
                "why": c.reason.explain(),
                "status": c.row.status,
                "last_check": c.row.last_checked_at.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
                "last_check_result": c.row.last_check_message,
                "fix": fix,
                "portal": portal_link(deps, c.row.id),
                "calls": super::breaker_view::describe(&deps.engine.breaker(c.row.id, now), now),
            })
        })
        .collect();
    CallResult {
        text: serde_json::to_string_pretty(&json!({ "connections": list })).unwrap_or_default(),
        structured: None,
        is_error: false,
        class: "ok",
    }
}

fn search_tools(snapshot: &UserTools, arguments: &Value) -> CallResult {
    let query = arguments
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_lowercase();
    let words: Vec<&str> = query.split_whitespace().collect();
    let matches: Vec<Value> = snapshot
        .tools
        .iter()
        .filter(|t| matches!(t.target, ToolTarget::Vendor { .. }))
        .filter(|t| {
            let hay = format!("{} {} {}", t.name, t.title, t.description).to_lowercase();
            words.iter().all(|w| hay.contains(w))
        })
        .take(25)
        .map(|t| json!({"name": t.name, "title": t.title, "description": t.description, "writes": t.destructive}))
        .collect();
    CallResult {
        text: serde_json::to_string_pretty(&json!({ "query": query, "matches": matches }))
            .unwrap_or_default(),
        structured: None,
        is_error: false,
        class: "ok",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_names_the_connection_only_when_it_has_its_own_name() {
        assert_eq!(
            source_note("Lists companies.", "Demo MSP", "Demo MSP"),
            "Lists companies. (Demo MSP)"
        );
        assert_eq!(
            source_note("Lists companies.", "Autotask PSA", "Contoso EU"),
            "Lists companies. (Autotask PSA — Contoso EU)"
        );
    }

    #[test]
    fn descriptions_lose_control_characters_and_are_capped() {
        assert_eq!(clean_description("a\u{7}b\n\tc"), "a b c");
        let long = "x".repeat(5000);
        let cleaned = clean_description(&long);
        assert_eq!(cleaned.chars().count(), MAX_DESCRIPTION_CHARS + 1);
        assert!(cleaned.ends_with('…'));
    }
}
