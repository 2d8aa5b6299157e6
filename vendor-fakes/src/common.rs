//! What every fake shares: the server on 127.0.0.1, request recording, in-flight counting,
//! switchable failure modes, and small JSON helpers.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    Router,
};
use serde_json::Value;

/// A failure the fake answers every API request with (not the token endpoint or zone
/// discovery, so the failure reaches the request it is meant for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureMode {
    /// 401 with the vendor's message.
    Unauthorized,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// 429 with `Retry-After: <seconds>`.
    RateLimited {
        /// Seconds in `Retry-After`.
        retry_after: u64,
    },
    /// 500 whose body repeats the request's credential (to test redaction).
    ServerErrorEchoingCredential,
    /// A 502 HTML page, as a proxy in front of the vendor would send.
    HtmlPage,
    /// Never answers.
    Hang,
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Method.
    pub method: String,
    /// Path exactly as received (still percent-encoded).
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
    /// Headers (lower-case names).
    pub headers: BTreeMap<String, String>,
    /// Body text.
    pub body: String,
}

impl Recorded {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// A decoded query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let q = self.query.as_deref()?;
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// Options common to all fakes.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Largest page the fake returns whatever is asked (to exercise paging).
    pub max_page_size: Option<usize>,
    /// Delay before each API answer (to measure concurrency).
    pub delay: Option<Duration>,
}

/// A request as the vendor modules see it.
pub struct Req {
    /// Method.
    pub method: Method,
    /// Percent-encoded path.
    pub path: String,
    /// Decoded query parameters.
    pub query: BTreeMap<String, String>,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl Req {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The path split into decoded segments.
    pub fn segments(&self) -> Vec<String> {
        self.path
            .trim_start_matches('/')
            .split('/')
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect()
    }

    /// The body as JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Shared state of one fake.
pub struct Shared {
    /// Options.
    pub options: Options,
    /// The vendor's real origin, used in absolute next-page links.
    pub public_origin: String,
    recorded: Mutex<Vec<Recorded>>,
    failure: Mutex<Option<FailureMode>>,
    /// Requests left to fail before the failure mode switches itself off (`None`: until
    /// switched off by hand).
    failures_left: Mutex<Option<usize>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// Vendor data (mutable: writes are visible to later reads).
    pub data: Mutex<Value>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A vendor module: answers one request; `exempt` requests ignore the failure mode.
pub(crate) struct Vendor {
    pub real_origins: Vec<String>,
    pub data: Value,
    pub handle: fn(&Shared, &Req) -> Response,
    pub exempt: fn(&Req) -> bool,
    /// The credential a failure mode echoes, read from the request.
    pub credential: fn(&Req) -> Option<String>,
}

/// A running fake. Stops when dropped.
pub struct FakeVendor {
    /// `http://127.0.0.1:<port>`.
    pub origin: String,
    /// The vendor origins this fake stands in for (map each to `origin` in
    /// `outbound_origin_overrides`).
    pub real_origins: Vec<String>,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeVendor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeVendor {
    /// `outbound_origin_overrides` that send every vendor origin this fake stands in for to it.
    pub fn origin_overrides(&self) -> std::collections::BTreeMap<String, String> {
        self.real_origins
            .iter()
            .map(|real| (real.clone(), self.origin.clone()))
            .collect()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.recorded).clone()
    }

    /// Requests whose path ends with `suffix`.
    pub fn count(&self, suffix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path.ends_with(suffix))
            .count()
    }

    /// Switches a failure mode on (or off with `None`).
    pub fn set_failure(&self, mode: Option<FailureMode>) {
        // Both locks in the order `take_failure` takes them.
        let mut failure = lock(&self.shared.failure);
        *lock(&self.shared.failures_left) = None;
        *failure = mode;
    }

    /// Fails the next `count` API requests with `mode`, then answers normally again (a vendor
    /// that hiccups: retry tests).
    pub fn fail_next(&self, mode: FailureMode, count: usize) {
        let mut failure = lock(&self.shared.failure);
        *lock(&self.shared.failures_left) = Some(count);
        *failure = (count > 0).then_some(mode);
    }

    /// Most requests that were being answered at once.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Requests being answered now (a request whose client went away is no longer counted:
    /// cancellation tests).
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// The fake's current data (to check writes).
    pub fn data(&self) -> Value {
        lock(&self.shared.data).clone()
    }

    /// Changes the fake's data (vendor switches such as refusing refresh tokens).
    pub fn update_data(&self, change: impl FnOnce(&mut Value)) {
        change(&mut lock(&self.shared.data));
    }
}

struct InFlight<'a>(&'a Shared);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve(
    State((shared, vendor)): State<(Arc<Shared>, Arc<Vendor>)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let req = Req {
        method,
        path: uri.path().to_owned(),
        query,
        headers,
        body,
    };
    lock(&shared.recorded).push(Recorded {
        method: req.method.to_string(),
        path: req.path.clone(),
        query: uri.query().map(str::to_owned),
        headers: req
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: String::from_utf8_lossy(&req.body).into_owned(),
    });
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let _guard = InFlight(&shared);
    if (vendor.exempt)(&req) {
        return (vendor.handle)(&shared, &req);
    }
    if let Some(delay) = shared.options.delay {
        tokio::time::sleep(delay).await;
    }
    let failure = take_failure(&shared);
    match failure {
        None => (vendor.handle)(&shared, &req),
        Some(FailureMode::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        Some(FailureMode::Unauthorized) => error(StatusCode::UNAUTHORIZED, "The credentials are invalid or expired."),
        Some(FailureMode::Forbidden) => error(StatusCode::FORBIDDEN, "This key may not access this resource."),
        Some(FailureMode::NotFound) => error(StatusCode::NOT_FOUND, "Record not found."),
        Some(FailureMode::RateLimited { retry_after }) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", retry_after.to_string())],
            axum::Json(serde_json::json!({"errors": ["Rate limit exceeded."]})),
        )
            .into_response(),
        Some(FailureMode::ServerErrorEchoingCredential) => {
            let credential = (vendor.credential)(&req).unwrap_or_default();
            error(StatusCode::INTERNAL_SERVER_ERROR, &format!("Internal error while handling the request for credential {credential}"))
        }
        Some(FailureMode::HtmlPage) => (
            StatusCode::BAD_GATEWAY,
            [("content-type", "text/html")],
            "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><script>alert(1)</script></body></html>",
        )
            .into_response(),
    }
}

/// The failure mode for this request, counting it against [`FakeVendor::fail_next`].
fn take_failure(shared: &Shared) -> Option<FailureMode> {
    let mut failure = lock(&shared.failure);
    let mut left = lock(&shared.failures_left);
    let mode = *failure;
    if let (Some(_), Some(n)) = (mode, left.as_mut()) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            *failure = None;
            *left = None;
        }
    }
    mode
}

/// A JSON error in the shape most vendors use (`{"errors": ["..."]}` plus `message`).
pub fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({"errors": [message], "message": message})),
    )
        .into_response()
}

/// JSON with a status.
pub fn json(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

pub(crate) async fn start(
    vendor: Vendor,
    options: Options,
    addr: SocketAddr,
) -> std::io::Result<FakeVendor> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let shared = Arc::new(Shared {
        options,
        public_origin: vendor.real_origins.first().cloned().unwrap_or_default(),
        recorded: Mutex::default(),
        failure: Mutex::default(),
        failures_left: Mutex::default(),
        in_flight: AtomicUsize::new(0),
        max_in_flight: AtomicUsize::new(0),
        data: Mutex::new(vendor.data.clone()),
    });
    let real_origins = vendor.real_origins.clone();
    let app = Router::new()
        .fallback(serve)
        .with_state((shared.clone(), Arc::new(vendor)));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(FakeVendor {
        origin: format!("http://{local}"),
        real_origins,
        shared,
        task,
    })
}

/// Page size from the request, capped by the options.
pub(crate) fn page_size(shared: &Shared, asked: Option<&String>, default: usize) -> usize {
    let asked = asked.and_then(|s| s.parse().ok()).unwrap_or(default).max(1);
    shared.options.max_page_size.map_or(asked, |m| asked.min(m))
}

/// Whether a JSON id (number or string) is `id` from a path.
pub(crate) fn id_is(value: &Value, id: &str) -> bool {
    match value {
        Value::String(s) => s == id,
        Value::Number(n) => n.as_i64().is_some_and(|n| id.parse() == Ok(n)),
        _ => false,
    }
}
