//! The MCP authorization server over HTTP: metadata, registration, /authorize with portal
//! sign-in and the consent popup, /token, /revoke, the /v1/mcp guard, and Authorized apps.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{client, location, spawn_app, spawn_app_on, TestApp};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT: &str = "http://127.0.0.1:47111/callback";

fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn register(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response = client()
        .post(app.url("/register"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        response.status(),
        response.json().await.unwrap_or(Value::Null),
    )
}

pub(crate) async fn public_client(app: &TestApp) -> String {
    let (status, body) = register(
        app,
        json!({"client_name": "Claude Code", "redirect_uris": ["http://127.0.0.1/callback"],
               "grant_types": ["authorization_code", "refresh_token"], "token_endpoint_auth_method": "none",
               "application_type": "native"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["client_id"].as_str().unwrap().to_owned()
}

fn authorize_path(client_id: &str) -> String {
    format!(
        "/authorize?response_type=code&client_id={client_id}&redirect_uri={}&code_challenge={CHALLENGE}&code_challenge_method=S256&state=st4te&scope=mcp%3Aread+mcp%3Awrite&resource={}",
        urlencode(REDIRECT),
        "RESOURCE"
    )
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Runs /authorize as `app.client` (signed in as `name`), consents, and returns the code.
async fn authorize_and_consent(app: &TestApp, client_id: &str) -> String {
    authorize_and_consent_as(app, &app.client, client_id, "mcp:read mcp:write").await
}

/// [`authorize_and_consent`] in `browser` (a signed-in cookie-keeping client).
pub(crate) async fn authorize_and_consent_as(
    app: &TestApp,
    browser: &reqwest::Client,
    client_id: &str,
    scope: &str,
) -> String {
    authorize_and_consent_for(app, browser, client_id, scope, "/v1/mcp").await
}

/// [`authorize_and_consent_as`] for the MCP endpoint at `resource_path` (its `resource`).
pub(crate) async fn authorize_and_consent_for(
    app: &TestApp,
    browser: &reqwest::Client,
    client_id: &str,
    scope: &str,
    resource_path: &str,
) -> String {
    let get = |path: String| async move {
        browser
            .get(app.url(&path))
            .header("accept", "text/html,*/*")
            .send()
            .await
            .unwrap()
    };
    let path = authorize_path(client_id)
        .replace("RESOURCE", &urlencode(&app.url(resource_path)))
        .replace("mcp%3Aread+mcp%3Awrite", &urlencode(scope));
    let response = get(path).await;
    let mut next = location(&response);
    if next.starts_with("/oauth/consent") {
        let page = get(next.clone()).await;
        assert_eq!(page.status(), StatusCode::OK);
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("http://127.0.0.1:47111"),
            "{csp}"
        );
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        let html = page.text().await.unwrap();
        let request = query_param(&app.url(&next), "request").unwrap();
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let decided = browser
            .post(app.url("/oauth/consent"))
            .header("sec-fetch-site", "same-origin")
            .form(&[
                ("request", request.as_str()),
                ("csrf", csrf.as_str()),
                ("decision", "allow"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(decided.status(), StatusCode::SEE_OTHER);
        next = location(&decided);
    }
    assert!(next.starts_with(REDIRECT), "{next}");
    assert_eq!(query_param(&next, "state").as_deref(), Some("st4te"));
    assert_eq!(
        query_param(&next, "iss").as_deref(),
        Some(app.base.as_str())
    );
    query_param(&next, "code").unwrap()
}

pub(crate) async fn token(
    app: &TestApp,
    form: &[(&str, &str)],
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let response = client()
        .post(app.url("/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        headers,
    )
}

pub(crate) async fn exchange(app: &TestApp, client_id: &str, code: &str) -> (StatusCode, Value) {
    exchange_for(app, client_id, code, "/v1/mcp").await
}

/// [`exchange`] naming the MCP endpoint at `resource_path` as the `resource`.
pub(crate) async fn exchange_for(
    app: &TestApp,
    client_id: &str,
    code: &str,
    resource_path: &str,
) -> (StatusCode, Value) {
    let resource = app.url(resource_path);
    let (status, body, _) = token(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", client_id),
            ("code_verifier", VERIFIER),
            ("redirect_uri", REDIRECT),
            ("resource", &resource),
        ],
    )
    .await;
    (status, body)
}

async fn mcp(app: &TestApp, bearer: Option<&str>) -> reqwest::Response {
    let mut request = client()
        .post(app.url("/v1/mcp"))
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_documents_are_exact() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let prm = json!({
        "resource": format!("{base}/v1/mcp"),
        "authorization_servers": [base],
        "scopes_supported": ["mcp:read", "mcp:write"],
        "bearer_methods_supported": ["header"],
        "resource_name": "MCP Gateway",
    });
    for path in [
        "/.well-known/oauth-protected-resource/v1/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let response = client()
            .get(app.url(path))
            .header("origin", "http://localhost:6274")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        assert_eq!(response.json::<Value>().await.unwrap(), prm, "{path}");
    }
    let asm = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "registration_endpoint": format!("{base}/register"),
        "revocation_endpoint": format!("{base}/revoke"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "scopes_supported": ["mcp:read", "mcp:write"],
        "client_id_metadata_document_supported": true,
        "authorization_response_iss_parameter_supported": true,
    });
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        assert_eq!(
            client()
                .get(app.url(path))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap(),
            asm,
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_challenges_without_a_token_and_refuses_foreign_tokens() {
    let app = spawn_app().await;
    let response = mcp(&app, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        challenge,
        format!("Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource/v1/mcp\", scope=\"mcp:read mcp:write\"", app.base)
    );
    // An Entra/Auth0-shaped JWT is not ours.
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2d3In0.c2ln";
    let response = mcp(&app, Some(jwt)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("error=\"invalid_token\""));
    // A token in the query string: hardening::a_token_that_works_in_the_header_is_refused_in_the_query_and_the_body
    // (with a token that is valid in the header, so the refusal is the query's).
    // Preflight for browser clients.
    let preflight = client()
        .request(reqwest::Method::OPTIONS, app.url("/v1/mcp"))
        .header("origin", "http://localhost:6274")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, mcp-protocol-version",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_registers_the_user_signs_in_and_consents_then_tokens_refresh_and_revoke() {
    let app = spawn_app().await;
    let client_id = public_client(&app).await;
    // Signed out: /authorize keeps the request and sends the browser to sign-in.
    let path = authorize_path(&client_id).replace("RESOURCE", &urlencode(&app.url("/v1/mcp")));
    let response = app.get(&path).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let login = location(&response);
    assert!(login.starts_with("/auth/login?next="), "{login}");
    let next = percent_encoding::percent_decode_str(login.split("next=").nth(1).unwrap())
        .decode_utf8()
        .unwrap()
        .into_owned();
    let signed_in = app.dev_login("Ada", "ada@example.com", &next).await;
    assert_eq!(location(&signed_in), next);
    let consent = app.get(&next).await;
    assert_eq!(consent.status(), StatusCode::SEE_OTHER);
    let consent_page = location(&consent);
    assert!(
        consent_page.starts_with("/oauth/consent?request="),
        "{consent_page}"
    );
    let html = app.get(&consent_page).await.text().await.unwrap();
    assert!(
        html.contains("Claude Code")
            && html.contains("Unverified application")
            && html.contains("127.0.0.1")
    );
    assert!(html.contains("This application receives the answer on this computer only"));
    assert!(html.contains("Run tools that change data"), "{html}");

    // A forged decision (wrong CSRF token) is refused and answers nothing.
    let request = query_param(&app.url(&consent_page), "request").unwrap();
    let forged = app
        .client
        .post(app.url("/oauth/consent"))
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("request", request.as_str()),
            ("csrf", "guess"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.headers().get("location").is_none());

    let code = authorize_and_consent(&app, &client_id).await;
    let (status, tokens) = exchange(&app, &client_id, &code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "mcp:read mcp:write");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        mcp(&app, Some(&access)).await.status(),
        StatusCode::BAD_REQUEST,
        "the guard lets it through to the transport, which wants a session first"
    );

    // Consent is remembered: the next authorization goes straight back with a code.
    let again = app
        .get(&authorize_path(&client_id).replace("RESOURCE", &urlencode(&app.url("/v1/mcp"))))
        .await;
    assert!(
        location(&again).starts_with(REDIRECT),
        "{}",
        location(&again)
    );

    // Refresh rotates; revoking the refresh token ends the grant.
    let (status, body, headers) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    let refresh2 = body["refresh_token"].as_str().unwrap().to_owned();
    let access2 = body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh2, refresh);
    let revoked = client()
        .post(app.url("/revoke"))
        .form(&[
            ("token", refresh2.as_str()),
            ("client_id", client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        mcp(&app, Some(&access2)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, body, _) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh2),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let unknown = client()
        .post(app.url("/revoke"))
        .form(&[("token", "gwrt_unknown"), ("client_id", client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::OK, "no oracle");

    // Settings → Authorized apps lists it; revoking it kills its tokens.
    let code = authorize_and_consent(&app, &client_id).await;
    let (_, tokens) = exchange(&app, &client_id, &code).await;
    let access3 = tokens["access_token"].as_str().unwrap().to_owned();
    let (status, apps) = app.call("oauth/apps", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(apps[0]["name"], "Claude Code");
    assert_eq!(apps[0]["redirect_hosts"], json!(["127.0.0.1"]));
    let (status, _) = app
        .call("oauth/apps_revoke", &[("client_id", &client_id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        mcp(&app, Some(&access3)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.call("oauth/apps", &[]).await.1, json!([]));
    let actions: Vec<String> = {
        use sea_orm::EntityTrait;
        domain::entity::audit_events::Entity::find()
            .all(&app.db.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    };
    for expected in [
        "oauth.client_register",
        "oauth.consent_grant",
        "oauth.consent_revoke",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_client_or_redirect_gets_a_page_never_a_redirect_and_deny_returns_access_denied()
{
    let app = spawn_app().await;
    let client_id = public_client(&app).await;
    app.dev_login("Ada", "ada@example.com", "").await;
    for path in [
        authorize_path("gwc_unknown"),
        authorize_path(&client_id).replace(
            &urlencode(REDIRECT),
            &urlencode("https://evil.example/callback"),
        ),
        authorize_path(&client_id).replace(
            &urlencode(REDIRECT),
            &urlencode("http://localhost:47111/callback"),
        ),
    ] {
        let response = app.get(&path.replace("RESOURCE", "")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(response.headers().get("location").is_none());
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("This application cannot connect"));
    }
    // PKCE missing, from a client nobody approved yet: anybody could have registered its
    // redirect URI, so the error is a page, not a redirect (AS-4, OAuth 2.1 §7.13.2).
    let no_pkce = authorize_path(&client_id)
        .replace(&format!("&code_challenge={CHALLENGE}"), "")
        .replace("RESOURCE", "");
    let response = app.get(&no_pkce).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    assert!(response.text().await.unwrap().contains("invalid_request"));
    // Once the user approved a client, its errors go to its redirect URI with state and iss.
    let approved = public_client(&app).await;
    authorize_and_consent(&app, &approved).await;
    let response = app.get(&no_pkce.replace(&client_id, &approved)).await;
    let to = location(&response);
    assert!(
        to.starts_with(REDIRECT) && query_param(&to, "error").as_deref() == Some("invalid_request"),
        "{to}"
    );
    assert_eq!(query_param(&to, "iss").as_deref(), Some(app.base.as_str()));
    // Deny.
    let response = app
        .get(&authorize_path(&client_id).replace("RESOURCE", &urlencode(&app.url("/v1/mcp"))))
        .await;
    let page = location(&response);
    let html = app.get(&page).await.text().await.unwrap();
    let request = query_param(&app.url(&page), "request").unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let denied = app
        .client
        .post(app.url("/oauth/consent"))
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("request", request.as_str()),
            ("csrf", csrf.as_str()),
            ("decision", "deny"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::SEE_OTHER);
    let to = location(&denied);
    assert_eq!(query_param(&to, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    assert_eq!(query_param(&to, "iss").as_deref(), Some(app.base.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_parallel_redemptions_of_one_code_on_two_gateways_succeed_exactly_once() {
    let first = spawn_app().await;
    let second = spawn_app_on(Arc::clone(&first.db), |_| {}).await;
    let client_id = public_client(&first).await;
    first.dev_login("Ada", "ada@example.com", "").await;
    let code = authorize_and_consent(&first, &client_id).await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let base = if i % 2 == 0 {
            first.base.clone()
        } else {
            second.base.clone()
        };
        let (client_id, code, resource) = (client_id.clone(), code.clone(), first.url("/v1/mcp"));
        tasks.push(tokio::spawn(async move {
            client()
                .post(format!("{base}/token"))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("client_id", client_id.as_str()),
                    ("code_verifier", VERIFIER),
                    ("redirect_uri", REDIRECT),
                    ("resource", resource.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut ok = 0;
    for task in tasks {
        let status = task.await.unwrap();
        if status == StatusCode::OK {
            ok += 1;
        } else {
            assert_eq!(status, StatusCode::BAD_REQUEST);
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_and_token_errors_are_json_with_rfc_codes() {
    let app = spawn_app().await;
    let (status, body) = register(&app, json!({"redirect_uris": ["http://evil.example/cb"]})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_redirect_uri"))
    );
    let response = client()
        .post(app.url("/register"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_client_metadata"
    );
    let (status, body, _) = token(&app, &[("grant_type", "password"), ("client_id", "x")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let client_id = public_client(&app).await;
    let (status, body, _) = token(
        &app,
        &[("grant_type", "password"), ("client_id", &client_id)],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let (status, body, _) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unauthorized_client"))
    );
    // A confidential registration (Claude's shape) authenticates with its secret, Basic or post.
    let (status, body) = register(&app, json!({"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"], "token_endpoint_auth_method": "client_secret_post"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (id, secret) = (
        body["client_id"].as_str().unwrap(),
        body["client_secret"].as_str().unwrap(),
    );
    let (status, body, _) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "gwrt_x"),
            ("client_id", id),
            ("client_secret", "wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    // Authenticated, but it registered no `refresh_token` grant (RFC 7591 §2 default).
    let (status, body, _) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "gwrt_x"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unauthorized_client"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_clients_get_tokens_by_client_credentials_for_their_team_only_from_owners_and_admins(
) {
    let app = spawn_app().await;
    let (owner, _) = app.browser("Olivia", "olivia@example.com").await;
    // Free: refused, naming the plan.
    owner
        .call(
            "organization/create",
            &[("name", "Acme"), ("invite_code", "")],
        )
        .await;
    let (status, body) = owner
        .call(
            "organization/service_client_create",
            &[("name", "Nightly export")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body.to_string()
            .contains("Service clients are part of the Pro plan"),
        "{body}"
    );
    let code = domain::organizations::create_invite_code(
        &app.db.db,
        "t",
        None,
        domain::audit::Actor::CommandLine,
        &Default::default(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap()
    .1;
    owner
        .call("organization/upgrade", &[("invite_code", &code)])
        .await;
    let (status, created) = owner
        .call(
            "organization/service_client_create",
            &[("name", "Nightly export")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let (id, secret) = (
        created["client_id"].as_str().unwrap().to_owned(),
        created["client_secret"].as_str().unwrap().to_owned(),
    );
    assert!(id.starts_with("svc_") && secret.starts_with("gwcs_"));
    let overview = owner.call("organization/overview", &[]).await.1;
    assert_eq!(overview["service_clients"][0]["client_id"], id.as_str());
    assert!(
        !overview.to_string().contains(&secret),
        "the secret is never listed"
    );

    // client_credentials with Basic: an access token (no refresh token) the guard accepts.
    let response = client()
        .post(app.url("/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "mcp:read")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    assert!(tokens.get("refresh_token").is_none());
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let guarded = mcp(&app, Some(&access)).await;
    assert_eq!(guarded.status(), StatusCode::BAD_REQUEST, "past the guard");
    // It cannot sign a person in.
    let page = app.get(&authorize_path(&id).replace("RESOURCE", "")).await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    // A wrong secret: invalid_client.
    let (status, body, _) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", "gwcs_wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );

    // A member cannot manage them; another team cannot touch them.
    let (member, member_user) = app.browser("Mia", "mia@example.com").await;
    let olivia = domain::users::find(
        &app.db.db,
        domain::auth::dev_login::sign_in(
            &app.db.db,
            domain::auth::dev_login::DevSignIn::parse("Olivia", "olivia@example.com").unwrap(),
            domain::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap()
        .id,
    )
    .await
    .unwrap()
    .unwrap();
    let link = domain::organizations::create_invitation(
        &app.db.db,
        &olivia,
        domain::organizations::NewInvitation {
            role: domain::organizations::Role::Member,
            team_id: None,
            expires_in_days: 7,
            max_uses: None,
        },
        &Default::default(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    domain::organizations::accept_invitation(
        &app.db.db,
        &member_user,
        &link.token,
        &Default::default(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert_eq!(
        member
            .call("organization/service_client_delete", &[("client_id", &id)])
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (other, _) = app.browser("Eve", "eve@example.com").await;
    let code = domain::organizations::create_invite_code(
        &app.db.db,
        "t",
        None,
        domain::audit::Actor::CommandLine,
        &Default::default(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap()
    .1;
    other
        .call(
            "organization/create",
            &[("name", "Evil"), ("invite_code", &code)],
        )
        .await;
    assert_eq!(
        other
            .call("organization/service_client_delete", &[("client_id", &id)])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .call("organization/service_client_rotate", &[("client_id", &id)])
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Rotation: the old secret and its tokens stop; deletion stops the new ones.
    let (status, rotated) = owner
        .call("organization/service_client_rotate", &[("client_id", &id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        mcp(&app, Some(&access)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _, _) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let new_secret = rotated["client_secret"].as_str().unwrap().to_owned();
    let (status, tokens, _) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &new_secret),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        owner
            .call("organization/service_client_delete", &[("client_id", &id)])
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        mcp(&app, Some(tokens["access_token"].as_str().unwrap()))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let actions: Vec<String> = {
        use sea_orm::EntityTrait;
        domain::entity::audit_events::Entity::find()
            .all(&app.db.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    };
    for expected in [
        "service_client.create",
        "service_client.rotate",
        "service_client.delete",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
}

/// Serves client metadata documents on 127.0.0.1 (the gateway is configured to allow plain
/// http on loopback for this test only; the SSRF rules for real URLs are unit-tested).
async fn document_server() -> String {
    use axum::{http::header, response::IntoResponse, routing::get, Router};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let me = base.clone();
    let doc = move |path: &str, name: &str| {
        json!({"client_id": format!("{me}{path}"), "client_name": name,
               "redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none"})
        .to_string()
    };
    let (good, mismatch) = (
        doc("/good.json", "Claude (metadata document)"),
        doc("/elsewhere.json", "Impostor"),
    );
    let router = Router::new()
        .route(
            "/good.json",
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "application/json"),
                        (header::CACHE_CONTROL, "max-age=300"),
                    ],
                    good,
                )
                    .into_response()
            }),
        )
        .route("/mismatch.json", get(move || async move { mismatch }))
        .route(
            "/huge.json",
            get(|| async {
                format!(
                    "{{\"client_id\":\"x\",\"pad\":\"{}\"}}",
                    "a".repeat(100 * 1024)
                )
            }),
        )
        .route(
            "/redirect.json",
            get(|| async { axum::response::Redirect::temporary("/good.json") }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_id_metadata_document_is_fetched_checked_and_cached() {
    let docs = document_server().await;
    let app =
        crate::helpers::spawn_app_with(|raw| raw.oauth_cimd_allow_insecure_loopback = true).await;
    app.dev_login("Ada", "ada@example.com", "").await;
    let authorize = |client_id: String| {
        format!(
            "/authorize?response_type=code&client_id={}&redirect_uri={}&code_challenge={CHALLENGE}&code_challenge_method=S256&state=s",
            urlencode(&client_id),
            urlencode("http://127.0.0.1:5555/callback")
        )
    };
    for (path, reason) in [
        ("/mismatch.json", "client_id does not equal its URL"),
        ("/huge.json", "larger than 64 KiB"),
        ("/redirect.json", "status 307"),
        ("/missing.json", "status 404"),
    ] {
        let response = app.get(&authorize(format!("{docs}{path}"))).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(response.headers().get("location").is_none());
        let html = response.text().await.unwrap();
        assert!(html.contains(reason), "{path}: {html}");
    }
    let good = format!("{docs}/good.json");
    let response = app.get(&authorize(good.clone())).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let consent = location(&response);
    assert!(consent.starts_with("/oauth/consent"), "{consent}");
    let html = app.get(&consent).await.text().await.unwrap();
    assert!(html.contains("Claude (metadata document)") && html.contains("Unverified application"));
    // A redirect URI the document does not list: a page.
    let elsewhere = authorize(good.clone()).replace(
        &urlencode("http://127.0.0.1:5555/callback"),
        &urlencode("https://evil.example/cb"),
    );
    assert_eq!(app.get(&elsewhere).await.status(), StatusCode::BAD_REQUEST);
    // Cached for its max-age.
    let row = {
        use sea_orm::EntityTrait;
        domain::entity::oauth_clients::Entity::find_by_id(good.clone())
            .one(&app.db.db)
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(row.kind, "metadata");
    let ttl = row.metadata_expires_at.unwrap() - row.created_at;
    assert_eq!(ttl, time::Duration::seconds(300));

    // Without the testing switch, plain http (and any non-public address) is never fetched.
    let strict = spawn_app().await;
    strict.dev_login("Ada", "ada@example.com", "").await;
    let response = strict.get(&authorize(good)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("must be https"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_is_rate_limited_per_address() {
    let app = spawn_app().await;
    let body = json!({"redirect_uris": ["http://127.0.0.1/callback"]});
    for i in 0..app::state::REGISTRATIONS_PER_MINUTE {
        assert_eq!(
            register(&app, body.clone()).await.0,
            StatusCode::CREATED,
            "registration {i}"
        );
    }
    let response = client()
        .post(app.url("/register"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "temporarily_unavailable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_forwarding_headers_change_neither_the_issuer_nor_redirects() {
    let app = spawn_app().await;
    let metadata: Value = client()
        .get(app.url("/.well-known/oauth-authorization-server"))
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .header("forwarded", "host=evil.example;proto=https")
        .header("host", "evil.example")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], app.base.as_str());
    assert_eq!(metadata["token_endpoint"], format!("{}/token", app.base));
    let challenge = client()
        .post(app.url("/v1/mcp"))
        .header("x-forwarded-host", "evil.example")
        .send()
        .await
        .unwrap();
    assert!(!challenge.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("evil"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorization_flow_keeps_the_clients_popup_connected_other_pages_isolate_themselves() {
    let app = spawn_app().await;
    let client_id = public_client(&app).await;
    let coop = |response: &reqwest::Response| {
        response.headers()["cross-origin-opener-policy"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    // A popup that reached /authorize, the sign-in pages or the consent page must stay reachable
    // from the client's window (window.opener, popup.closed).
    let resource = urlencode(&app.url("/v1/mcp"));
    let authorize = app
        .get(&authorize_path(&client_id).replace("RESOURCE", &resource))
        .await;
    assert_eq!(coop(&authorize), "unsafe-none");
    assert!(
        location(&authorize).starts_with("/auth/login"),
        "{}",
        location(&authorize)
    );
    let login = app.get(&location(&authorize)).await;
    assert_eq!(coop(&login), "unsafe-none");
    assert_eq!(coop(&app.get("/auth/dev/login").await), "unsafe-none");
    assert_eq!(
        coop(&app.get("/oauth/consent?request=x").await),
        "unsafe-none"
    );
    // Framing stays forbidden everywhere.
    assert_eq!(
        app.get("/oauth/consent?request=x").await.headers()["x-frame-options"],
        "DENY"
    );
    // The rest of the portal keeps same-origin.
    assert_eq!(coop(&app.get("/settings").await), "same-origin");
    assert_eq!(coop(&app.get("/health").await), "same-origin");
}
