//! `/metrics` on its own listener: a scrape after real traffic (portal, OAuth, `/v1/mcp` calls to
//! an IT Glue fake that works and then fails) shows the series moving, and the public router does
//! not serve them.

use std::{net::SocketAddr, time::Duration};

use domain::config::OriginOverrides;
use reqwest::StatusCode;
use serde_json::json;
use vendor_fakes::{itglue, FailureMode, Options};

use crate::{
    connections::call_json,
    helpers::{client, spawn_app_with},
    mcp::{initialize, rpc, sign_in_and_authorize, Call},
    mcp_reliability::list,
};

/// The value of one sample, `series` being its name and labels exactly as exposed.
pub(crate) fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.split(' ').next()?.parse().ok())
}

pub(crate) async fn scrape(addr: SocketAddr) -> String {
    let response = client()
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_shows_requests_tool_calls_errors_breakers_streams_and_the_pool() {
    // Arrange: metrics on a loopback port of their own; a breaker that opens at the first failure.
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let overrides = fake.origin_overrides();
    let app = spawn_app_with(|raw| {
        raw.metrics_listen = Some("127.0.0.1:0".into());
        raw.outbound_origin_overrides = OriginOverrides::Table(overrides);
        raw.vendor_breaker_failures = 1;
        raw.vendor_breaker_cooldown_seconds = 120;
    })
    .await;
    let metrics = app.metrics_addr.expect("metrics_listen set");
    assert!(metrics.ip().is_loopback());
    assert_ne!(metrics.to_string(), app.base.trim_start_matches("http://"));
    let (token, ada, _) = sign_in_and_authorize(&app, "Ada").await;
    let (status, body) = call_json(
        &ada.client,
        &app.base,
        "connections/create",
        json!({"placement": "personal", "vendor": "itglue", "slug": "docs", "name": "",
            "fields": [["region", "us"], ["api_key", itglue::API_KEY]]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let call = Call::in_session(&app, &token, &session);
    let before = scrape(metrics).await;
    let posts = r#"mcp_gateway_http_request_duration_seconds_count{method="POST",route="/v1/mcp",status="2xx"}"#;
    let ok_calls = r#"mcp_gateway_tool_call_duration_seconds_count{vendor="itglue",outcome="ok"}"#;
    assert_eq!(sample(&before, posts), Some(1.0), "initialize: {before}");
    assert_eq!(sample(&before, ok_calls), None);

    // Act 1: three good calls, an open GET stream, a request to a templated route.
    for id in 2..5 {
        let (status, answer, _) = call.post(list(id)).await;
        assert_eq!(status, StatusCode::OK);
        assert_ne!(answer["result"]["isError"], true, "{answer}");
    }
    let stream = call.open_stream().await;
    let unauthenticated = client()
        .post(app.url("/v1/docs/mcp"))
        .json(&rpc(1, "ping", json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    let during = scrape(metrics).await;

    // Assert 1: counts moved by exactly what was sent; routes are templates, not paths.
    assert_eq!(sample(&during, posts), Some(4.0), "{during}");
    assert_eq!(sample(&during, ok_calls), Some(3.0), "{during}");
    let latency_sum = r#"mcp_gateway_tool_call_duration_seconds_sum{vendor="itglue",outcome="ok"}"#;
    assert!(sample(&during, latency_sum).unwrap() > 0.0);
    assert_eq!(
        sample(
            &during,
            r#"mcp_gateway_http_request_duration_seconds_count{method="POST",route="/v1/{slug}/mcp",status="4xx"}"#
        ),
        Some(1.0),
        "{during}"
    );
    assert!(!during.contains("/v1/docs/mcp"), "raw paths are not labels");
    assert_eq!(sample(&during, "mcp_gateway_mcp_streams_open"), Some(1.0));
    assert_eq!(
        sample(&during, "mcp_gateway_db_pool_max_connections"),
        Some(5.0)
    );
    let idle = sample(&during, r#"mcp_gateway_db_pool_connections{state="idle"}"#).unwrap();
    let in_use = sample(
        &during,
        r#"mcp_gateway_db_pool_connections{state="in_use"}"#,
    )
    .unwrap();
    assert!((1.0..=5.0).contains(&(idle + in_use)), "{during}");
    let open = r#"mcp_gateway_vendor_breakers{vendor="itglue",state="open"}"#;
    assert_eq!(sample(&during, open), Some(0.0));

    // Act 2: the vendor fails (502 page): an upstream error, and the breaker opens.
    fake.set_failure(Some(FailureMode::HtmlPage));
    let (_, failed, _) = call.post(list(5)).await;
    assert_eq!(failed["result"]["isError"], true, "{failed}");
    let (_, paused, _) = call.post(list(6)).await;
    assert_eq!(paused["result"]["isError"], true, "{paused}");
    drop(stream);
    let after = scrape(metrics).await;

    // Assert 2
    let vendor_errors =
        r#"mcp_gateway_upstream_errors_total{vendor="itglue",class="vendor_error"}"#;
    assert_eq!(sample(&after, vendor_errors), Some(1.0), "{after}");
    assert_eq!(
        sample(
            &after,
            r#"mcp_gateway_tool_call_duration_seconds_count{vendor="itglue",outcome="circuit_open"}"#
        ),
        Some(1.0),
        "{after}"
    );
    // A refusal by the gateway is not an upstream error.
    assert!(!after.contains(r#"class="circuit_open""#), "{after}");
    assert_eq!(sample(&after, open), Some(1.0), "{after}");
    assert_eq!(sample(&after, posts), Some(6.0), "{after}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let text = scrape(metrics).await;
        if sample(&text, "mcp_gateway_mcp_streams_open") == Some(0.0) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the closed stream is still counted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The public router has no /metrics; the metrics listener serves nothing else.
    let public = app.get("/metrics").await;
    assert_ne!(public.status(), StatusCode::OK);
    assert!(!public.text().await.unwrap().contains("mcp_gateway_"));
    let other = client()
        .get(format!("http://{metrics}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_metrics_listen_there_is_no_metrics_listener() {
    let app = spawn_app_with(|_| {}).await;
    assert_eq!(app.metrics_addr, None);
    assert_ne!(app.get("/metrics").await.status(), StatusCode::OK);
}
