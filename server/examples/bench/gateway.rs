//! The gateway under test, as a child process of the load generator (`bench --serve …`): the
//! real `Application` on 127.0.0.1, a fresh SQLite file, the bench vendor from `vendors_dir`,
//! vendor origins mapped to the loopback upstreams; seeded through the domain's own functions and
//! announced on stdout as `READY <base> <caller token> <lister token>`.

use std::collections::BTreeMap;

use domain::{
    audit::RequestContext,
    config::{OriginOverrides, RawSettings, Settings},
    connections::{self, ConnectionInput, Placement},
    oauth::{authorize, clients, grants, pkce},
    organizations::{self, Plan},
    users::{self, DisplayName, Identity, Profile, Provider, User},
    OffsetDateTime,
};
use secrecy::SecretString;

const MASTER_KEY_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1/callback";

/// The bench REST vendor's public origin, mapped to the loopback upstream.
pub const REST_ORIGIN: &str = "https://api.bench.example";
/// The faulty vendor's public origin, mapped to the hanging upstream.
pub const FLAKY_ORIGIN: &str = "https://flaky.bench.example";
/// The faulty vendor's time limit per call, in seconds.
pub const FLAKY_TIMEOUT_SECONDS: u64 = 2;
/// The MCP upstream's public origin, mapped to the Python echo server.
pub const ECHO_ORIGIN: &str = "https://echo.bench.example";
/// The REST upstream's API key.
pub const REST_KEY: &str = "bench-key-0123456789";
/// Tools in the bench vendor (the issue's "10 connections × 20 tools").
pub const REST_TOOLS: usize = 20;
/// The development sign-in email of the user with 10 connections (the page figures use it).
pub const LISTER_EMAIL: &str = "lister@bench.example";

/// The bench vendor's definition: API key header, a check, `REST_TOOLS` read tools, and a
/// concurrency limit above the load's highest concurrency (the default, 4, would queue).
pub fn vendor_definition() -> String {
    definition("bench", "Bench REST", REST_ORIGIN, 30)
}

/// The faulty vendor: the same API at [`FLAKY_ORIGIN`], with a short time limit.
pub fn flaky_definition() -> String {
    definition(
        "bench-flaky",
        "Bench flaky",
        FLAKY_ORIGIN,
        FLAKY_TIMEOUT_SECONDS,
    )
}

fn definition(slug: &str, name: &str, origin: &str, timeout_seconds: u64) -> String {
    let mut toml = format!(
        r#"slug = "{slug}"
name = "{name}"
category = "Other"
description = "A no-op REST upstream answering fixed JSON (bench/)."
docs = ["https://example.com/bench"]
kind = "http"

[[form]]
name = "api_key"
label = "API key"
kind = "secret"
required = true

[base_url]
url = "{origin}"

[auth]
scheme = "api_key_header"
header = "x-api-key"
value = "{{api_key}}"

[setup]
where = "bench/"
permissions = ["none"]

[check]
path = "/ping"

[limits]
concurrency = 256
timeout_seconds = {timeout_seconds}
"#
    );
    for n in 0..REST_TOOLS {
        toml.push_str(&format!(
            r#"
[[tools]]
name = "get_item_{n:02}"
title = "Get an item ({n})"
description = "One item by id, with its name and status (tool {n} of the bench vendor)."
path = "/items/{{id}}"
response = {{ object = "/data", fields = ["id", "name", "status"] }}
examples = [{{ id = 1 }}]
[tools.input_schema]
type = "object"
required = ["id"]
properties.id = {{ type = "integer", minimum = 1, description = "The item's id." }}
"#
        ));
    }
    toml
}

/// Runs the gateway until SIGTERM. `overrides` is a JSON object of origin → loopback origin.
pub fn serve(db_path: &str, vendors_dir: &str, overrides: &str) {
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
            dev_login: true,
            vendors_dir: Some(vendors_dir.into()),
            outbound_origin_overrides: OriginOverrides::Json(overrides.to_owned()),
            // The page and stream figures sign in and open sessions from one address.
            rate_limit_sign_in_per_minute: 10_000,
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
        let (caller, lister) = seed(app.state()).await;
        println!("READY http://{addr} {caller} {lister}");
        app.run_until_stopped(server::shutdown::signal())
            .await
            .unwrap();
    });
}

/// Two users. The *caller* has a Demo, a bench REST and an MCP-server (echo) connection; the
/// *lister*, in a Pro organisation, has 10 bench REST connections (`r0`…`r9`, 20 tools each).
/// The caller's own Pro organisation lets it have a fourth: `flaky`, to the faulty vendor.
/// Returns an access token (both scopes) for each.
async fn seed(state: &app::state::AppState) -> (String, String) {
    let now = OffsetDateTime::now_utc();
    let ctx = RequestContext::default();
    let caller = user(state, "caller@bench.example", "Bench Caller", now).await;
    connect(
        state,
        &caller,
        "demo",
        "demo",
        &[("api_key", "demo-bench-key")],
    )
    .await;
    connect(state, &caller, "bench", "rest", &[("api_key", REST_KEY)]).await;
    connect(
        state,
        &caller,
        "mcp-server",
        "echo",
        &[("url", &format!("{ECHO_ORIGIN}/mcp"))],
    )
    .await;
    organizations::create(
        &state.db,
        &caller,
        "Bench Caller MSP",
        None,
        Plan::Pro,
        &ctx,
        now,
    )
    .await
    .unwrap();
    connect(
        state,
        &caller,
        "bench-flaky",
        "flaky",
        &[("api_key", REST_KEY)],
    )
    .await;

    let lister = user(state, LISTER_EMAIL, "Bench Lister", now).await;
    organizations::create(&state.db, &lister, "Bench MSP", None, Plan::Pro, &ctx, now)
        .await
        .unwrap();
    for n in 0..10 {
        connect(
            state,
            &lister,
            "bench",
            &format!("r{n}"),
            &[("api_key", REST_KEY)],
        )
        .await;
    }
    (token(state, &caller).await, token(state, &lister).await)
}

async fn user(state: &app::state::AppState, email: &str, name: &str, now: OffsetDateTime) -> User {
    users::sign_in(
        &state.db,
        &Identity {
            provider: Provider::Dev,
            issuer: "dev".into(),
            subject: email.into(),
        },
        &Profile {
            display_name: DisplayName::parse(name).unwrap(),
            email: None,
            email_verified: false,
        },
        now,
    )
    .await
    .unwrap()
}

/// A personal connection, checked with its upstream as the portal's Connect does.
async fn connect(
    state: &app::state::AppState,
    user: &User,
    vendor: &str,
    slug: &str,
    fields: &[(&str, &str)],
) {
    let fields: BTreeMap<String, String> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let input = ConnectionInput {
        vendor: vendor.into(),
        slug: slug.into(),
        name: String::new(),
        fields,
    };
    let now = OffsetDateTime::now_utc();
    connections::create(
        &state.connections,
        user,
        Placement::Personal,
        input,
        &RequestContext::default(),
        now,
    )
    .await
    .unwrap_or_else(|e| panic!("connecting {slug} ({vendor}): {e}"));
}

/// An access token minted through the functions `/register`, `/authorize` (consent) and `/token`
/// call: client registration, PKCE S256 approval, code exchange.
async fn token(state: &app::state::AppState, user: &User) -> String {
    let (db, oauth) = (&state.db, &state.settings.oauth);
    let now = OffsetDateTime::now_utc();
    let ctx = RequestContext::default();
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
    let location = authorize::approve(db, oauth, user, &pending, &ctx, now)
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
