//! Vendor faults through the real gateway (issue 14, item 4): two connections, a healthy IT Glue
//! and a "Flaky Docs" vendor (the IT Glue definition with a 3 s time limit) reached through the
//! fault proxy. While the flaky one hangs, slows down, resets connections and answers 500 and
//! 429, calls to the healthy one keep succeeding; each flaky call fails within its time limit
//! with the right outcome class (read from `/metrics`), its breaker opens after three "vendor
//! down" failures, answers at once without reaching the vendor, and closes after the cool-down
//! once the vendor answers again. Bounds are generous: behaviour is asserted, not speed (healthy
//! calls finish while a flaky one hangs). The p99 comparison under faults belongs in `bench/`.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use domain::{config::OriginOverrides, vendors::BreakerState, OffsetDateTime};
use reqwest::StatusCode;
use serde_json::{json, Value};
use vendor_fakes::{itglue, Options};

use crate::{
    connections::call_json,
    fault_proxy::{Fault, FaultProxy},
    helpers::{client, spawn_app_with},
    mcp::{initialize, rpc, sign_in_and_authorize},
    metrics::{sample, scrape},
};

/// The flaky vendor's time limit per call.
const FLAKY_TIMEOUT: Duration = Duration::from_secs(3);

/// The IT Glue definition as another vendor (`flaky`) on its own origin, with a short limit.
fn flaky_definition() -> String {
    let itglue = include_str!("../../../vendors/itglue.toml");
    let (head, rest) = itglue.split_once("[base_url]").unwrap();
    let (base_url, tail) = rest.split_once("[auth]").unwrap();
    let head = head
        .replace("slug = \"itglue\"", "slug = \"flaky\"")
        .replace("name = \"IT Glue\"", "name = \"Flaky Docs\"");
    let base_url = base_url.replace("itglue.com", "flaky.example");
    let tail = tail.replace(
        "[limits]\n",
        &format!("[limits]\ntimeout_seconds = {}\n", FLAKY_TIMEOUT.as_secs()),
    );
    format!("{head}[base_url]{base_url}[auth]{tail}")
}

/// One `tools/call` of `tool`: (the JSON-RPC answer, how long it took).
async fn call_tool(base: &str, token: &str, session: &str, tool: &str) -> (Value, Duration) {
    let started = Instant::now();
    let response = client()
        .post(format!("{base}/v1/mcp"))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .header("mcp-session-id", session)
        .json(&rpc(
            2,
            "tools/call",
            json!({"name": tool, "arguments": {}}),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    (response.json().await.unwrap(), started.elapsed())
}

fn failed(answer: &Value) -> bool {
    answer["result"]["isError"] == true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulty_vendor_fails_in_time_and_is_paused_while_a_healthy_one_keeps_answering() {
    // Arrange: one IT Glue fake, reached directly (healthy) and through the fault proxy (flaky).
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let upstream = fake.origin.trim_start_matches("http://").parse().unwrap();
    let proxy = FaultProxy::start(upstream).await;
    let vendors = tempfile::tempdir().unwrap();
    std::fs::write(vendors.path().join("flaky.toml"), flaky_definition()).unwrap();
    let mut overrides = fake.origin_overrides();
    overrides.insert("https://api.flaky.example".into(), proxy.origin.clone());
    let vendors_dir = vendors.path().to_owned();
    let app = spawn_app_with(|raw| {
        raw.metrics_listen = Some("127.0.0.1:0".into());
        raw.vendors_dir = Some(vendors_dir);
        raw.outbound_origin_overrides = OriginOverrides::Table(overrides);
        raw.vendor_breaker_failures = 3;
        raw.vendor_breaker_cooldown_seconds = 2;
    })
    .await;
    let metrics = app.metrics_addr.unwrap();
    let (token, ada, _) = sign_in_and_authorize(&app, "Ada").await;
    for (vendor, slug) in [("itglue", "docs"), ("flaky", "flaky")] {
        let (status, body) = call_json(
            &ada.client,
            &app.base,
            "connections/create",
            json!({"placement": "personal", "vendor": vendor, "slug": slug, "name": "",
                "fields": [["region", "us"], ["api_key", itglue::API_KEY]]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (session, _) = initialize(&app, &token, "2025-11-25").await;
    let flaky = || call_tool(&app.base, &token, &session, "flaky__list_organizations");
    let outcomes = |text: &str, outcome: &str| {
        sample(
            text,
            &format!(
                "mcp_gateway_tool_call_duration_seconds_count{{vendor=\"flaky\",outcome=\"{outcome}\"}}"
            ),
        )
        .unwrap_or(0.0)
    };

    // The healthy vendor is called all along, two callers at a time.
    let stop = Arc::new(AtomicBool::new(false));
    let healthy: Arc<Mutex<Vec<(bool, Duration)>>> = Arc::default();
    let callers: Vec<_> = (0..2)
        .map(|_| {
            let (stop, healthy) = (stop.clone(), healthy.clone());
            let (base, token, session) = (app.base.clone(), token.clone(), session.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let (answer, took) =
                        call_tool(&base, &token, &session, "docs__list_organizations").await;
                    healthy.lock().unwrap().push((!failed(&answer), took));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();

    // Act / Assert 1: slow but within the limit → answered; 429 → rate_limited (counts as an
    // answer for the breaker).
    proxy.set(Fault::Slow(Duration::from_millis(700)));
    let (answer, took) = flaky().await;
    assert!(!failed(&answer), "{answer}");
    assert!(took >= Duration::from_millis(700));
    proxy.set(Fault::Status(429));
    let (answer, took) = flaky().await;
    assert!(failed(&answer), "{answer}");
    assert!(
        took < FLAKY_TIMEOUT,
        "a 429 with a long Retry-After is not waited for"
    );
    assert_eq!(outcomes(&scrape(metrics).await, "rate_limited"), 1.0);

    // 2: a hang → timed_out, within the limit (plus generous slack), not 30 s.
    proxy.set(Fault::Hang);
    let healthy_before = healthy.lock().unwrap().len();
    let (answer, took) = flaky().await;
    let healthy_meanwhile = healthy.lock().unwrap().len() - healthy_before;
    assert!(
        healthy_meanwhile >= 3,
        "only {healthy_meanwhile} healthy calls finished while the flaky one hung"
    );
    assert!(failed(&answer), "{answer}");
    assert!(
        took >= FLAKY_TIMEOUT - Duration::from_millis(100) && took < FLAKY_TIMEOUT * 3,
        "{took:?}"
    );
    assert_eq!(outcomes(&scrape(metrics).await, "timed_out"), 1.0);

    // 3: connection resets → unreachable; a 500 → vendor_error. Three in a row: open.
    proxy.set(Fault::Reset);
    let (answer, took) = flaky().await;
    assert!(
        failed(&answer) && took < FLAKY_TIMEOUT * 2,
        "{answer} {took:?}"
    );
    proxy.set(Fault::Status(500));
    let (answer, took) = flaky().await;
    assert!(
        failed(&answer) && took < FLAKY_TIMEOUT * 2,
        "{answer} {took:?}"
    );
    let text = scrape(metrics).await;
    assert_eq!(outcomes(&text, "unreachable"), 1.0, "{text}");
    assert_eq!(outcomes(&text, "vendor_error"), 1.0, "{text}");
    let now = OffsetDateTime::now_utc();
    let breakers = app.state.connections.engine.breakers(now);
    assert_eq!(
        breakers.len(),
        1,
        "only the flaky connection's breaker moved"
    );
    let (flaky_connection, snapshot) = breakers[0];
    assert!(
        matches!(snapshot.state, BreakerState::Open { .. }),
        "{snapshot:?}"
    );

    // 4: while open, answered at once without reaching the vendor.
    let reached = proxy.accepted();
    let (answer, took) = flaky().await;
    assert!(failed(&answer), "{answer}");
    let text = answer["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("Flaky Docs"), "{text}");
    assert!(took < FLAKY_TIMEOUT, "{took:?}");
    assert_eq!(proxy.accepted(), reached);
    assert_eq!(outcomes(&scrape(metrics).await, "circuit_open"), 1.0);

    // 5: the vendor recovers; after the cool-down one trial goes through and closes it.
    proxy.set(Fault::Pass);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (answer, _) = flaky().await;
        if !failed(&answer) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the breaker never let a trial through: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let snapshot = app
        .state
        .connections
        .engine
        .breaker(flaky_connection, OffsetDateTime::now_utc());
    assert_eq!(snapshot.state, BreakerState::Closed);
    let (answer, _) = flaky().await;
    assert!(!failed(&answer), "{answer}");

    // The healthy vendor answered every call, none of them held up by the flaky one.
    stop.store(true, Ordering::SeqCst);
    for caller in callers {
        caller.await.unwrap();
    }
    let healthy = healthy.lock().unwrap();
    assert!(healthy.len() >= 10, "{} healthy calls", healthy.len());
    assert!(healthy.iter().all(|(ok, _)| *ok), "a healthy call failed");
    // A sanity bound only (a loaded 2-core machine): the isolation is shown by the calls that
    // finished while the flaky one hung.
    let slowest = healthy.iter().map(|(_, took)| *took).max().unwrap();
    assert!(
        slowest < Duration::from_secs(10),
        "a healthy call took {slowest:?}"
    );
}
