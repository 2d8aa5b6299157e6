//! `spawn_app()`: the real application on 127.0.0.1:0 with a fresh database.

use std::sync::Arc;

use app::state::AppState;
use domain::{
    config::{RawSettings, Settings},
    testing::{test_db, TestDb},
};
use leptos::config::LeptosOptions;
use reqwest::{header::HeaderMap, redirect::Policy, Client, Response, StatusCode};
use secrecy::SecretString;
use serde_json::Value;
use server::startup::Application;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub const MASTER_KEY_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// A running gateway.
pub struct TestApp {
    pub base: String,
    /// Keeps cookies, never follows redirects (tests assert on them).
    pub client: Client,
    pub db: Arc<TestDb>,
    pub state: AppState,
    /// The `/metrics` listener, when the test set `metrics_listen`.
    pub metrics_addr: Option<std::net::SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut RawSettings)) -> TestApp {
    spawn_app_on(Arc::new(test_db().await), tweak).await
}

/// Starts a gateway on an existing database (e.g. a second instance, or after a restart).
pub async fn spawn_app_on(db: Arc<TestDb>, tweak: impl FnOnce(&mut RawSettings)) -> TestApp {
    spawn(db, None, tweak).await
}

/// [`spawn_app_on`] with `tools` supplying `/v1/mcp` instead of the vendor connections.
pub async fn spawn_app_with_tools(
    db: Arc<TestDb>,
    tools: Arc<dyn domain::mcp::ToolProvider>,
    tweak: impl FnOnce(&mut RawSettings),
) -> TestApp {
    spawn(db, Some(tools), tweak).await
}

async fn spawn(
    db: Arc<TestDb>,
    tools: Option<Arc<dyn domain::mcp::ToolProvider>>,
    tweak: impl FnOnce(&mut RawSettings),
) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        server::telemetry::init(&domain::config::LogSettings {
            format: domain::config::LogFormat::Text,
            filter: "debug,hyper=info,h2=info,sqlx=info,sea_orm=info".into(),
        });
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut raw = RawSettings {
        public_url: format!("http://{addr}"),
        bind: addr.to_string(),
        database_url: Some(SecretString::from(db.settings_url.clone())),
        database_max_connections: 5,
        master_key: Some(SecretString::from(MASTER_KEY_B64)),
        dev_login: true,
        ..RawSettings::default()
    };
    tweak(&mut raw);
    let settings = Settings::from_raw(raw).expect("valid test settings");
    let app = Application::build_with_tools(settings, leptos_options(), listener, tools)
        .await
        .expect("app builds");
    let state = app.state().clone();
    let metrics_addr = app.metrics_addr();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async move {
        let _ = stop_rx.await;
    }));
    TestApp {
        base: format!("http://{addr}"),
        client: client(),
        db,
        state,
        metrics_addr,
        stop: Some(stop_tx),
        task: Some(task),
    }
}

pub fn client() -> Client {
    Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("mcp-gateway")
        .site_root("target/site")
        .build()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A page request as a browser navigation sends it.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("accept", "text/html,*/*")
            .send()
            .await
            .unwrap()
    }

    /// Submits the development sign-in form as a same-origin browser would.
    pub async fn dev_login(&self, name: &str, email: &str, next: &str) -> Response {
        self.client
            .post(self.url("/auth/dev/login"))
            .header("sec-fetch-site", "same-origin")
            .form(&[("name", name), ("email", email), ("next", next)])
            .send()
            .await
            .unwrap()
    }

    /// Calls a server function (`/api/<endpoint>`) as the page's JavaScript does.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        call_with(&self.client, &self.base, endpoint, form).await
    }

    /// A second browser (its own cookies), signed in with the development sign-in; returns it
    /// with the user.
    pub async fn browser(&self, name: &str, email: &str) -> (Browser, domain::users::User) {
        let browser = Browser {
            client: client(),
            base: self.base.clone(),
        };
        let response = browser
            .client
            .post(self.url("/auth/dev/login"))
            .header("sec-fetch-site", "same-origin")
            .form(&[("name", name), ("email", email), ("next", "")])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_redirection(), "dev sign-in of {email}");
        let user = domain::auth::dev_login::sign_in(
            &self.db.db,
            domain::auth::dev_login::DevSignIn::parse(name, email).unwrap(),
            domain::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
        (browser, user)
    }

    pub async fn logout(&self) -> Response {
        self.client
            .post(self.url("/auth/logout"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap()
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Another browser against the same gateway.
pub struct Browser {
    pub client: Client,
    base: String,
}

impl Browser {
    /// Calls a server function.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        call_with(&self.client, &self.base, endpoint, form).await
    }

    /// A page (or plain GET route) as a browser navigation asks for it.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html,*/*")
            .send()
            .await
            .unwrap()
    }
}

async fn call_with(
    client: &Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let response = client
        .post(format!("{base}/api/{endpoint}"))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The whole `Set-Cookie` header of the session cookie, if the response set one.
pub fn session_set_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("mcpgw_session="))
        .map(str::to_owned)
}

/// The session cookie's `name=value` from a response, if it set one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    session_set_cookie(headers).and_then(|c| c.split(';').next().map(str::to_owned))
}
