//! The closed-loop load: `c` tasks sharing one keep-alive client, each with one request in
//! flight; every reply checked (anything unexpected is an error, and the first one is printed);
//! client-side latency with nearest-rank percentiles; CPU from the processes' own accounting.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use serde_json::{json, Value};

/// What one request is, and how its reply is judged.
pub enum Request {
    /// `GET {base}/items/{n}` with the API key; the reply must name item `n`.
    RestItem { base: String, key: String },
    /// A JSON-RPC `tools/call` at `url`; the reply must be a successful result whose text holds
    /// the expected marker (the echoed text, or the item's name).
    McpCall {
        url: String,
        bearer: Option<String>,
        session: Option<String>,
        tool: String,
        style: ArgStyle,
    },
    /// `tools/list` at `url`, every page; the pages must list at least `min_tools` tools.
    McpList {
        url: String,
        bearer: String,
        session: String,
        min_tools: usize,
    },
    /// `GET url` with the portal session cookie; the reply must be a 200 page.
    Page { url: String },
}

/// The arguments a `tools/call` carries.
#[derive(Clone, Copy)]
pub enum ArgStyle {
    /// `{"text": <unique>}`, echoed back.
    Echo,
    /// `{"id": n}` for the bench REST vendor; the answer holds `item-n`.
    Item,
    /// `{"id": 1..=3}` for the Demo vendor; the answer holds `"id"`.
    Demo,
}

/// One measured run: sorted latencies in µs of the successful requests, and the error count.
pub struct Sample {
    pub latencies: Vec<u32>,
    pub errors: usize,
    pub seconds: f64,
    /// CPU seconds of the watched processes during the run.
    pub cpu: f64,
}

impl Sample {
    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }

    /// Nearest-rank percentile in ms.
    pub fn percentile(&self, p: f64) -> f64 {
        let sorted = &self.latencies;
        if sorted.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
        f64::from(sorted[rank.min(sorted.len()) - 1]) / 1000.0
    }

    /// CPU µs per successful request.
    pub fn cpu_per_request(&self) -> f64 {
        self.cpu * 1e6 / self.latencies.len().max(1) as f64
    }
}

async fn once(
    client: &reqwest::Client,
    request: &Request,
    worker: usize,
    n: u64,
) -> Result<(), String> {
    match request {
        Request::RestItem { base, key } => {
            let id = 1 + n % 1000;
            let response = client
                .get(format!("{base}/items/{id}"))
                .header("x-api-key", key)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if response.status() != 200 {
                return Err(format!("HTTP {}", response.status()));
            }
            let body: Value = response.json().await.map_err(|e| e.to_string())?;
            if body["data"]["name"] != format!("item-{id}").as_str() {
                return Err(format!("unexpected body {body}"));
            }
            Ok(())
        }
        Request::McpCall {
            url,
            bearer,
            session,
            tool,
            style,
        } => {
            let (arguments, marker) = match style {
                ArgStyle::Echo => {
                    let text = format!("bench-{worker}-{n}");
                    (json!({"text": text}), text)
                }
                ArgStyle::Item => {
                    let id = 1 + n % 1000;
                    (json!({"id": id}), format!("item-{id}"))
                }
                ArgStyle::Demo => (
                    json!({"id": 1 + (worker as u64 + n) % 3}),
                    "\"id\"".to_owned(),
                ),
            };
            let body = json!({"jsonrpc": "2.0", "id": n, "method": "tools/call",
                "params": {"name": tool, "arguments": arguments}});
            let reply = post(client, url, bearer.as_deref(), session.as_deref(), &body).await?;
            let result = &reply["result"];
            let text_holds = result["content"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|item| item["text"].as_str().is_some_and(|t| t.contains(&marker)))
            });
            if result["isError"] == true || !text_holds {
                return Err(format!("unexpected reply {reply}"));
            }
            Ok(())
        }
        Request::McpList {
            url,
            bearer,
            session,
            min_tools,
        } => {
            // The whole listing, as a client gets it: every page (the gateway pages by 100).
            let (mut count, mut cursor) = (0, None::<String>);
            loop {
                let params = match &cursor {
                    Some(c) => json!({"cursor": c}),
                    None => json!({}),
                };
                let body =
                    json!({"jsonrpc": "2.0", "id": n, "method": "tools/list", "params": params});
                let reply = post(client, url, Some(bearer), Some(session), &body).await?;
                count += reply["result"]["tools"].as_array().map_or(0, Vec::len);
                match reply["result"]["nextCursor"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break,
                }
            }
            if count < *min_tools {
                return Err(format!(
                    "{count} tools listed, expected at least {min_tools}"
                ));
            }
            Ok(())
        }
        Request::Page { url } => {
            let response = client.get(url).send().await.map_err(|e| e.to_string())?;
            if response.status() != 200 {
                return Err(format!("HTTP {}", response.status()));
            }
            let page = response.text().await.map_err(|e| e.to_string())?;
            if !page.contains("</html>") {
                return Err("not a whole page".into());
            }
            Ok(())
        }
    }
}

/// A JSON-RPC POST as an MCP client sends it; the JSON reply.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    session: Option<&str>,
    body: &Value,
) -> Result<Value, String> {
    let mut request = client
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(body);
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    if response.status() != 200 {
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        return Err(format!(
            "HTTP {status}: {}",
            text.chars().take(300).collect::<String>()
        ));
    }
    let text = response.text().await.map_err(|e| e.to_string())?;
    // An SSE answer (a server that streams even one reply): its `data:` line.
    let json = text
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap_or(&text);
    serde_json::from_str(json).map_err(|e| format!("{e}: {text}"))
}

/// `initialize` at `url`; the session id the server returned, if any.
pub async fn initialize(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
) -> Option<String> {
    let mut request = client
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}));
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "initialize at {url}");
    let session = response
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let _ = response.bytes().await;
    if let Some(session) = &session {
        let mut notify = client
            .post(url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-session-id", session)
            .json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        if let Some(bearer) = bearer {
            notify = notify.bearer_auth(bearer);
        }
        let _ = notify.send().await.unwrap().bytes().await;
    }
    session
}

/// One cell: an unrecorded 1 s warm-up (connections open, caches and upstream sessions filled),
/// then `seconds` measured.
pub async fn measure(
    client: &reqwest::Client,
    request: Arc<Request>,
    concurrency: usize,
    seconds: u64,
    pids: &[u32],
) -> Sample {
    run(
        client,
        request.clone(),
        concurrency,
        Duration::from_secs(1),
        pids,
    )
    .await;
    run(
        client,
        request,
        concurrency,
        Duration::from_secs(seconds),
        pids,
    )
    .await
}

/// Runs `request` from `concurrency` tasks for `duration`, counting the CPU of `pids`.
pub async fn run(
    client: &reqwest::Client,
    request: Arc<Request>,
    concurrency: usize,
    duration: Duration,
    pids: &[u32],
) -> Sample {
    let cpu_before: f64 = pids.iter().map(|p| cpu_seconds(*p)).sum();
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let (client, request) = (client.clone(), request.clone());
        workers.push(tokio::spawn(async move {
            let (mut latencies, mut errors, mut n) =
                (Vec::new(), 0usize, worker as u64 * 1_000_000);
            while Instant::now() < deadline {
                n += 1;
                let begun = Instant::now();
                let outcome = once(&client, &request, worker, n).await;
                let micros = begun.elapsed().as_micros() as u32;
                match outcome {
                    Ok(()) => latencies.push(micros),
                    Err(e) => {
                        errors += 1;
                        if errors == 1 {
                            eprintln!("error: {e}");
                        }
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for worker in workers {
        let (l, e) = worker.await.unwrap();
        latencies.extend(l);
        errors += e;
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = pids.iter().map(|p| cpu_seconds(*p)).sum::<f64>() - cpu_before;
    latencies.sort_unstable();
    Sample {
        latencies,
        errors,
        seconds,
        cpu,
    }
}

/// utime + stime of `pid`, in seconds (0 when it is gone).
pub fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// Resident memory of `pid` in MiB (VmRSS).
pub fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// One call to the faulty vendor: how long it took, and the start of its answer's text.
pub struct FaultyCall {
    pub took: Duration,
    pub answer: String,
}

/// `callers` tasks calling `tool` until `stop`, each waiting 50 ms after every answer (a client
/// that retries, not a tight loop); every call's duration and answer.
pub async fn faulty_callers(
    client: &reqwest::Client,
    url: &str,
    bearer: &str,
    session: &str,
    tool: &str,
    callers: usize,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<FaultyCall> {
    let mut tasks = Vec::new();
    for worker in 0..callers {
        let (client, url, bearer, session, tool, stop) = (
            client.clone(),
            url.to_owned(),
            bearer.to_owned(),
            session.to_owned(),
            tool.to_owned(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut calls = Vec::new();
            let mut n = worker as u64 * 1_000_000;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                let body = json!({"jsonrpc": "2.0", "id": n, "method": "tools/call",
                    "params": {"name": tool, "arguments": {"id": 1}}});
                let begun = Instant::now();
                let reply = post(&client, &url, Some(&bearer), Some(&session), &body).await;
                let answer = match reply {
                    Ok(v) => v["result"]["content"][0]["text"]
                        .as_str()
                        .or(v["error"]["message"].as_str())
                        .unwrap_or_default()
                        .chars()
                        .take(70)
                        .collect(),
                    Err(e) => e,
                };
                calls.push(FaultyCall {
                    took: begun.elapsed(),
                    answer,
                });
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            calls
        }));
    }
    let mut calls = Vec::new();
    for task in tasks {
        calls.extend(task.await.unwrap());
    }
    calls
}
