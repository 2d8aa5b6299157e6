//! Two replicas with a real MCP client (issue 14, item 2): the official Python SDK client
//! (`replica_client.py`, from end2end/.venv) reaches two `mcp-gateway` processes on one
//! PostgreSQL through a load balancer without affinity — each HTTP request goes to the other
//! process — so its `initialize`, GET stream, calls, pings, listings and token refreshes
//! alternate between them. A connection added through the replica that does not hold the GET
//! stream reaches the client as `tools/list_changed`; thousands of requests see no error.
//! PostgreSQL only, like `replicas.rs`.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Child, ChildStdin, ChildStdout, Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, Method, StatusCode},
    response::{IntoResponse, Response},
    serve::ListenerExt,
};
use domain::testing::test_db;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use vendor_fakes::{itglue, Options};

use crate::{
    crash::overrides,
    gateway_process::{authorize, browser, connect_itglue, register, GatewayProcess},
};

/// Requests the client makes while alternating (calls, listings, pings).
const REQUESTS: u64 = 2_000;
/// The client refreshes its token every this many requests.
const REFRESH_EVERY: u64 = 250;

/// A round-robin load balancer in front of two replicas, counting what each served.
struct RoundRobin {
    bases: [String; 2],
    http: reqwest::Client,
    next: AtomicUsize,
    served: [AtomicUsize; 2],
    refreshes: [AtomicUsize; 2],
    /// The replica that took the client's GET stream.
    stream_at: Mutex<Option<usize>>,
}

async fn forward(State(rr): State<Arc<RoundRobin>>, request: Request) -> Response {
    let at = rr.next.fetch_add(1, Ordering::SeqCst) % 2;
    rr.served[at].fetch_add(1, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    if parts.method == Method::GET && parts.uri.path() == "/v1/mcp" {
        *rr.stream_at.lock().unwrap() = Some(at);
    }
    if parts.uri.path() == "/token" {
        rr.refreshes[at].fetch_add(1, Ordering::SeqCst);
    }
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut upstream = rr
        .http
        .request(parts.method.clone(), format!("{}{path}", rr.bases[at]))
        .body(body);
    for (name, value) in &parts.headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            upstream = upstream.header(name, value);
        }
    }
    let response = match upstream.send().await {
        Ok(response) => response,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let mut builder = Response::builder().status(response.status());
    for (name, value) in response.headers() {
        if name != header::TRANSFER_ENCODING && name != header::CONNECTION {
            builder = builder.header(name, value);
        }
    }
    // Streamed through chunk by chunk: the GET stream stays open.
    let chunks = futures_util::stream::unfold(response, |mut response| async move {
        match response.chunk().await {
            Ok(Some(chunk)) => Some((Ok::<_, std::io::Error>(chunk), response)),
            _ => None,
        }
    });
    builder.body(Body::from_stream(chunks)).unwrap()
}

/// The Python SDK client process, driven one JSON line at a time.
struct PythonClient {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl PythonClient {
    fn start(args: &[&str]) -> Self {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let python = format!("{root}/end2end/.venv/bin/python");
        assert!(
            std::path::Path::new(&python).exists(),
            "{python} is missing: run `SETUP_E2E=1 scripts/setup.sh` (the test command does)"
        );
        let mut child = Command::new(python)
            .arg(format!("{root}/server/tests/api/replica_client.py"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            input,
            output,
        }
    }

    /// The next line the client prints (blocking; the client answers every command).
    fn read(&mut self) -> Value {
        let mut line = String::new();
        self.output.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
    }

    fn ask(&mut self, command: Value) -> Value {
        writeln!(self.input, "{command}").unwrap();
        self.read()
    }
}

impl Drop for PythonClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_client_alternating_between_two_replicas_sees_no_error() {
    let db = test_db().await;
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        eprintln!(
            "notice: the two-replica test needs PostgreSQL (TEST_DATABASE_URL unset): skipped"
        );
        return;
    }
    // Arrange: the balancer's address is the public URL both replicas share.
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public = format!("http://{}", listener.local_addr().unwrap());
    let (port_a, port_b) = (
        crate::gateway_process::free_port(),
        crate::gateway_process::free_port(),
    );
    let overrides = overrides(&fake);
    let (a, b) = tokio::join!(
        GatewayProcess::start(&db.settings_url, port_a, &public, &overrides),
        GatewayProcess::start(&db.settings_url, port_b, &public, &overrides),
    );
    let balancer = Arc::new(RoundRobin {
        bases: [a.base.clone(), b.base.clone()],
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        next: AtomicUsize::new(0),
        served: Default::default(),
        refreshes: Default::default(),
        stream_at: Mutex::new(None),
    });
    let router = axum::Router::new()
        .fallback(forward)
        .with_state(balancer.clone());
    // Without TCP_NODELAY, a streamed answer's second small write waits for the client's delayed
    // ACK: about 40 ms per request.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let ada = browser(&a.base, "Ada").await;
    connect_itglue(&ada, &b.base, "docs").await;
    let client_id = register(&public).await;
    let tokens = authorize(&public, &public, &ada, &client_id).await;
    let mut python = PythonClient::start(&[
        "--url",
        &format!("{public}/v1/mcp"),
        "--client-id",
        &client_id,
        "--redirect",
        "http://127.0.0.1/callback",
        "--access",
        tokens["access_token"].as_str().unwrap(),
        "--refresh",
        tokens["refresh_token"].as_str().unwrap(),
    ]);
    let connected = tokio::task::block_in_place(|| python.read());
    assert_eq!(connected["event"], "connected", "{connected}");

    // A connection added through the replica that does not hold the GET stream.
    let deadline = Instant::now() + Duration::from_secs(10);
    let stream_at = loop {
        if let Some(at) = *balancer.stream_at.lock().unwrap() {
            break at;
        }
        assert!(
            Instant::now() < deadline,
            "the SDK client opened no GET stream"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let other = [&a.base, &b.base][1 - stream_at];
    connect_itglue(&ada, other, "docs2").await;
    let heard = tokio::task::block_in_place(|| {
        python.ask(json!({"op": "await_list_changed", "seconds": 10}))
    });
    assert_eq!(heard["ok"], true, "{heard}");

    // Act: thousands of requests, each on the other replica, refreshing every 250.
    let served_before = [0, 1].map(|i| balancer.served[i].load(Ordering::SeqCst));
    let report = tokio::task::block_in_place(|| {
        python.ask(
            json!({"op": "run", "requests": REQUESTS, "refresh_every": REFRESH_EVERY,
            "tool": "docs__list_organizations"}),
        )
    });

    // Assert: no error; both replicas served half; refreshes landed on both.
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        &errors[..errors.len().min(3)]
    );
    assert_eq!(report["requests"], REQUESTS);
    let refreshes = report["refreshes"].as_u64().unwrap();
    assert!(
        refreshes >= REQUESTS / REFRESH_EVERY - 1,
        "{refreshes} refreshes"
    );
    let served = [0, 1].map(|i| balancer.served[i].load(Ordering::SeqCst) - served_before[i]);
    assert!(
        served.iter().all(|s| *s as u64 >= REQUESTS / 2 - 10),
        "served {served:?}"
    );
    assert!(
        balancer
            .refreshes
            .iter()
            .all(|r| r.load(Ordering::SeqCst) >= 2),
        "refreshes at each replica: {:?}",
        balancer.refreshes
    );
    eprintln!(
        "Python SDK client, two replicas: {REQUESTS} requests in {:.1} s, {refreshes} refreshes, served {served:?}",
        report["seconds"].as_f64().unwrap()
    );
    let closed = tokio::task::block_in_place(|| python.ask(json!({"op": "close"})));
    assert_eq!(closed["ok"], true);
}
