//! The vendor engine: runs a definition's check and tools for one connection (skeleton).

use std::sync::Arc;

use time::OffsetDateTime;

use super::{CallError, CheckOutcome, ConnectionCredentials, ToolOutput, VendorDefinition};
use crate::outbound::Outbound;

/// Calls vendors. Cheap to clone; holds the token, discovery and concurrency state.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    outbound: Outbound,
}

impl Engine {
    /// An engine calling through `outbound`.
    pub fn new(outbound: Outbound) -> Self {
        Self {
            inner: Arc::new(Inner { outbound }),
        }
    }

    /// Runs the definition's cheap authenticated check request.
    pub async fn check(
        &self,
        def: &VendorDefinition,
        creds: &ConnectionCredentials,
        now: OffsetDateTime,
    ) -> CheckOutcome {
        let _ = (def, creds, now, &self.inner.outbound);
        CheckOutcome::Unexpected {
            status: None,
            summary: "not implemented yet".into(),
        }
    }

    /// Calls one tool (name without prefix) with JSON arguments.
    pub async fn call(
        &self,
        def: &VendorDefinition,
        creds: &ConnectionCredentials,
        tool: &str,
        args: serde_json::Value,
        now: OffsetDateTime,
    ) -> Result<ToolOutput, CallError> {
        let _ = (def, creds, tool, args, now);
        Err(CallError::Unexpected("not implemented yet".into()))
    }
}
