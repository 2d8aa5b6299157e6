//! One whole OAuth flow against any running gateway (a `TestApp` or the real binary), returning
//! every secret it produced, for the tests that search the database and the log for them
//! (security.md VAULT-6, VAULT-7).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{client, location};

pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const REDIRECT: &str = "http://127.0.0.1:47111/callback";

/// What the flow produced that must never be stored or logged as it is.
pub struct FlowSecrets {
    /// (what, value) pairs.
    pub secrets: Vec<(&'static str, String)>,
}

fn param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{name} in {url}"))
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A user signed in with the development sign-in whose confidential client was authorized.
pub struct Authorized {
    /// The user's browser (signed in to the portal).
    pub browser: reqwest::Client,
    pub client_id: String,
    pub client_secret: String,
    pub code: String,
    pub csrf: String,
    pub access: String,
    pub refresh: String,
}

/// Signs in with the development sign-in, registers a confidential client, authorizes and
/// consents, and redeems the code.
pub async fn authorize(base: &str) -> Authorized {
    let browser = client();
    let signed_in = browser
        .post(format!("{base}/auth/dev/login"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", "Ada"), ("email", "ada@example.com"), ("next", "")])
        .send()
        .await
        .unwrap();
    assert!(signed_in.status().is_redirection());

    let registered: Value = client()
        .post(format!("{base}/register"))
        .json(&json!({"client_name": "Flow", "redirect_uris": [REDIRECT],
                      "grant_types": ["authorization_code", "refresh_token"],
                      "token_endpoint_auth_method": "client_secret_post"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = registered["client_id"].as_str().unwrap().to_owned();
    let client_secret = registered["client_secret"]
        .as_str()
        .expect("a confidential client gets a secret")
        .to_owned();

    let resource = format!("{base}/v1/mcp");
    let authorize = format!(
        "{base}/authorize?response_type=code&client_id={}&redirect_uri={}&code_challenge={CHALLENGE}&code_challenge_method=S256&state=s&scope=mcp%3Aread&resource={}",
        encode(&client_id),
        encode(REDIRECT),
        encode(&resource)
    );
    let get = |url: String| {
        let browser = browser.clone();
        async move {
            browser
                .get(url)
                .header("accept", "text/html")
                .send()
                .await
                .unwrap()
        }
    };
    let consent = location(&get(authorize).await);
    assert!(consent.starts_with("/oauth/consent"), "{consent}");
    let html = get(format!("{base}{consent}")).await.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let decided = browser
        .post(format!("{base}/oauth/consent"))
        .header("sec-fetch-site", "same-origin")
        .form(&[
            (
                "request",
                param(&format!("{base}{consent}"), "request").as_str(),
            ),
            ("csrf", csrf.as_str()),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status(), StatusCode::SEE_OTHER);
    let code = param(&location(&decided), "code");

    let token = |form: Vec<(&'static str, String)>| async move {
        let response = client()
            .post(format!("{base}/token"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.unwrap()
    };
    let first = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.clone()),
        ("client_id", client_id.clone()),
        ("client_secret", client_secret.clone()),
        ("code_verifier", VERIFIER.into()),
        ("redirect_uri", REDIRECT.into()),
    ])
    .await;
    Authorized {
        browser,
        client_id,
        client_secret,
        code,
        csrf,
        access: first["access_token"].as_str().unwrap().to_owned(),
        refresh: first["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// [`authorize`], then a refresh, a `/v1/mcp` call and the revocation.
pub async fn run(base: &str) -> FlowSecrets {
    let Authorized {
        client_id,
        client_secret,
        code,
        csrf,
        access,
        refresh,
        ..
    } = authorize(base).await;
    let token = |form: Vec<(&'static str, String)>| async move {
        let response = client()
            .post(format!("{base}/token"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.unwrap()
    };
    let second = token(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh.clone()),
        ("client_id", client_id.clone()),
        ("client_secret", client_secret.clone()),
    ])
    .await;
    let access2 = second["access_token"].as_str().unwrap().to_owned();
    let refresh2 = second["refresh_token"].as_str().unwrap().to_owned();

    let mcp = client()
        .post(format!("{base}/v1/mcp"))
        .bearer_auth(&access2)
        .header("accept", "application/json, text/event-stream")
        .json(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "flow", "version": "1"}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(mcp.status(), StatusCode::OK);

    let revoked = client()
        .post(format!("{base}/revoke"))
        .form(&[
            ("token", refresh2.as_str()),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);

    FlowSecrets {
        secrets: vec![
            ("the client secret", client_secret),
            ("the authorization code", code),
            ("the PKCE verifier", VERIFIER.to_owned()),
            ("the consent form's CSRF token", csrf),
            ("the first access token", access),
            ("the first refresh token", refresh),
            ("the second access token", access2),
            ("the second refresh token", refresh2),
        ],
    }
}
