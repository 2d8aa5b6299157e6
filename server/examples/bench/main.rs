//! `bench/run.sh`'s load generator (bench/README.md has the method and the budgets).
//!
//! Starts a no-op REST upstream (`--upstream`), the floor — a bare MCP → REST proxy in front of
//! it (`--floor`) — and the gateway (`--serve`) as child processes, takes the Python MCP upstream
//! (and ContextForge, when it runs) from the environment `bench/run.sh` sets, then measures,
//! interleaved and repeated: `tools/call` directly, through the floor and through the gateway at
//! concurrency 1, 8, 32 and 128; `tools/list` of 10 connections × 20 tools; the portal's settings
//! and connections pages; resident memory idle and with 1,000 open MCP sessions; the release
//! WASM per page. Prints markdown tables and the budgets met or missed.
//!
//! `bench [--seconds N] [--reps N] [--only TARGET] [--c N]` (defaults 5 s, 3 repetitions; `--only`
//! keeps the `tools/call` targets whose "upstream/label" starts with TARGET, e.g. `REST/gateway`,
//! and skips the later sections, `--only faults` runs the vendor-fault section alone; `--c` keeps
//! one concurrency: for profiling one cell).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod floor;
mod gateway;
mod load;
mod upstream;

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};

use load::{ArgStyle, Request, Sample};

const CONCURRENCY: [usize; 4] = [1, 8, 32, 128];

/// The binary's allocator (server/src/main.rs), so the gateway child measures what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--serve") => gateway::serve(&args[2], &args[3], &args[4]),
        Some("--upstream") => upstream::serve(args.get(2).map(String::as_str) == Some("hang")),
        Some("--floor") => floor::serve(&args[2]),
        _ => {
            let flag = |name: &str, default: u64| {
                args.iter()
                    .position(|a| a == name)
                    .and_then(|i| args.get(i + 1))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(default)
            };
            let only = args
                .iter()
                .position(|a| a == "--only")
                .and_then(|i| args.get(i + 1))
                .cloned();
            let concurrency = match flag("--c", 0) as usize {
                0 => CONCURRENCY.to_vec(),
                c => vec![c],
            };
            bench(
                flag("--seconds", 5),
                flag("--reps", 3) as usize,
                only,
                concurrency,
            );
        }
    }
}

/// A child process announcing itself with `READY …` on stdout; killed when dropped.
struct Spawned {
    child: Child,
    ready: Vec<String>,
}

impl Spawned {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.starts_with("READY "),
            "{args:?} did not start: {line:?}"
        );
        let ready = line.split_whitespace().skip(1).map(str::to_owned).collect();
        Self { child, ready }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The vendor-fault section: healthy calls without and with a hanging vendor, and that
/// vendor's calls.
#[derive(Default)]
struct Fault {
    calm: Vec<Sample>,
    faulty: Vec<Sample>,
    calls: Vec<load::FaultyCall>,
}

/// One load target of the `tools/call` comparison.
struct Target {
    upstream: &'static str,
    label: &'static str,
    request: Arc<Request>,
    pids: Vec<u32>,
    max_concurrency: usize,
}

fn bench(seconds: u64, reps: usize, only: Option<String>, concurrency: Vec<usize>) {
    let echo_url = env("BENCH_ECHO_URL")
        .expect("BENCH_ECHO_URL (the Python echo upstream) is not set: run bench/run.sh");
    let echo_pid: u32 = env("BENCH_ECHO_PID")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let echo_origin = url::Url::parse(&echo_url)
        .unwrap()
        .origin()
        .ascii_serialization();

    let rest = Spawned::start(&["--upstream"]);
    let rest_base = format!("http://127.0.0.1:{}", rest.ready[0]);
    let rest_pid = rest.pid();
    let floor = Spawned::start(&["--floor", &rest_base]);
    let floor_url = format!("http://127.0.0.1:{}/mcp", floor.ready[0]);
    let floor_pid = floor.pid();
    let dir = tempfile::tempdir().unwrap();
    let vendors = dir.path().join("vendors");
    std::fs::create_dir(&vendors).unwrap();
    std::fs::write(vendors.join("bench.toml"), gateway::vendor_definition()).unwrap();
    std::fs::write(
        vendors.join("bench-flaky.toml"),
        gateway::flaky_definition(),
    )
    .unwrap();
    let hanging = Spawned::start(&["--upstream", "hang"]);
    let overrides = serde_json::json!({
        gateway::REST_ORIGIN: rest_base,
        gateway::FLAKY_ORIGIN: format!("http://127.0.0.1:{}", hanging.ready[0]),
        gateway::ECHO_ORIGIN: echo_origin,
    })
    .to_string();
    let db = dir.path().join("bench.db");
    let gw = Spawned::start(&[
        "--serve",
        db.to_str().unwrap(),
        vendors.to_str().unwrap(),
        &overrides,
    ]);
    let (base, caller, lister) = (
        gw.ready[0].clone(),
        gw.ready[1].clone(),
        gw.ready[2].clone(),
    );
    let gw_pid = gw.pid();
    std::thread::sleep(Duration::from_secs(2));
    let idle_rss = load::rss_mib(gw_pid);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(512)
            .build()
            .unwrap();
        let mcp = format!("{base}/v1/mcp");
        let caller_session = load::initialize(&client, &mcp, Some(&caller))
            .await
            .unwrap();
        let lister_session = load::initialize(&client, &mcp, Some(&lister))
            .await
            .unwrap();

        let gateway_call = |tool: &str, style| {
            Arc::new(Request::McpCall {
                url: mcp.clone(),
                bearer: Some(caller.clone()),
                session: Some(caller_session.clone()),
                tool: tool.into(),
                style,
            })
        };
        let mut targets = vec![
            Target {
                upstream: "REST",
                label: "direct",
                request: Arc::new(Request::RestItem {
                    base: rest_base.clone(),
                    key: gateway::REST_KEY.into(),
                }),
                pids: vec![rest_pid],
                max_concurrency: usize::MAX,
            },
            Target {
                upstream: "REST",
                label: "gateway",
                request: gateway_call("rest__get_item_00", ArgStyle::Item),
                pids: vec![gw_pid],
                max_concurrency: usize::MAX,
            },
            Target {
                upstream: "REST",
                label: "floor",
                request: Arc::new(Request::McpCall {
                    url: floor_url.clone(),
                    bearer: None,
                    session: None,
                    tool: "get_item".into(),
                    style: ArgStyle::Item,
                }),
                pids: vec![floor_pid],
                max_concurrency: usize::MAX,
            },
            Target {
                upstream: "MCP",
                label: "direct",
                request: Arc::new(Request::McpCall {
                    url: echo_url.clone(),
                    bearer: None,
                    session: None,
                    tool: "echo".into(),
                    style: ArgStyle::Echo,
                }),
                pids: vec![echo_pid],
                max_concurrency: usize::MAX,
            },
            Target {
                upstream: "MCP",
                label: "gateway",
                request: gateway_call("echo__echo", ArgStyle::Echo),
                pids: vec![gw_pid],
                max_concurrency: usize::MAX,
            },
            Target {
                upstream: "Demo",
                label: "gateway",
                request: gateway_call("demo__get_company", ArgStyle::Demo),
                pids: vec![gw_pid],
                max_concurrency: usize::MAX,
            },
        ];
        if let (Some(url), Some(token)) = (env("BENCH_CF_URL"), env("BENCH_CF_TOKEN")) {
            let pids = env("BENCH_CF_PIDS")
                .unwrap_or_default()
                .split(',')
                .filter_map(|p| p.trim().parse().ok())
                .collect();
            targets.push(Target {
                upstream: "MCP",
                label: "ContextForge",
                request: Arc::new(Request::McpCall {
                    url,
                    bearer: Some(token),
                    session: None,
                    tool: env("BENCH_CF_TOOL").unwrap_or_else(|| "echo-upstream-echo".into()),
                    style: ArgStyle::Echo,
                }),
                pids,
                // At ≈20 calls/s, 128 callers would each finish a handful of calls in a run.
                max_concurrency: 32,
            });
        }

        // tools/call, every target at every concurrency, repetitions in alternating order.
        let faults_only = only.as_deref() == Some("faults");
        if faults_only {
            targets.clear();
        } else if let Some(only) = &only {
            targets.retain(|t| format!("{}/{}", t.upstream, t.label).starts_with(only.as_str()));
            assert!(!targets.is_empty(), "no target matches {only}");
        }
        eprintln!("[bench] gateway pid {gw_pid}");
        let mut calls: BTreeMap<(usize, usize), Vec<Sample>> = BTreeMap::new();
        for rep in 0..reps {
            eprintln!("[bench] tools/call, repetition {} of {reps}", rep + 1);
            for &c in &concurrency {
                let mut order: Vec<usize> = (0..targets.len()).collect();
                if rep % 2 == 1 {
                    order.reverse();
                }
                for t in order {
                    let target = &targets[t];
                    if c > target.max_concurrency {
                        continue;
                    }
                    let sample =
                        load::measure(&client, target.request.clone(), c, seconds, &target.pids)
                            .await;
                    calls.entry((t, c)).or_default().push(sample);
                }
            }
        }

        // One vendor hangs: the caller's calls to a healthy connection at c = 8, alone and
        // while 8 callers keep calling the hanging vendor (its calls end at its time limit, then
        // at once while its breaker is open).
        eprintln!("[bench] a vendor hangs");
        let healthy = Arc::new(Request::McpCall {
            url: mcp.clone(),
            bearer: Some(caller.clone()),
            session: Some(caller_session.clone()),
            tool: "rest__get_item_00".into(),
            style: ArgStyle::Item,
        });
        let mut fault = Fault::default();
        let fault_reps = if only.is_none() || faults_only {
            reps
        } else {
            0
        };
        for _ in 0..fault_reps {
            let calm = load::measure(&client, healthy.clone(), 8, seconds, &[gw_pid]).await;
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let callers = {
                let (client, mcp, caller, session, stop) = (
                    client.clone(),
                    mcp.clone(),
                    caller.clone(),
                    caller_session.clone(),
                    stop.clone(),
                );
                tokio::spawn(async move {
                    load::faulty_callers(
                        &client,
                        &mcp,
                        &caller,
                        &session,
                        "flaky__get_item_00",
                        8,
                        stop,
                    )
                    .await
                })
            };
            // The first hangs are under way before the measured run starts.
            tokio::time::sleep(Duration::from_secs(1)).await;
            let faulty = load::measure(&client, healthy.clone(), 8, seconds, &[gw_pid]).await;
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            fault.calls.extend(callers.await.unwrap());
            fault.calm.push(calm);
            fault.faulty.push(faulty);
        }

        if only.is_some() {
            report(
                &targets,
                &calls,
                &BTreeMap::new(),
                &BTreeMap::new(),
                &fault,
                idle_rss,
                f64::NAN,
                f64::NAN,
                seconds,
                reps,
            );
            return;
        }

        // tools/list of 10 connections × 20 tools.
        eprintln!("[bench] tools/list");
        let list = Arc::new(Request::McpList {
            url: mcp.clone(),
            bearer: lister.clone(),
            session: lister_session.clone(),
            min_tools: 10 * gateway::REST_TOOLS,
        });
        let mut lists: BTreeMap<usize, Vec<Sample>> = BTreeMap::new();
        for _ in 0..reps {
            for c in [1, 8, 32] {
                lists
                    .entry(c)
                    .or_default()
                    .push(load::measure(&client, list.clone(), c, seconds, &[gw_pid]).await);
            }
        }

        // Portal pages, signed in as the lister with the development sign-in.
        eprintln!("[bench] pages");
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let response = browser
            .post(format!("{base}/auth/dev/login"))
            .header("sec-fetch-site", "same-origin")
            .form(&[
                ("name", "Bench Lister"),
                ("email", gateway::LISTER_EMAIL),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success() || response.status().is_redirection());
        let mut pages: BTreeMap<&str, Vec<Sample>> = BTreeMap::new();
        for _ in 0..reps {
            for path in ["/settings", "/connections"] {
                let page = Arc::new(Request::Page {
                    url: format!("{base}{path}"),
                });
                pages
                    .entry(path)
                    .or_default()
                    .push(load::measure(&browser, page, 1, seconds, &[gw_pid]).await);
            }
        }

        // Memory with 1,000 open MCP sessions, each with its GET stream.
        eprintln!("[bench] 1,000 sessions");
        let before_streams = load::rss_mib(gw_pid);
        let streams_client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let mut streams = Vec::new();
        for _ in 0..1000 {
            let session = load::initialize(&streams_client, &mcp, Some(&caller))
                .await
                .unwrap();
            let response = streams_client
                .get(&mcp)
                .bearer_auth(&caller)
                .header("accept", "text/event-stream")
                .header("mcp-session-id", &session)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "GET stream");
            streams.push(response);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let with_streams = load::rss_mib(gw_pid);
        drop(streams);

        report(
            &targets,
            &calls,
            &lists,
            &pages,
            &fault,
            idle_rss,
            before_streams,
            with_streams,
            seconds,
            reps,
        );
    });
    drop(gw);
    drop(rest);
}

fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// The median over repetitions of `f` of each sample.
fn med(samples: &[Sample], f: impl Fn(&Sample) -> f64) -> f64 {
    median(samples.iter().map(f).collect())
}

/// A table row of `samples`' medians: req/s, p50, p90, p99, CPU µs per request, errors.
fn row(label: &str, samples: &[Sample]) -> String {
    format!(
        "| {label} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0} | {} |",
        med(samples, Sample::rate),
        med(samples, |s| s.percentile(50.0)),
        med(samples, |s| s.percentile(90.0)),
        med(samples, |s| s.percentile(99.0)),
        med(samples, Sample::cpu_per_request),
        samples.iter().map(|s| s.errors).sum::<usize>(),
    )
}

/// One row of the budgets table.
fn budget(what: &str, figure: &str, met: bool) {
    println!("| {what} | {figure} | {} |", ok(met));
}

fn ok(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**missed**"
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    targets: &[Target],
    calls: &BTreeMap<(usize, usize), Vec<Sample>>,
    lists: &BTreeMap<usize, Vec<Sample>>,
    pages: &BTreeMap<&str, Vec<Sample>>,
    fault: &Fault,
    idle_rss: f64,
    before_streams: f64,
    with_streams: f64,
    seconds: u64,
    reps: usize,
) {
    println!("\n### tools/call, direct and through the gateway ({reps} repetitions × {seconds} s, medians)\n");
    println!("REST: the fixed-JSON REST upstream; MCP: the Python SDK echo upstream; Demo: the in-process");
    println!("Demo vendor (no upstream: the gateway's whole cost). CPU: the upstream's process for direct");
    println!(
        "rows, the gateway's for gateway rows, ContextForge's master and workers for its rows.\n"
    );
    println!("| upstream | c | target | req/s | p50 ms | p90 ms | p99 ms | CPU µs/req | errors |");
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for (t, target) in targets.iter().enumerate() {
        for c in CONCURRENCY {
            let Some(samples) = calls.get(&(t, c)) else {
                continue;
            };
            let label = format!("{} | {c} | {}", target.upstream, target.label);
            println!("{}", row(&label, samples));
        }
    }

    // Gateway (and ContextForge) against direct, per repetition pair, then the median.
    println!("\n### Added by the gateway (target − direct, per repetition, medians)\n");
    println!(
        "| upstream | c | target | throughput ratio | added p50 ms | added p90 ms | added p99 ms |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|");
    let mut budget_latency = true;
    let mut budget_ratio = true;
    let (mut latency_cells, mut ratio_cells) = (0, 0);
    let mut cpu_figures = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        if target.label == "direct" {
            continue;
        }
        let Some(d) = targets
            .iter()
            .position(|x| x.upstream == target.upstream && x.label == "direct")
        else {
            continue;
        };
        for c in CONCURRENCY {
            let (Some(through), Some(direct)) = (calls.get(&(t, c)), calls.get(&(d, c))) else {
                continue;
            };
            let pair = |f: &dyn Fn(&Sample, &Sample) -> f64| {
                median(through.iter().zip(direct).map(|(a, b)| f(a, b)).collect())
            };
            let ratio = pair(&|a, b| a.rate() / b.rate());
            let added = |p: f64| pair(&|a, b| a.percentile(p) - b.percentile(p));
            let (p50, p90, p99) = (added(50.0), added(90.0), added(99.0));
            println!(
                "| {} | {c} | {} | {ratio:.2} | {p50:+.2} | {p90:+.2} | {p99:+.2} |",
                target.upstream, target.label
            );
            if target.label == "gateway" {
                if c == 1 || c == 32 {
                    budget_latency &= p50 <= 0.5 && p99 <= 2.0;
                    latency_cells += 1;
                }
                if target.upstream.starts_with("MCP") {
                    budget_ratio &= ratio >= 0.8;
                    ratio_cells += 1;
                }
            }
        }
    }
    for (t, target) in targets.iter().enumerate() {
        if target.label == "gateway" && target.upstream != "Demo" {
            for c in CONCURRENCY {
                if let Some(s) = calls.get(&(t, c)) {
                    cpu_figures.push(med(s, Sample::cpu_per_request));
                }
            }
        }
    }

    floor_report(targets, calls);

    println!("\n### tools/list, 10 connections × 20 tools, through the gateway\n");
    println!("| c | req/s | p50 ms | p90 ms | p99 ms | gateway CPU µs/req | errors |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for (c, samples) in lists {
        println!("{}", row(&c.to_string(), samples));
    }
    let list_p50 = lists
        .get(&1)
        .map_or(f64::NAN, |s| med(s, |s| s.percentile(50.0)));

    println!(
        "\n### Portal pages (server-rendered, signed in, one caller; round trip on loopback)\n"
    );
    println!("| page | req/s | p50 ms | p90 ms | p99 ms | gateway CPU µs/req | errors |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (path, samples) in pages {
        println!("{}", row(&format!("`{path}`"), samples));
    }
    let settings_p50 = pages
        .get("/settings")
        .map_or(f64::NAN, |s| med(s, |s| s.percentile(50.0)));

    let fault_p99 = fault_report(fault);

    let per_thousand = with_streams - before_streams;
    println!("\n### Memory (gateway process, VmRSS)\n");
    println!("| state | MiB |");
    println!("|---|---:|");
    println!("| idle, after start and seeding | {idle_rss:.1} |");
    println!("| after the load above | {before_streams:.1} |");
    println!("| with 1,000 open MCP sessions, each with its GET stream | {with_streams:.1} (+{per_thousand:.1}) |");

    let wasm = wasm_size();
    if let Some(wasm) = &wasm {
        println!("\n### Release WASM per page (main module + the page's lazily loaded modules)\n");
        println!("| page | files | raw KB | gzip -9 KB |\n|---|---:|---:|---:|");
        println!(
            "| main module alone | 1 | {:.0} | {:.0} |",
            wasm.main.0 as f64 / 1000.0,
            wasm.main.1 as f64 / 1000.0
        );
        for p in &wasm.pages {
            println!(
                "| {} | {} | {:.0} | {:.0} |",
                p.page,
                p.files,
                p.raw as f64 / 1000.0,
                p.gz as f64 / 1000.0
            );
        }
    }

    let cpu_max = cpu_figures.iter().copied().fold(f64::NAN, f64::max);
    // A row for each budget this run measured (a partial run, `--only`, skips the others).
    println!("\n### Budgets\n");
    println!("| budget | figure | |");
    println!("|---|---|---|");
    if latency_cells > 0 {
        budget(
            "added latency p50 ≤ 0.5 ms, p99 ≤ 2 ms at c = 1 and 32",
            "table above",
            budget_latency,
        );
    }
    if cpu_max.is_finite() {
        budget(
            "gateway CPU per proxied tools/call ≤ 100 µs",
            &format!("≤ {cpu_max:.0} µs (worst cell)"),
            cpu_max <= 100.0,
        );
    }
    if ratio_cells > 0 {
        budget(
            "throughput ≥ 0.8 × direct, Python SDK upstream",
            "table above",
            budget_ratio,
        );
    }
    if list_p50.is_finite() {
        budget(
            "tools/list p50 ≤ 2 ms",
            &format!("{list_p50:.2} ms"),
            list_p50 <= 2.0,
        );
    }
    if settings_p50.is_finite() {
        budget(
            "settings page ≤ 10 ms",
            &format!("{settings_p50:.2} ms"),
            settings_p50 <= 10.0,
        );
    }
    if let Some(wasm) = wasm.as_ref().filter(|w| !w.pages.is_empty()) {
        let within = wasm.pages.iter().filter(|p| p.gz <= 300_000).count();
        let largest = &wasm.pages[wasm.pages.len() - 1];
        budget(
            "WASM ≤ 300 KB gzip (per page)",
            &format!(
                "{within} of {} pages; largest {:.0} KB ({})",
                wasm.pages.len(),
                largest.gz as f64 / 1000.0,
                largest.page
            ),
            within == wasm.pages.len(),
        );
    }
    budget(
        "idle RSS ≤ 40 MB",
        &format!("{idle_rss:.1} MiB"),
        idle_rss * 1.048_576 <= 40.0,
    );
    if per_thousand.is_finite() {
        budget(
            "≤ +50 MB per 1,000 sessions",
            &format!("+{per_thousand:.1} MiB"),
            per_thousand * 1.048_576 <= 50.0,
        );
    }
    if fault_p99.is_finite() {
        budget(
            "healthy vendor's p99 within +20 % while another hangs",
            &format!("{fault_p99:+.0} %"),
            fault_p99 <= 20.0,
        );
    }
}

/// The gateway's REST calls against the floor's (`floor.rs`, a bare MCP → REST proxy): CPU per
/// call of each, and what the gateway's own work (sign-in, session, credential, guard, limits,
/// metrics) adds on top of the two HTTP hops every proxy pays.
fn floor_report(targets: &[Target], calls: &BTreeMap<(usize, usize), Vec<Sample>>) {
    let find = |label: &str| {
        targets
            .iter()
            .position(|t| t.upstream == "REST" && t.label == label)
    };
    let (Some(floor), Some(gateway)) = (find("floor"), find("gateway")) else {
        return;
    };
    println!(
        "\n### The floor: a bare MCP → REST proxy against the gateway (REST upstream, medians)\n"
    );
    println!("| c | floor CPU µs/req | gateway CPU µs/req | gateway − floor µs | floor p50 ms | gateway p50 ms |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for c in CONCURRENCY {
        let (Some(f), Some(g)) = (calls.get(&(floor, c)), calls.get(&(gateway, c))) else {
            continue;
        };
        let (fc, gc) = (
            med(f, Sample::cpu_per_request),
            med(g, Sample::cpu_per_request),
        );
        println!(
            "| {c} | {fc:.0} | {gc:.0} | {:+.0} | {:.2} | {:.2} |",
            gc - fc,
            med(f, |s| s.percentile(50.0)),
            med(g, |s| s.percentile(50.0)),
        );
    }
}

/// Raw and `gzip -9` bytes of one file.
fn sizes(path: &std::path::Path) -> Option<(u64, u64)> {
    let raw = std::fs::metadata(path).ok()?.len();
    let gz = Command::new("sh")
        .args(["-c", "gzip -9 -c \"$0\" | wc -c"])
        .arg(path)
        .output()
        .ok()?;
    let gz = String::from_utf8_lossy(&gz.stdout).trim().parse().ok()?;
    Some((raw, gz))
}

/// What a browser loads for one page: the main module, the page's lazily loaded route module and
/// the shared chunks it needs, summed.
struct PageWasm {
    page: String,
    files: usize,
    raw: u64,
    gz: u64,
}

/// The release WASM per page (`BENCH_PKG`, set by bench/run.sh), from cargo-leptos'
/// `__wasm_split_manifest.json`, sorted by gzip size, and the main module alone.
struct Wasm {
    main: (u64, u64),
    pages: Vec<PageWasm>,
}

fn wasm_size() -> Option<Wasm> {
    let pkg = std::path::PathBuf::from(env("BENCH_PKG")?);
    let main = sizes(&pkg.join("mcp-gateway.wasm"))?;
    let manifest: BTreeMap<String, Vec<String>> = serde_json::from_str(
        &std::fs::read_to_string(pkg.join("__wasm_split_manifest.json")).ok()?,
    )
    .ok()?;
    // Shared chunks belong to many pages: each file is measured once.
    let mut measured: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut pages = Vec::new();
    for (split, chunks) in &manifest {
        let Some(page) = split
            .strip_prefix("__")
            .and_then(|s| s.split_once("_route_view"))
            .map(|(page, _)| page.replace('_', " "))
        else {
            continue;
        };
        let files = chunks
            .iter()
            .map(|c| format!("{c}.wasm"))
            .chain([format!("split_{split}.wasm")]);
        let mut total = PageWasm {
            page,
            files: 1,
            raw: main.0,
            gz: main.1,
        };
        for file in files {
            let (raw, gz) = match measured.get(&file) {
                Some(known) => *known,
                None => {
                    let known = sizes(&pkg.join(&file))?;
                    measured.insert(file, known);
                    known
                }
            };
            total.files += 1;
            total.raw += raw;
            total.gz += gz;
        }
        pages.push(total);
    }
    pages.sort_by_key(|p| p.gz);
    Some(Wasm { main, pages })
}

/// Prints the vendor-fault section; the healthy calls' p99 change in percent (NaN when not run).
fn fault_report(fault: &Fault) -> f64 {
    if fault.calm.is_empty() {
        return f64::NAN;
    }
    println!("\n### A vendor hangs (healthy connection of the same user, c = 8)\n");
    println!("| healthy calls | req/s | p50 ms | p90 ms | p99 ms | gateway CPU µs/req | errors |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, samples) in [
        ("alone", &fault.calm),
        ("while 8 callers call the hanging vendor", &fault.faulty),
    ] {
        println!("{}", row(label, samples));
    }
    let slowest = fault.calls.iter().map(|c| c.took).max().unwrap_or_default();
    let mut answers: BTreeMap<&str, usize> = BTreeMap::new();
    for call in &fault.calls {
        *answers.entry(call.answer.as_str()).or_default() += 1;
    }
    println!(
        "\nThe hanging vendor (time limit {} s): {} calls, the slowest answered after {:.2} s. Answers:\n",
        gateway::FLAKY_TIMEOUT_SECONDS,
        fault.calls.len(),
        slowest.as_secs_f64()
    );
    for (answer, count) in answers {
        println!("- {count} × “{answer}”");
    }
    let change = median(
        fault
            .faulty
            .iter()
            .zip(&fault.calm)
            .map(|(f, c)| (f.percentile(99.0) / c.percentile(99.0) - 1.0) * 100.0)
            .collect(),
    );
    println!("\nHealthy p99 change, per repetition pair, median: {change:+.0} %");
    change
}
