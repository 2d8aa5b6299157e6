//! The MCP JSON-RPC envelope (`domain::mcp::protocol`): parsing one POSTed message, the
//! progress token of a `tools/call`, the `MCP-Protocol-Version` header, and `tools/list`
//! cursors; the answers built from a parsed message serialise.
//!
//! Checked beyond "no panic": a message parsed as a request or notification is a JSON object
//! with `"jsonrpc": "2.0"` and a string `method`.

#![no_main]

use domain::mcp::protocol::{self, Incoming};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let _ = protocol::progress_token(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = protocol::header_version(Some(text));
        let _ = protocol::page(&[], Some(text));
    }
    match protocol::parse(data) {
        Ok(incoming @ (Incoming::Request { .. } | Incoming::Notification { .. })) => {
            let value: Value = serde_json::from_slice(data).expect("parsed JSON is JSON");
            assert_eq!(value.get("jsonrpc").and_then(Value::as_str), Some("2.0"));
            assert!(value.get("method").is_some_and(Value::is_string));
            if let Incoming::Request { id, .. } = incoming {
                let refusal = protocol::parse(b"null").expect_err("null is not a message");
                let answer = protocol::error(Some(id), refusal);
                serde_json::to_vec(&answer).expect("an error answer serialises");
            }
        }
        Ok(Incoming::Response) => {}
        Err(error) => {
            serde_json::to_vec(&protocol::error(None, error)).expect("an error serialises");
        }
    }
});
