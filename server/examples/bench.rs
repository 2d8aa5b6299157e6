//! `bench/run.sh`'s load generator: starts the gateway as a child process on a fresh SQLite file
//! (one user, one Demo connection, an access token minted through the domain's OAuth functions:
//! client registration, authorization approval and code exchange, exactly what `/register`,
//! `/authorize` and `/token` call), then runs closed-loop `tools/call` and `tools/list` at
//! concurrency 1, 8 and 32 and prints a markdown table with latency percentiles, throughput and
//! the gateway's CPU time per request (from `/proc/<pid>/stat`).
//!
//! `cargo run --release -p server --example bench -- [seconds-per-run]`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use domain::{
    audit::RequestContext,
    config::{RawSettings, Settings},
    connections::{self, ConnectionInput, Placement},
    oauth::{authorize, clients, grants, pkce},
    users::{self, DisplayName, Identity, Profile, Provider},
    OffsetDateTime,
};
use secrecy::SecretString;
use serde_json::{json, Value};

const MASTER_KEY_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1/callback";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        serve(&args[2]);
    } else {
        let seconds = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
        load(seconds);
    }
}

/// The child: a gateway on `db_path`, seeded; prints `READY <base url> <token>`.
fn serve(db_path: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let raw = RawSettings {
            public_url: format!("http://{addr}"),
            bind: addr.to_string(),
            database_url: Some(SecretString::from(format!("sqlite://{db_path}?mode=rwc"))),
            database_max_connections: 5,
            master_key: Some(SecretString::from(MASTER_KEY_B64)),
            log_filter: "warn".into(),
            ..RawSettings::default()
        };
        let settings = Settings::from_raw(raw).unwrap();
        let options = leptos::config::LeptosOptions::builder()
            .output_name("mcp-gateway")
            .site_root("target/site")
            .build();
        let app = server::startup::Application::build_with_listener(settings, options, listener)
            .await
            .unwrap();
        let token = seed(app.state()).await;
        println!("READY http://{addr} {token}");
        app.run_until_stopped(server::shutdown::signal())
            .await
            .unwrap();
    });
}

/// One user with a Demo connection; an access token for both scopes.
async fn seed(state: &app::state::AppState) -> String {
    let db = &state.db;
    let now = OffsetDateTime::now_utc();
    let ctx = RequestContext::default();
    let user = users::sign_in(
        db,
        &Identity {
            provider: Provider::Dev,
            issuer: "dev".into(),
            subject: "bench@example.com".into(),
        },
        &Profile {
            display_name: DisplayName::parse("Bench").unwrap(),
            email: None,
            email_verified: false,
        },
        now,
    )
    .await
    .unwrap();
    let def = state.connections.catalog.get("demo").unwrap().clone();
    let fields: BTreeMap<String, String> = def
        .form
        .iter()
        .map(|f| {
            let value = if f.name.contains("key") {
                "demo-bench-key".to_owned()
            } else {
                f.default.clone().unwrap_or_default()
            };
            (f.name.clone(), value)
        })
        .collect();
    let input = ConnectionInput {
        vendor: "demo".into(),
        slug: "demo".into(),
        name: String::new(),
        fields,
    };
    connections::create(
        &state.connections,
        &user,
        Placement::Personal,
        input,
        &ctx,
        now,
    )
    .await
    .unwrap();
    let oauth = &state.settings.oauth;
    let registered = clients::register(
        db,
        clients::RegistrationRequest {
            redirect_uris: Some(vec![REDIRECT.into()]),
            client_name: Some("bench".into()),
            grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
            ..Default::default()
        },
        &ctx,
        now,
    )
    .await
    .unwrap();
    let query = authorize::AuthorizationQuery {
        response_type: Some("code".into()),
        client_id: Some(registered.client_id.clone()),
        redirect_uri: Some(REDIRECT.into()),
        code_challenge: Some(pkce::s256(VERIFIER)),
        code_challenge_method: Some("S256".into()),
        state: Some("s".into()),
        scope: Some("mcp:read mcp:write".into()),
        resource: Some(oauth.resource.clone()),
    };
    let (client, pending) =
        authorize::validate(db, oauth, &state.outbound, &query, Some(user.id), now)
            .await
            .unwrap();
    let location = authorize::approve(db, oauth, &user, &pending, &ctx, now)
        .await
        .unwrap();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let exchange = grants::CodeExchange {
        code,
        redirect_uri: Some(REDIRECT.into()),
        code_verifier: Some(VERIFIER.into()),
        resource: None,
    };
    grants::exchange_code(db, oauth, &client, exchange, &ctx, now)
        .await
        .unwrap()
        .access_token
}

/// utime + stime of `pid`, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

struct Target {
    base: String,
    token: String,
    session: String,
}

async fn post(client: &reqwest::Client, target: &Target, body: &Value) -> Result<Value, String> {
    let response = client
        .post(format!("{}/v1/mcp", target.base))
        .bearer_auth(&target.token)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .header("mcp-session-id", &target.session)
        .json(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != 200 {
        return Err(format!("HTTP {}", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}

/// One closed-loop run: `concurrency` workers, each with one request in flight.
async fn run(
    target: Arc<Target>,
    client: reqwest::Client,
    method: &'static str,
    concurrency: usize,
    duration: Duration,
) -> (Vec<u32>, usize) {
    let deadline = Instant::now() + duration;
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let (target, client) = (target.clone(), client.clone());
        workers.push(tokio::spawn(async move {
            let (mut latencies, mut errors, mut id) = (Vec::new(), 0usize, 0i64);
            while Instant::now() < deadline {
                id += 1;
                let body = match method {
                    "tools/call" => json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                        "params": {"name": "demo__get_company", "arguments": {"id": 1 + (worker as i64 + id) % 3}}}),
                    _ => json!({"jsonrpc": "2.0", "id": id, "method": "tools/list", "params": {}}),
                };
                let started = Instant::now();
                let reply = post(&client, &target, &body).await;
                let micros = started.elapsed().as_micros() as u32;
                let ok = match &reply {
                    Ok(v) if method == "tools/call" => v["result"]["isError"] != true && v["result"]["content"].is_array(),
                    Ok(v) => v["result"]["tools"].as_array().is_some_and(|t| !t.is_empty()),
                    Err(_) => false,
                };
                if ok {
                    latencies.push(micros);
                } else {
                    errors += 1;
                    if errors == 1 {
                        eprintln!("{method}: unexpected reply {reply:?}");
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for worker in workers {
        let (latencies, e) = worker.await.unwrap();
        all.extend(latencies);
        errors += e;
    }
    all.sort_unstable();
    (all, errors)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    f64::from(sorted[rank.min(sorted.len()) - 1]) / 1000.0
}

fn load(seconds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("bench.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--serve", db_path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let mut parts = line.split_whitespace().skip(1);
    let (base, token) = (
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}});
        let response = client
            .post(format!("{base}/v1/mcp"))
            .bearer_auth(&token)
            .header("accept", "application/json, text/event-stream")
            .json(&init)
            .send()
            .await
            .unwrap();
        let session = response.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        let target = Arc::new(Target { base, token, session });
        println!("| call | c | req/s | p50 ms | p90 ms | p99 ms | gateway CPU µs/req | errors |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for method in ["tools/call", "tools/list"] {
            for concurrency in [1, 8, 32] {
                // Unrecorded warm-up: connections open, caches filled.
                run(target.clone(), client.clone(), method, concurrency, Duration::from_secs(1)).await;
                let cpu_before = cpu_seconds(pid);
                let started = Instant::now();
                let (latencies, errors) =
                    run(target.clone(), client.clone(), method, concurrency, Duration::from_secs(seconds)).await;
                let elapsed = started.elapsed().as_secs_f64();
                let cpu = cpu_seconds(pid) - cpu_before;
                let n = latencies.len().max(1) as f64;
                println!(
                    "| {method} | {concurrency} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0} | {errors} |",
                    latencies.len() as f64 / elapsed,
                    percentile(&latencies, 50.0),
                    percentile(&latencies, 90.0),
                    percentile(&latencies, 99.0),
                    cpu * 1e6 / n,
                );
            }
        }
    });
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
}
