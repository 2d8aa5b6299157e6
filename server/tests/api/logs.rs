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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_logs_no_token_code_secret_or_session_id() {
    let idp = Idp::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GATEWAY_BIND", format!("127.0.0.1:{port}"))
        .env("GATEWAY_PUBLIC_URL", &base)
        .env("GATEWAY_MASTER_KEY", MASTER_KEY_B64)
        .env("GATEWAY_LOG_FORMAT", "json")
        .env("GATEWAY_LOG_FILTER", "trace")
        .env("GATEWAY_AUTH0_ISSUER", &idp.auth0)
        .env("GATEWAY_AUTH0_CLIENT_ID", crate::idp::CLIENT_ID)
        .env("GATEWAY_AUTH0_CLIENT_SECRET", CLIENT_SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read both pipes from the start: at trace level the gateway writes more than a pipe holds,
    // and a full pipe would block its logging (and with it the server).
    let drain = |pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let mut pipe = pipe;
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let browser = client();
    let mut ready = false;
    for _ in 0..200 {
        if let Ok(r) = browser.get(format!("{base}/health/ready")).send().await {
            ready = r.status() == 200;
            if ready {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ready, "the gateway started");

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

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "the gateway stopped cleanly: {status}");
    let log = stdout.join().unwrap() + &stderr.join().unwrap();

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
