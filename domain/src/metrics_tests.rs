#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{sync::Arc, time::Duration};

use time::OffsetDateTime;

use super::*;
use crate::{testing::test_db, vendors::BreakerSnapshot};

fn line<'a>(text: &'a str, starts: &str) -> Option<&'a str> {
    text.lines().find(|l| l.starts_with(starts))
}

#[test]
fn requests_and_tool_calls_are_counted_by_their_labels() {
    let metrics = Metrics::new();
    metrics.observe_http("GET", "/v1/mcp", 200, Duration::from_millis(2));
    metrics.observe_http("GET", "/v1/mcp", 204, Duration::from_millis(2));
    metrics.observe_http("POST", "/token", 429, Duration::from_millis(1));
    metrics.observe_tool_call("itglue", "ok", Duration::from_millis(3));
    metrics.observe_tool_call("itglue", "timed_out", Duration::from_secs(2));
    metrics.observe_tool_call(NO_VENDOR, "unknown_tool", Duration::from_millis(1));
    let text = metrics.encode();
    assert!(
        text.contains(r#"mcp_gateway_http_request_duration_seconds_count{method="GET",route="/v1/mcp",status="2xx"} 2"#),
        "{text}"
    );
    assert!(text.contains(r#"{method="POST",route="/token",status="4xx"} 1"#));
    assert!(text.contains(
        r#"mcp_gateway_tool_call_duration_seconds_count{vendor="itglue",outcome="timed_out"} 1"#
    ));
    // Only what the vendor did counts as an upstream error.
    assert!(
        text.contains(r#"mcp_gateway_upstream_errors_total{vendor="itglue",class="timed_out"} 1"#)
    );
    assert!(
        !text.contains(r#"upstream_errors_total{vendor="gateway""#),
        "{text}"
    );
    assert!(line(
        &text,
        "mcp_gateway_upstream_errors_total{vendor=\"itglue\",class=\"ok\""
    )
    .is_none());
}

#[test]
fn a_stream_is_counted_while_its_guard_lives() {
    let metrics = Arc::new(Metrics::new());
    let first = metrics.stream_opened();
    let second = metrics.stream_opened();
    assert!(metrics.encode().contains("mcp_gateway_mcp_streams_open 2"));
    drop(first);
    drop(second);
    assert!(metrics.encode().contains("mcp_gateway_mcp_streams_open 0"));
}

#[test]
fn interning_keeps_one_copy_per_value() {
    let a = intern(&String::from("vendor-x"));
    let b = intern("vendor-x");
    assert!(std::ptr::eq(a, b));
}

#[tokio::test]
async fn a_scrape_reports_every_catalog_vendor_and_the_pool() {
    let db = test_db().await;
    let metrics = Metrics::new();
    let now = OffsetDateTime::now_utc();
    // A breaker of a connection that no longer exists is still shown, as `unknown`.
    let open = BreakerSnapshot {
        state: BreakerState::Open {
            until: now + Duration::from_secs(30),
        },
        consecutive_failures: 5,
        last_failure: Some("timed_out"),
        opened_at: Some(now),
    };
    let text = metrics
        .scrape(
            &db.db,
            7,
            ["itglue", "autotask"].into_iter(),
            vec![(uuid::Uuid::new_v4(), open)],
        )
        .await;
    assert!(
        text.contains(r#"mcp_gateway_vendor_breakers{vendor="itglue",state="open"} 0"#),
        "{text}"
    );
    assert!(text.contains(r#"mcp_gateway_vendor_breakers{vendor="autotask",state="half_open"} 0"#));
    assert!(text.contains(r#"mcp_gateway_vendor_breakers{vendor="unknown",state="open"} 1"#));
    assert!(text.contains("mcp_gateway_db_pool_max_connections 7"));
    assert!(line(&text, r#"mcp_gateway_db_pool_connections{state="idle"}"#).is_some());
    assert!(text.ends_with("# EOF\n"), "{text}");
}
