//! Usage and audit of tool calls: one `tool_calls` row per MCP `tools/call` (who, which MCP
//! client, connection and tier, vendor, tool, outcome class, duration — never the arguments or
//! the result), written without a database write on the request's critical path.
//!
//! [`UsageRecorder::record`] puts the record on a bounded in-memory channel and returns at once
//! (it never awaits); a background task ([`spawn`]) drains it and inserts rows in batches, every
//! [`BatchSettings::interval`] or once [`BatchSettings::max_batch`] rows wait. The writer is woken
//! by the interval or by the record that completes a batch, never by each record: a wake per call
//! was a task switch (often a parked worker thread unparked) on every `tools/call`, a visible
//! share of the gateway's CPU per call at low concurrency (bench/README.md). On graceful shutdown
//! [`UsageWriter::shutdown`] drains the channel and writes the rest before the pool closes, so
//! calls that finished before SIGTERM's drain are all in the table.
//!
//! Rejected alternatives: an `audit_events` row per call (a synchronous insert on every call, and
//! the audit log's append-only guarantees are not needed for usage counts); an unbounded channel
//! (a database outage would grow memory without limit — beyond [`QUEUE_CAPACITY`] pending records
//! new ones are counted as dropped and logged instead).

mod summary;

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use time::OffsetDateTime;
use tokio::{
    sync::{
        mpsc::{self, error::TryRecvError},
        oneshot, Notify,
    },
    task::JoinHandle,
};
use uuid::Uuid;

pub use summary::{summary, UsageRow, UsageSummary, MAX_DAYS};

use crate::entity::tool_calls;

/// Longest client id or tool name stored (longer ones are cut).
pub const MAX_TEXT_CHARS: usize = 512;

/// Records waiting to be written, at most (per process).
pub const QUEUE_CAPACITY: usize = 50_000;

/// One finished `tools/call`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCallRecord {
    /// When the call started.
    pub at: OffsetDateTime,
    /// The user (none for a service client).
    pub user_id: Option<Uuid>,
    /// The user's (or service client's) organisation.
    pub organization_id: Option<Uuid>,
    /// The MCP client's OAuth client id.
    pub client_id: String,
    /// The connection used (none for gateway meta-tools and refused calls).
    pub connection_id: Option<Uuid>,
    /// Its slug (the tool-name prefix).
    pub connection_slug: Option<String>,
    /// Its tier (`personal`, `team`, `organization`).
    pub tier: Option<String>,
    /// Its vendor.
    pub vendor: Option<String>,
    /// The tool name as the client sent it.
    pub tool_name: String,
    /// The outcome class: `ok`, a vendor failure class (`rejected`, `timed_out`, …), or
    /// `unknown_tool`, `insufficient_scope`, `cancelled`, `internal`.
    pub outcome: &'static str,
    /// How long the gateway took to answer.
    pub duration: Duration,
}

/// The sending side, held by the tool provider (cheap to clone; never blocks).
#[derive(Debug, Clone)]
pub struct UsageRecorder {
    sender: Option<mpsc::Sender<ToolCallRecord>>,
    /// Wakes the writer once a batch waits.
    batch_ready: Arc<Notify>,
    max_batch: usize,
    dropped: Arc<AtomicU64>,
}

impl UsageRecorder {
    /// A recorder that keeps nothing (fixture providers, tools that are not served).
    pub fn disabled() -> Self {
        Self {
            sender: None,
            batch_ready: Arc::new(Notify::new()),
            max_batch: 1,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Queues `record` for the writer, waking it only when a batch waits; drops the record
    /// (counted, logged) when the queue is full or the writer has stopped.
    pub fn record(&self, record: ToolCallRecord) {
        let Some(sender) = &self.sender else {
            return;
        };
        if sender.try_send(record).is_ok() {
            if sender.max_capacity() - sender.capacity() >= self.max_batch {
                self.batch_ready.notify_one();
            }
        } else {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            // Once per thousand, not once per call: this path runs under overload.
            if dropped % 1000 == 1 {
                tracing::warn!(
                    dropped,
                    "tool-call usage records dropped: the writer is behind or stopped"
                );
            }
        }
    }

    /// Records dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// How the writer batches.
#[derive(Debug, Clone, Copy)]
pub struct BatchSettings {
    /// Write what is waiting at least this often.
    pub interval: Duration,
    /// Write as soon as this many rows wait (one INSERT each).
    pub max_batch: usize,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            max_batch: 100,
        }
    }
}

/// The background writer; [`UsageWriter::shutdown`] flushes it.
#[derive(Debug)]
pub struct UsageWriter {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl UsageWriter {
    /// Writes every queued record, then stops. Call it after the server stopped serving and
    /// before the database pool closes.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the tool-call usage writer failed");
        }
    }
}

/// Starts the writer over `db`.
pub fn spawn(db: DatabaseConnection, settings: BatchSettings) -> (UsageRecorder, UsageWriter) {
    let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
    let (stop, stopped) = oneshot::channel();
    let batch_ready = Arc::new(Notify::new());
    let task = tokio::spawn(write_loop(
        db,
        settings,
        receiver,
        batch_ready.clone(),
        stopped,
    ));
    (
        UsageRecorder {
            sender: Some(sender),
            batch_ready,
            max_batch: settings.max_batch.max(1),
            dropped: Arc::new(AtomicU64::new(0)),
        },
        UsageWriter { stop, task },
    )
}

async fn write_loop(
    db: DatabaseConnection,
    settings: BatchSettings,
    mut receiver: mpsc::Receiver<ToolCallRecord>,
    batch_ready: Arc<Notify>,
    mut stopped: oneshot::Receiver<()>,
) {
    let max_batch = settings.max_batch.max(1);
    let mut pending: Vec<ToolCallRecord> = Vec::with_capacity(max_batch);
    let mut tick = tokio::time::interval(settings.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // Never `receiver.recv()` here: awaiting it would wake this task on every record.
        tokio::select! {
            biased;
            _ = &mut stopped => break,
            () = batch_ready.notified() => {}
            _ = tick.tick() => {}
        }
        let disconnected = loop {
            match receiver.try_recv() {
                Ok(record) => pending.push(record),
                Err(TryRecvError::Empty) => break false,
                Err(TryRecvError::Disconnected) => break true,
            }
        };
        if !pending.is_empty() {
            flush(&db, &mut pending, max_batch).await;
        }
        if disconnected {
            break;
        }
    }
    receiver.close();
    while let Some(record) = receiver.recv().await {
        pending.push(record);
    }
    flush(&db, &mut pending, max_batch).await;
    if !pending.is_empty() {
        tracing::error!(
            lost = pending.len(),
            "tool-call usage records could not be written at shutdown"
        );
    }
}

/// Inserts `pending` in batches; what fails stays pending (bounded by [`QUEUE_CAPACITY`]) for the
/// next tick.
async fn flush(db: &DatabaseConnection, pending: &mut Vec<ToolCallRecord>, max_batch: usize) {
    while !pending.is_empty() {
        let take = pending.len().min(max_batch);
        match write(db, &pending[..take]).await {
            Ok(()) => {
                pending.drain(..take);
            }
            Err(e) => {
                tracing::warn!(error = %e, waiting = pending.len(), "writing tool-call usage failed; retrying at the next tick");
                if pending.len() > QUEUE_CAPACITY {
                    let excess = pending.len() - QUEUE_CAPACITY;
                    pending.drain(..excess);
                    tracing::error!(
                        lost = excess,
                        "tool-call usage records dropped after repeated write failures"
                    );
                }
                return;
            }
        }
    }
}

/// Inserts `records` in one statement.
pub async fn write(db: &DatabaseConnection, records: &[ToolCallRecord]) -> Result<(), DbErr> {
    if records.is_empty() {
        return Ok(());
    }
    let rows = records.iter().map(|r| tool_calls::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(r.user_id),
        organization_id: Set(r.organization_id),
        client_id: Set(r.client_id.chars().take(MAX_TEXT_CHARS).collect()),
        connection_id: Set(r.connection_id),
        connection_slug: Set(r.connection_slug.clone()),
        tier: Set(r.tier.clone()),
        vendor: Set(r.vendor.clone()),
        tool_name: Set(r.tool_name.chars().take(MAX_TEXT_CHARS).collect()),
        outcome: Set(r.outcome.to_owned()),
        duration_ms: Set(i32::try_from(r.duration.as_millis()).unwrap_or(i32::MAX)),
        created_at: Set(r.at),
        updated_at: Set(r.at),
    });
    tool_calls::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Deletes usage rows older than `cutoff` (housekeeping); returns how many went.
pub async fn purge_older_than(
    db: &DatabaseConnection,
    cutoff: OffsetDateTime,
) -> Result<u64, DbErr> {
    let deleted = tool_calls::Entity::delete_many()
        .filter(tool_calls::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

#[cfg(test)]
#[path = "usage_tests.rs"]
mod tests;
