#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use super::*;

fn tool(name: String) -> Tool {
    Tool::new(name, "test tool", Arc::new(serde_json::Map::new()))
}

#[test]
fn one_message_is_parsed_and_batches_or_junk_are_refused_with_the_right_codes() {
    assert_eq!(
        parse(br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#).unwrap(),
        Incoming::Request {
            id: RequestId::Number(7),
            method: "ping".into(),
            params: None
        }
    );
    assert!(matches!(
        parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap(),
        Incoming::Notification { .. }
    ));
    assert_eq!(
        parse(br#"{"jsonrpc":"2.0","id":"a","result":{}}"#).unwrap(),
        Incoming::Response
    );
    assert_eq!(
        parse(b"{not json").unwrap_err().code,
        ErrorCode::PARSE_ERROR
    );
    for invalid in [
        &br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#[..],
        br#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
        br#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#,
        br#"{"jsonrpc":"2.0","id":1}"#,
        br#""ping""#,
    ] {
        assert_eq!(
            parse(invalid).unwrap_err().code,
            ErrorCode::INVALID_REQUEST,
            "{}",
            String::from_utf8_lossy(invalid)
        );
    }
}

#[test]
fn versions_are_negotiated_and_the_header_rule_holds() {
    for v in ["2025-11-25", "2025-06-18", "2025-03-26"] {
        let requested: ProtocolVersion = serde_json::from_value(json!(v)).unwrap();
        assert_eq!(negotiate(&requested).as_str(), v);
    }
    for other in ["2024-11-05", "2026-07-28", "1999-01-01"] {
        let requested: ProtocolVersion = serde_json::from_value(json!(other)).unwrap();
        assert_eq!(negotiate(&requested).as_str(), "2025-11-25");
    }
    assert_eq!(header_version(None).unwrap().as_str(), "2025-03-26");
    assert_eq!(
        header_version(Some("2025-06-18")).unwrap().as_str(),
        "2025-06-18"
    );
    let refused = header_version(Some("2099-01-01")).unwrap_err();
    assert_eq!(refused.code, ErrorCode::INVALID_REQUEST);
}

#[test]
fn tools_are_paged_by_an_opaque_cursor_and_a_bad_cursor_is_invalid_params() {
    let tools: Vec<Tool> = (0..230).map(|i| tool(format!("t__{i:03}"))).collect();
    let first = page(&tools, None).unwrap();
    assert_eq!(first.tools.len(), PAGE_SIZE);
    let cursor = first.next_cursor.clone().unwrap();
    assert!(!cursor.contains("100"), "opaque: {cursor}");
    let second = page(&tools, Some(&cursor)).unwrap();
    assert_eq!(second.tools[0].name, "t__100");
    let third = page(&tools, second.next_cursor.as_deref()).unwrap();
    assert_eq!(third.tools.len(), 30);
    assert_eq!(third.next_cursor, None);
    for bad in ["", "garbage", &URL_SAFE_NO_PAD.encode("tools:999")] {
        assert_eq!(
            page(&tools, Some(bad)).unwrap_err().code,
            ErrorCode::INVALID_PARAMS
        );
    }
}

#[test]
fn wire_shapes_are_plain_json_rpc() {
    assert_eq!(
        response(RequestId::Number(1), rmcp::model::EmptyResult {}),
        json!({"jsonrpc": "2.0", "id": 1, "result": {}})
    );
    assert_eq!(
        tool_list_changed(),
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
    );
    let init = serde_json::to_value(initialize_result(ProtocolVersion::V_2025_06_18)).unwrap();
    assert_eq!(init["protocolVersion"], "2025-06-18");
    assert_eq!(
        init["capabilities"],
        json!({"tools": {"listChanged": true}})
    );
    assert_eq!(init["serverInfo"]["name"], "mcp-gateway");
}

#[test]
fn a_progress_token_is_read_from_tools_call_only() {
    let call = br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x","_meta":{"progressToken":"p-1"}}}"#;
    let numeric = br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x","_meta":{"progressToken":7}}}"#;
    let list = br#"{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"progressToken":"p-1"}}}"#;
    let none = br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x"}}"#;
    let bad = br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x","_meta":{"progressToken":{"a":1}}}}"#;
    let token = progress_token(call).unwrap();
    assert_eq!(serde_json::to_value(&token).unwrap(), "p-1");
    assert_eq!(
        serde_json::to_value(progress_token(numeric).unwrap()).unwrap(),
        7
    );
    for other in [&list[..], &none[..], &bad[..], b"not json"] {
        assert!(progress_token(other).is_none());
    }
    let note = progress(token, 2.0, "Waiting".into());
    assert_eq!(note["method"], "notifications/progress");
    assert_eq!(note["params"]["progressToken"], "p-1");
    assert_eq!(note["params"]["progress"], 2.0);
    assert_eq!(note["params"]["message"], "Waiting");
}
