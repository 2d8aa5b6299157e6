//! HTTP vendors: building a request from a definition's templates (arguments encoded by
//! position), sending it through the outbound guard within the definition's limits, and mapping
//! the answer to a shaped [`ToolOutput`] or an error; list tools page in `pages.rs`. Requests
//! of idempotent tools are retried after transient failures ([`Retry`], policy in
//! [`crate::vendors::reliability::retry`]).

use reqwest::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use time::OffsetDateTime;
use tokio::time::Instant;
use url::Url;

mod pages;

use super::{answer, auth, shape, Engine};
use crate::{
    outbound::{self, OutboundError, OutboundResponse},
    vendors::{
        reliability::CallRetry as Retry,
        template::{as_text, render_json},
        CallError, CheckOutcome, ConnectionCredentials, HttpSpec, QueryValue, RequestSpec,
        ToolDefinition, ToolOutput, VendorDefinition,
    },
};

type Lookup<'a> = &'a dyn Fn(&str) -> Option<Value>;

/// One connection's prepared context: base URL, auth headers and the redactor.
struct Cx<'a> {
    engine: &'a Engine,
    def: &'a VendorDefinition,
    spec: &'a HttpSpec,
    creds: &'a ConnectionCredentials,
    now: OffsetDateTime,
    base: Url,
    headers: Vec<(HeaderName, HeaderValue)>,
    redactor: answer::Redactor,
    retry: Option<Retry>,
}

impl Engine {
    /// Sends through the outbound guard within the definition's limits; transport failures
    /// become their class.
    pub(super) async fn send(
        &self,
        def: &VendorDefinition,
        request: reqwest::Request,
    ) -> Result<OutboundResponse, CallError> {
        let limits = outbound::Limits {
            timeout: self.timeout(def),
            max_bytes: def.limits.max_response_bytes,
        };
        self.inner
            .outbound
            .send(request, limits)
            .await
            .map_err(|e| match e {
                OutboundError::TooLarge => CallError::Unexpected(format!(
                    "the answer is larger than the gateway accepts ({} KiB); narrow the request",
                    def.limits.max_response_bytes / 1024
                )),
                other => answer::transport_call_error(other),
            })
    }
}

impl<'a> Cx<'a> {
    async fn open(
        engine: &'a Engine,
        def: &'a VendorDefinition,
        spec: &'a HttpSpec,
        creds: &'a ConnectionCredentials,
        now: OffsetDateTime,
    ) -> Result<Cx<'a>, CallError> {
        let base = engine.base_url(def, spec, creds, now).await?;
        let mut redactor = answer::Redactor::new(auth::secret_values(creds));
        let mut headers = Vec::new();
        for (name, t) in &spec.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| CallError::Unexpected("bad header".into()))?;
            let value = HeaderValue::from_str(&auth::render_field(t, creds)?)
                .map_err(|_| CallError::Unexpected("bad header value".into()))?;
            headers.push((name, value));
        }
        headers.extend(
            engine
                .auth_headers(def, spec, creds, &base, now, &mut redactor)
                .await?,
        );
        Ok(Cx {
            engine,
            def,
            spec,
            creds,
            now,
            base,
            headers,
            redactor,
            retry: None,
        })
    }

    /// Base URL + path (each argument one encoded segment) + query (each an encoded value;
    /// parameters naming an absent argument left out).
    fn url(&self, req: &RequestSpec, args: Lookup) -> Result<Url, CallError> {
        let mut path = String::new();
        let mut failed = None;
        let rendered =
            req.path.render(
                |name| match args(name).map(|v| auth::segment(&as_text(&v))) {
                    Some(Ok(s)) => Some(s),
                    Some(Err(e)) => {
                        failed = Some(e);
                        None
                    }
                    None => None,
                },
            );
        if let Some(e) = failed {
            return Err(e);
        }
        path.push_str(
            &rendered
                .ok_or_else(|| CallError::InvalidArguments("a path argument is missing".into()))?,
        );
        let text = format!("{}{}", self.base.as_str().trim_end_matches('/'), path);
        let mut url = Url::parse(&text)
            .map_err(|_| CallError::Unexpected("the request URL is invalid".into()))?;
        let pairs: Vec<(String, String)> = req
            .query
            .iter()
            .filter_map(|(name, value)| match value {
                QueryValue::Text(t) => t
                    .render(|n| args(n).map(|v| as_text(&v)))
                    .map(|v| (name.clone(), v)),
                QueryValue::Json(j) => render_json(j, args).map(|v| (name.clone(), v.to_string())),
                QueryValue::Joined { separator, parts } => {
                    let kept: Vec<String> = parts
                        .iter()
                        .filter_map(|p| p.render(|n| args(n).map(|v| as_text(&v))))
                        .collect();
                    (!kept.is_empty()).then(|| (name.clone(), kept.join(separator)))
                }
            })
            .collect();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        Ok(url)
    }

    fn request(&self, method: reqwest::Method, url: Url, body: Option<Value>) -> reqwest::Request {
        let mut request = reqwest::Request::new(method, url);
        let h = request.headers_mut();
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in &self.headers {
            h.insert(name.clone(), value.clone());
        }
        if let Some(body) = body {
            if !h.contains_key(CONTENT_TYPE) {
                h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            *request.body_mut() = Some(body.to_string().into());
        }
        request
    }

    /// Sends, and again after a transient failure while the call's retry budget allows.
    async fn send(&self, mut request: reqwest::Request) -> Result<OutboundResponse, CallError> {
        loop {
            let again = self.retry.as_ref().and_then(|_| request.try_clone());
            let started = Instant::now();
            let error = match self.send_once(request).await {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };
            let delay = match (&self.retry, again) {
                (Some(retry), Some(again)) => retry
                    .next(&error, started.elapsed())
                    .map(|delay| (delay, again)),
                _ => None,
            };
            let Some((delay, again)) = delay else {
                return Err(error);
            };
            tracing::info!(
                class = error.class(),
                delay_ms = delay.as_millis() as u64,
                "retrying an idempotent vendor request"
            );
            tokio::time::sleep(delay).await;
            request = again;
        }
    }

    /// Sends once; a non-success answer becomes its error (a 401 also drops a cached token).
    async fn send_once(&self, request: reqwest::Request) -> Result<OutboundResponse, CallError> {
        let response = self.engine.send(self.def, request).await?;
        if response.status.is_success() {
            return Ok(response);
        }
        if response.status.as_u16() == 401 {
            self.engine.drop_token(self.creds);
        }
        Err(answer::call_error(
            &response,
            &self.spec.error_pointers,
            &self.redactor,
            self.now,
        ))
    }

    fn json(&self, response: &OutboundResponse) -> Result<Value, CallError> {
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&response.body).map_err(|_| {
            let what = answer::vendor_message(response, &[], &self.redactor).unwrap_or_default();
            CallError::Unexpected(format!("the vendor did not answer with JSON ({what})"))
        })
    }

    /// A next-page URL from the answer, only on the base URL's origin (MCP-4).
    fn next_link(&self, json: &Value, pointer: &str) -> Option<Url> {
        // Absent, `null` or `""` (Atera's last page) ends the paging.
        let text = json.pointer(pointer)?.as_str().filter(|t| !t.is_empty())?;
        let url = self.base.join(text).ok()?;
        (url.origin() == self.base.origin()).then_some(url)
    }
}

pub(super) async fn check(
    engine: &Engine,
    def: &VendorDefinition,
    spec: &HttpSpec,
    creds: &ConnectionCredentials,
    now: OffsetDateTime,
) -> CheckOutcome {
    let run = async {
        let cx = Cx::open(engine, def, spec, creds, now).await?;
        let fields = |name: &str| creds.value(name).map(|v| Value::String(v.to_owned()));
        let req = &spec.check.request;
        let url = cx.url(req, &fields)?;
        let body = req.body.as_ref().and_then(|b| render_json(b, &fields));
        let response = cx
            .send(cx.request(req.method.as_reqwest(), url, body))
            .await?;
        let json = cx.json(&response).unwrap_or(Value::Null);
        let detail = spec
            .check
            .detail
            .as_deref()
            .and_then(|p| json.pointer(p))
            .and_then(|v| match v {
                Value::Null => None,
                other => Some(cx.redactor.apply(&as_text(other))),
            });
        Ok::<_, CallError>(detail.map(|d| match &spec.check.detail_format {
            Some(f) => f.replace("{value}", &d),
            None => d,
        }))
    };
    match run.await {
        Ok(detail) => CheckOutcome::Authenticated { detail },
        Err(e) => answer::check_outcome(e),
    }
}

// The call's parts, passed through as they are: a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub(super) async fn call(
    engine: &Engine,
    def: &VendorDefinition,
    spec: &HttpSpec,
    creds: &ConnectionCredentials,
    tool: &ToolDefinition,
    args: &Value,
    now: OffsetDateTime,
    retry: Option<Retry>,
) -> Result<ToolOutput, CallError> {
    let Some(tr) = &tool.request else {
        return Err(CallError::UnknownTool);
    };
    let mut cx = Cx::open(engine, def, spec, creds, now).await?;
    cx.retry = retry;
    let cx = cx;
    if let Some(items_at) = &tr.response.items {
        return pages::list(&cx, tool, tr, items_at, args).await;
    }
    let lookup = |name: &str| args.get(name).filter(|v| !v.is_null()).cloned();
    let req = &tr.request;
    let url = cx.url(req, &lookup)?;
    let body = req.body.as_ref().and_then(|b| render_json(b, &lookup));
    let first = cx
        .send(cx.request(req.method.as_reqwest(), url, body))
        .await?;
    let json = cx.json(&first)?;
    let value = match &tr.response.object {
        // A record pointer that finds nothing is an absent record (Autotask answers a
        // missing id with 200 `{"item": null}`).
        Some(p) => match json.pointer(p) {
            Some(Value::Null) | None => {
                return Err(CallError::NotFound {
                    vendor_message: None,
                })
            }
            Some(v) => v.clone(),
        },
        None => json,
    };
    Ok(shape::object_output(&value, &tr.response, &cx.redactor))
}

/// `url` with the query parameter `param` set to `value` (other parameters kept, in order).
fn with_param(url: &Url, param: &str, value: &str) -> Url {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != param)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut next = url.clone();
    next.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(param, value);
    next
}

/// The value of the query parameter `param` in `url`, if present.
fn query_value(url: &Url, param: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == param)
        .map(|(_, v)| v.into_owned())
}
