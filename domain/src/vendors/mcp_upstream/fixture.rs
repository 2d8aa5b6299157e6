#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A real upstream MCP server for tests: rmcp's Streamable HTTP server behind axum on
//! 127.0.0.1:0, requiring a header token, recording every request's headers and answer status,
//! listing its tools two per page, and able to "restart" (forget every session).

use std::sync::{Arc, Mutex};

use axum::{body::Body, extract::State, http::Request, response::Response};
use rmcp::{
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
        Implementation, InitializeResult, JsonObject, ListToolsResult, PaginatedRequestParams,
        ServerCapabilities, Tool, ToolAnnotations,
    },
    service::RequestContext,
    transport::streamable_http_server::{
        session::local::LocalSessionManager, StreamableHttpServerConfig, StreamableHttpService,
    },
    RoleServer, ServerHandler,
};
use serde_json::json;

/// A tool name too long for any `{slug}__{name}`, with a character outside the allowed set.
pub(crate) const LONG_TOOL: &str =
    "fetch_the_complete_quarterly_compliance_report.for_every_managed_tenant";

/// A header value the fixture knows but refuses with 403.
pub(crate) const FORBIDDEN_TOKEN: &str = "forbidden-key-3c9a71";

type Service = StreamableHttpService<Handler, LocalSessionManager>;

/// One request as the fixture saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// Its headers.
    pub headers: axum::http::HeaderMap,
    /// The answer's status.
    pub status: u16,
}

struct Shared {
    tools: Arc<Mutex<Vec<Tool>>>,
    seen: Mutex<Vec<Seen>>,
    service: Mutex<Service>,
    header: (String, String),
}

/// The running server.
pub(crate) struct Upstream {
    /// `http://127.0.0.1:<port>/mcp`.
    pub url: String,
    shared: Arc<Shared>,
}

#[derive(Clone)]
pub(crate) struct Handler(Arc<Mutex<Vec<Tool>>>);

fn schema(properties: serde_json::Value) -> Arc<JsonObject> {
    let value = json!({"type": "object", "properties": properties});
    Arc::new(value.as_object().unwrap().clone())
}

fn initial_tools() -> Vec<Tool> {
    vec![
        Tool::new(
            "echo",
            "Echoes \u{7}its text\nback.",
            schema(json!({"text": {"type": "string"}})),
        )
        .annotate(ToolAnnotations::new().read_only(true)),
        Tool::new("delete_everything", "Deletes things.", schema(json!({})))
            .annotate(ToolAnnotations::new().destructive(true)),
        Tool::new("plain", "No annotations at all.", schema(json!({}))),
        Tool::new("fail", "Always reports a failure.", schema(json!({}))),
        Tool::new(LONG_TOOL, "A very long name.", schema(json!({}))),
    ]
}

impl ServerHandler for Handler {
    fn get_info(&self) -> InitializeResult {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("fixture-server", "1.2.3"))
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = self.0.lock().unwrap().clone();
        let start: usize = request
            .and_then(|r| r.cursor)
            .map(|c| c.parse().unwrap())
            .unwrap_or(0);
        let end = (start + 2).min(tools.len());
        let mut page = ListToolsResult::with_all_items(tools[start..end].to_vec());
        page.next_cursor = (end < tools.len()).then(|| end.to_string());
        Ok(page)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = serde_json::Value::Object(request.arguments.clone().unwrap_or_default());
        let result = match request.name.as_ref() {
            "echo" => CallToolResult::success(vec![
                ContentBlock::text(format!("echo: {}", args["text"].as_str().unwrap_or(""))),
                ContentBlock::text("second block"),
            ]),
            "fail" => CallToolResult::error(vec![ContentBlock::text("it broke")]),
            LONG_TOOL => CallToolResult::success(vec![ContentBlock::text("long tool ran")]),
            "added" => CallToolResult::success(vec![ContentBlock::text("added ran")]),
            "slow" => {
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                CallToolResult::success(vec![ContentBlock::text("too late")])
            }
            _ => return Err(ErrorData::invalid_params("no such tool", None)),
        };
        Ok(CallToolResponse::Complete(result))
    }
}

fn service(tools: Arc<Mutex<Vec<Tool>>>) -> Service {
    StreamableHttpService::new(
        move || Ok(Handler(tools.clone())),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    )
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request<Body>) -> Response {
    let headers = request.headers().clone();
    let (name, value) = &shared.header;
    let sent = headers.get(name.as_str()).and_then(|v| v.to_str().ok());
    let response = if sent == Some(value) {
        let service = shared.service.lock().unwrap().clone();
        service.handle(request).await.map(Body::new)
    } else if sent == Some(FORBIDDEN_TOKEN) {
        Response::builder()
            .status(403)
            .body(Body::from(r#"{"error":"this key may not use MCP"}"#))
            .unwrap()
    } else {
        Response::builder()
            .status(401)
            .body(Body::from(r#"{"error":"bad token"}"#))
            .unwrap()
    };
    shared.seen.lock().unwrap().push(Seen {
        headers,
        status: response.status().as_u16(),
    });
    response
}

impl Upstream {
    /// Starts a server accepting requests that carry `header: value`.
    pub(crate) async fn start(header: &str, value: &str) -> Self {
        let tools = Arc::new(Mutex::new(initial_tools()));
        let shared = Arc::new(Shared {
            tools: tools.clone(),
            seen: Mutex::default(),
            service: Mutex::new(service(tools)),
            header: (header.to_ascii_lowercase(), value.to_owned()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new()
            .route("/mcp", axum::routing::any(handle))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url: format!("http://127.0.0.1:{port}/mcp"),
            shared,
        }
    }

    /// Adds a tool named `added`.
    pub(crate) fn add_tool(&self) {
        self.shared.tools.lock().unwrap().push(Tool::new(
            "added",
            "Added later.",
            schema(json!({})),
        ));
    }

    /// Forgets every session, as a restarted server would (old session ids answer 404).
    pub(crate) fn restart(&self) {
        *self.shared.service.lock().unwrap() = service(self.shared.tools.clone());
    }

    /// Every request so far.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }
}
