//! Secrets never reach the logs (security.md OIDC-8, AUD-3): a full sign-in through the real
//! binary with every log level on, then the log is searched for the provider's tokens, the
//! authorization code, the client secret, the session id and invite-link tokens.

use std::{
    io::Read,
    process::{Command, Stdio},
};

use crate::{
    helpers::{client, location, session_cookie, MASTER_KEY_B64},
    idp::{walk_idp, AtIdp, Idp, CLIENT_SECRET},
};

/// The real binary on a free port with every log level on, its output drained while it runs (at
/// trace level it writes more than a pipe holds; a full pipe would block its logging and with it
/// the server).
struct Binary {
    child: std::process::Child,
    base: String,
    output: Vec<std::thread::JoinHandle<String>>,
    _dir: tempfile::TempDir,
}

impl Binary {
    async fn start(env: &[(&str, String)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"));
        command
            .arg("serve")
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GATEWAY_BIND", format!("127.0.0.1:{port}"))
            .env("GATEWAY_PUBLIC_URL", &base)
            .env("GATEWAY_MASTER_KEY", MASTER_KEY_B64)
            .env("GATEWAY_LOG_FORMAT", "json")
            .env("GATEWAY_LOG_FILTER", "trace")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let drain = |pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let mut pipe = pipe;
                let _ = pipe.read_to_string(&mut text);
                text
            })
        };
        let output = vec![
            drain(Box::new(child.stdout.take().unwrap())),
            drain(Box::new(child.stderr.take().unwrap())),
        ];
        let probe = client();
        let mut ready = false;
        for _ in 0..200 {
            if let Ok(r) = probe.get(format!("{base}/health/ready")).send().await {
                ready = r.status() == 200;
                if ready {
                    break;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(ready, "the gateway started");
        Self {
            child,
            base,
            output,
            _dir: dir,
        }
    }

    /// Stops it with SIGTERM (it must exit cleanly) and returns everything it logged.
    fn stop(mut self) -> String {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the gateway stopped cleanly: {status}");
        self.output.drain(..).map(|h| h.join().unwrap()).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_logs_no_token_code_secret_or_session_id() {
    let idp = Idp::start().await;
    let gateway = Binary::start(&[
        ("GATEWAY_AUTH0_ISSUER", idp.auth0.clone()),
        ("GATEWAY_AUTH0_CLIENT_ID", crate::idp::CLIENT_ID.to_owned()),
        ("GATEWAY_AUTH0_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
    ])
    .await;
    let base = gateway.base.clone();
    let browser = client();

    let start = browser
        .get(format!("{base}/auth/auth0/login"))
        .send()
        .await
        .unwrap();
    let callback = walk_idp(
        &browser,
        &base,
        &location(&start),
        AtIdp::SignInAs("ada@example.com"),
    )
    .await;
    let code = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let signed_in = browser.get(&callback).send().await.unwrap();
    assert_eq!(location(&signed_in), "/settings");
    let session = session_cookie(signed_in.headers()).unwrap();
    let session_id = session.split('=').nth(1).unwrap().to_owned();
    assert_eq!(
        browser
            .get(format!("{base}/settings"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // An invite link's token is a credential too (a fake one is logged the same way).
    let invite_token = "Tq3vXb8Kp2Lm9Nw4Rz7Yc1Hd6Jf0Gs5Ae3Ui8Oy2Wk4";
    let invite = browser
        .get(format!("{base}/invite/{invite_token}"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(invite.status(), 404);

    let log = gateway.stop();

    assert!(
        log.contains("user signed in"),
        "the log was captured: {}",
        &log[..log.len().min(2000)]
    );
    for (what, secret) in [
        ("an ID token (JWT)", "eyJ"),
        ("the authorization code", code.as_str()),
        ("the client secret", CLIENT_SECRET),
        ("the session id", session_id.as_str()),
        ("an invite link's token", invite_token),
    ] {
        assert!(!log.contains(secret), "{what} appears in the log");
    }
}

/// VAULT-7: a vendor credential entered in the portal — accepted, refused by the vendor, re-tested
/// and used against the vendor's API — never appears in the log at trace level, even in the
/// outbound requests' headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_credentials_never_reach_the_log() {
    let itglue = vendor_fakes::itglue::spawn(vendor_fakes::Options::default())
        .await
        .unwrap();
    let gateway = Binary::start(&[
        ("GATEWAY_DEV_LOGIN", "true".to_owned()),
        (
            "GATEWAY_OUTBOUND_ORIGIN_OVERRIDES",
            crate::crash::overrides(&itglue),
        ),
    ])
    .await;
    let base = gateway.base.clone();
    let browser = client();
    let signed_in = browser
        .post(format!("{base}/auth/dev/login"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", "Ada"), ("email", "ada@example.com"), ("next", "")])
        .send()
        .await
        .unwrap();
    assert!(signed_in.status().is_redirection());

    let demo_canary = "demo-canary-3c9e71f4a0b2";
    let wrong_canary = "ITG.wrong-canary-77a1d0c4";
    let create = |vendor: &str, slug: &str, fields: serde_json::Value| {
        crate::connections::call_json(
            &browser,
            &base,
            "connections/create",
            serde_json::json!({"placement": "personal", "vendor": vendor, "slug": slug, "name": "", "fields": fields}),
        )
    };
    let (status, demo) = create(
        "demo",
        "demo",
        serde_json::json!([["api_key", demo_canary]]),
    )
    .await;
    assert_eq!(status, 200, "{demo}");
    let (status, refused) = create(
        "itglue",
        "itglue",
        serde_json::json!([["region", "us"], ["api_key", wrong_canary]]),
    )
    .await;
    assert_eq!(status, 400, "the vendor refused the wrong key: {refused}");
    let (status, itglue_id) = create(
        "itglue",
        "itglue",
        serde_json::json!([["region", "us"], ["api_key", vendor_fakes::itglue::API_KEY]]),
    )
    .await;
    assert_eq!(status, 200, "{itglue_id}");
    for id in [&demo, &itglue_id] {
        let (status, tested) = crate::connections::call_json_form(
            &browser,
            &base,
            "connections/test",
            &[("id", id.as_str().unwrap())],
        )
        .await;
        assert_eq!(status, 200, "{tested}");
        assert_eq!(tested["ok"], true, "{tested}");
    }
    assert!(
        itglue
            .requests()
            .iter()
            .any(|r| r.header("x-api-key") == Some(vendor_fakes::itglue::API_KEY)),
        "the key reached the vendor, so it passed through the gateway's outbound path"
    );

    let log = gateway.stop();
    assert!(
        log.contains("/api/connections/create"),
        "the log was captured"
    );
    for (what, secret) in [
        ("the Demo key", demo_canary),
        ("a refused IT Glue key", wrong_canary),
        ("the IT Glue key", vendor_fakes::itglue::API_KEY),
    ] {
        assert!(!log.contains(secret), "{what} appears in the log");
    }
}

/// VAULT-7 for the authorization server: a whole OAuth flow (registration of a confidential
/// client, consent, code redemption, refresh, a `/v1/mcp` call, revocation) at trace level logs
/// none of the secrets it produced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oauth_flow_logs_no_code_token_verifier_or_secret() {
    let gateway = Binary::start(&[("GATEWAY_DEV_LOGIN", "true".to_owned())]).await;
    let flow = crate::oauth_flow::run(&gateway.base).await;
    let log = gateway.stop();
    assert!(log.contains("/token"), "the log was captured");
    for (what, secret) in &flow.secrets {
        assert!(!log.contains(secret.as_str()), "{what} appears in the log");
    }
}

/// AUD-2: the log lines of a tool call — the inbound request and the outbound vendor request made
/// for it — all carry the request id the client got back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_calls_inbound_and_outbound_log_lines_share_its_request_id() {
    let itglue = vendor_fakes::itglue::spawn(vendor_fakes::Options::default())
        .await
        .unwrap();
    let gateway = Binary::start(&[
        ("GATEWAY_DEV_LOGIN", "true".to_owned()),
        (
            "GATEWAY_OUTBOUND_ORIGIN_OVERRIDES",
            crate::crash::overrides(&itglue),
        ),
    ])
    .await;
    let base = gateway.base.clone();
    let authorized = crate::oauth_flow::authorize(&base).await;
    let (status, connected) = crate::connections::call_json(
        &authorized.browser,
        &base,
        "connections/create",
        serde_json::json!({"placement": "personal", "vendor": "itglue", "slug": "itglue", "name": "",
                           "fields": [["region", "us"], ["api_key", vendor_fakes::itglue::API_KEY]]}),
    )
    .await;
    assert_eq!(status, 200, "{connected}");
    let mcp = |body: serde_json::Value, session: Option<String>| {
        let mut request = client()
            .post(format!("{base}/v1/mcp"))
            .bearer_auth(&authorized.access)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .json(&body);
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        request.send()
    };
    let initialized = mcp(
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}}),
        None,
    )
    .await
    .unwrap();
    let session = initialized.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let called = mcp(
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                           "params": {"name": "itglue__list_organizations", "arguments": {}}}),
        Some(session),
    )
    .await
    .unwrap();
    assert_eq!(called.status(), 200);
    let request_id = called.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        called.text().await.unwrap().contains("result"),
        "the tool answered"
    );
    assert!(
        itglue.requests().len() >= 2,
        "the vendor was called (check and tool)"
    );

    let log = gateway.stop();
    // Lines logged inside the vendor call (the engine's span, and the HTTP client's lines within
    // it) are the outbound side; each names the request span with the client's request id.
    let outbound: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| {
            entry["spans"].as_array().is_some_and(|spans| {
                spans
                    .iter()
                    .any(|s| s["name"] == "call" && s["tool"] == "list_organizations")
            })
        })
        .collect();
    assert!(!outbound.is_empty(), "the vendor call logged something");
    for entry in &outbound {
        let request = entry["spans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "request")
            .unwrap_or_else(|| panic!("no request span in {entry}"));
        assert_eq!(request["request_id"], request_id.as_str(), "{entry}");
    }
}
