//! The real `mcp-gateway` binary as a child process (crash and replica tests), and an MCP client
//! that reaches it only over HTTP: development sign-in, a connection made in the portal, client
//! registration, authorization with consent, token exchange and refresh, `/v1/mcp` calls.

use std::{
    net::TcpListener,
    process::{Child, Command},
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{client, location, MASTER_KEY_B64};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT: &str = "http://127.0.0.1:47111/callback";

/// A free loopback port (bound, then released for the child to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One running `mcp-gateway serve`; killed (SIGKILL) when dropped.
pub struct GatewayProcess {
    child: Child,
    /// `http://127.0.0.1:<port>`: where this process listens.
    pub base: String,
    /// Its log, kept when the test fails.
    log_path: std::path::PathBuf,
}

impl GatewayProcess {
    /// Starts the binary on `database_url`, listening on `port`, with `public_url` as its public
    /// URL (replicas share one) and vendor origins mapped by `overrides` (a JSON object), and
    /// waits until it is ready. Its log goes to a file in the temporary directory.
    pub async fn start(database_url: &str, port: u16, public_url: &str, overrides: &str) -> Self {
        let log_path = std::env::temp_dir().join(format!("mcp-gateway-test-{port}.log"));
        let log = std::fs::File::create(&log_path).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"));
        for (key, _) in std::env::vars() {
            if key.starts_with("GATEWAY_") || key == "DATABASE_URL" {
                command.env_remove(key);
            }
        }
        let child = command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("GATEWAY_DATABASE_MAX_CONNECTIONS", "5")
            .env("GATEWAY_BIND", format!("127.0.0.1:{port}"))
            .env("GATEWAY_PUBLIC_URL", public_url)
            .env("GATEWAY_MASTER_KEY", MASTER_KEY_B64)
            .env("GATEWAY_DEV_LOGIN", "true")
            .env("GATEWAY_OUTBOUND_ORIGIN_OVERRIDES", overrides)
            // Thousands of requests from one address in the replica test.
            .env("GATEWAY_RATE_LIMIT_TOKEN_PER_MINUTE", "100000")
            .env("GATEWAY_LOG_FILTER", "warn")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut process = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log_path: log_path.clone(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = client().get(process.url("/health/ready")).send().await {
                if response.status() == StatusCode::OK {
                    return process;
                }
            }
            if let Some(status) = process.child.try_wait().unwrap() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("the gateway exited ({status}) before it was ready:\n{log}");
            }
            assert!(
                Instant::now() < deadline,
                "not ready within 60 s: {log_path:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `kill -9`: no shutdown code runs.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("the gateway's log: {}", self.log_path.display());
        } else {
            let _ = std::fs::remove_file(&self.log_path);
        }
    }
}

/// A browser signed in with the development sign-in at `base` (its cookie is sent to every
/// loopback port, as the portal session lives in the database).
pub async fn browser(base: &str, name: &str) -> reqwest::Client {
    let browser = crate::helpers::client();
    let response = browser
        .post(format!("{base}/auth/dev/login"))
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("name", name),
            ("email", &format!("{}@example.com", name.to_lowercase())),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    browser
}

/// Connects IT Glue (the fake's API key) as a personal connection named `slug`; the response.
pub async fn connect_itglue(browser: &reqwest::Client, base: &str, slug: &str) -> Value {
    let (status, body) = crate::connections::call_json(
        browser,
        base,
        "connections/create",
        json!({"placement": "personal", "vendor": "itglue", "slug": slug, "name": "",
            "fields": [["region", "us"], ["api_key", vendor_fakes::itglue::API_KEY]]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Registers a public MCP client at `base`; its client id.
pub async fn register(base: &str) -> String {
    let response = client()
        .post(format!("{base}/register"))
        .json(
            &json!({"client_name": "Replica test", "redirect_uris": ["http://127.0.0.1/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "none", "application_type": "native"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Authorizes `client_id` at `base` in `browser` (consenting when asked) and exchanges the code:
/// the token response. `public` is the gateway's public URL (the resource's base).
pub async fn authorize(
    base: &str,
    public: &str,
    browser: &reqwest::Client,
    client_id: &str,
) -> Value {
    let resource = format!("{public}/v1/mcp");
    let path = format!(
        "/authorize?response_type=code&client_id={client_id}&redirect_uri={}&code_challenge={CHALLENGE}&code_challenge_method=S256&state=s&scope=mcp%3Aread+mcp%3Awrite&resource={}",
        encode(REDIRECT),
        encode(&resource)
    );
    let get = |path: String| async move {
        browser
            .get(format!("{base}{path}"))
            .header("accept", "text/html,*/*")
            .send()
            .await
            .unwrap()
    };
    let mut next = location(&get(path).await);
    if next.starts_with("/oauth/consent") {
        let html = get(next.clone()).await.text().await.unwrap();
        let field = |name: &str| {
            html.split(&format!("name=\"{name}\" value=\""))
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&")
        };
        let request = url::Url::parse(&format!("{base}{next}"))
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "request")
            .unwrap()
            .1
            .into_owned();
        let decided = browser
            .post(format!("{base}/oauth/consent"))
            .header("sec-fetch-site", "same-origin")
            .form(&[
                ("request", request.as_str()),
                ("csrf", field("csrf").as_str()),
                ("decision", "allow"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(decided.status(), StatusCode::SEE_OTHER);
        next = location(&decided);
    }
    let code = url::Url::parse(&next)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap_or_else(|| panic!("no code in {next}"))
        .1
        .into_owned();
    let (status, tokens) = token(
        base,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", client_id),
            ("code_verifier", VERIFIER),
            ("redirect_uri", REDIRECT),
            ("resource", &resource),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    tokens
}

/// `POST /token` at `base`.
pub async fn token(base: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = client()
        .post(format!("{base}/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    (
        response.status(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// Refreshes at `base`: the new token response.
pub async fn refresh(base: &str, client_id: &str, refresh_token: &str) -> (StatusCode, Value) {
    token(
        base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", client_id),
        ],
    )
    .await
}

/// `initialize` at `base`: the session id.
pub async fn initialize(base: &str, token: &str) -> String {
    let response = client()
        .post(format!("{base}/v1/mcp"))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .json(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "process-test", "version": "1"}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// One JSON-RPC request in `session` at `base` with `http` (a client kept across requests):
/// (status, body).
pub async fn mcp(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    session: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let response = http
        .post(format!("{base}/v1/mcp"))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .header("mcp-session-id", session)
        .json(body)
        .send()
        .await
        .unwrap();
    (
        response.status(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// `tools/call` of `tool` with no arguments.
pub fn call(id: i64, tool: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": tool, "arguments": {}}})
}
