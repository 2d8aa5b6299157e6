//! The validated, immutable form of one vendor definition file (`vendors/<slug>.toml`), as the
//! engine, the catalog page and `tools/list` read it. Built only by [`super::format`], which checks
//! every invariant named here at load time.

use std::{collections::BTreeMap, time::Duration};

use super::template::Template;

/// One vendor: what the catalog page shows, the connect form, how to call it and its tools.
#[derive(Debug, Clone)]
pub struct VendorDefinition {
    /// Stable forever (`^[a-z0-9-]+$`); the prefix of its tools' names.
    pub slug: String,
    /// Display name ("IT Glue").
    pub name: String,
    /// Catalog grouping ("PSA", "RMM", "Documentation").
    pub category: String,
    /// The first vendor documentation page the file follows.
    pub docs_url: String,
    /// Every vendor documentation page the file follows.
    pub docs: Vec<String>,
    /// One paragraph for the catalog page.
    pub description: String,
    /// The connect form, in display order.
    pub form: Vec<FormField>,
    /// How the vendor is reached.
    pub kind: VendorKind,
    /// The tools, in file order.
    pub tools: Vec<ToolDefinition>,
    /// Concurrency, rate, time and size limits.
    pub limits: Limits,
    /// Where the credential is created in the vendor's console and what it must be allowed
    /// (`[setup]`; every built-in HTTP vendor has one).
    pub setup: Option<Setup>,
    /// The file it came from (`autotask.toml`, or a path in the operator directory).
    pub source: String,
}

/// How a technician gets a credential for the connect form (the catalog page shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// Where in the vendor's console the credential is created ("Account → Settings → API Keys").
    pub location: String,
    /// What the credential must be allowed to do, one line each.
    pub permissions: Vec<String>,
}

impl VendorDefinition {
    /// A tool by its name (without the connection prefix).
    pub fn tool(&self, name: &str) -> Option<&ToolDefinition> {
        self.tools.iter().find(|t| t.name == name)
    }

    /// A form field by name.
    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.form.iter().find(|f| f.name == name)
    }

    /// The authorization-code scheme, when a person connects this vendor by consenting at it.
    pub fn authorization_code(&self) -> Option<&AuthorizationCodeSpec> {
        match &self.kind {
            VendorKind::Http(spec) => match &spec.auth {
                AuthScheme::OAuth2AuthorizationCode(code) => Some(code),
                _ => None,
            },
            _ => None,
        }
    }
}

/// How a vendor's tools are executed.
#[derive(Debug, Clone)]
pub enum VendorKind {
    /// A REST API described entirely by the definition and run by the generic engine.
    Http(Box<HttpSpec>),
    /// The in-process sample vendor (`demo`).
    Demo,
    /// An upstream MCP server; its tools come from the server itself (its engine lives elsewhere).
    McpServer,
}

/// A field of the connect form.
#[derive(Debug, Clone)]
pub struct FormField {
    /// Key in settings/secrets; referenced by templates as `{name}`.
    pub name: String,
    /// Label beside the input.
    pub label: String,
    /// Input kind; secrets are stored encrypted and never shown again.
    pub kind: FieldKind,
    /// Must be non-empty.
    pub required: bool,
    /// Help text under the input.
    pub help: Option<String>,
    /// A regular expression the whole value must match.
    pub pattern: Option<FieldPattern>,
    /// Placeholder text.
    pub placeholder: Option<String>,
    /// Pre-filled value (never for secrets).
    pub default: Option<String>,
}

/// A compiled `pattern` with its source text (for the page's `pattern` attribute).
#[derive(Debug, Clone)]
pub struct FieldPattern {
    /// As written in the file (anchored by the loader).
    pub source: String,
    pub(crate) regex: regex::Regex,
}

impl FieldPattern {
    /// Whether the whole value matches.
    pub fn is_match(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

/// Kinds of form input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// Write-only secret (API key, password, client secret).
    Secret,
    /// Plain text setting.
    Text,
    /// An `https` URL setting.
    Url,
    /// One of fixed options: `(value, label)`.
    Select {
        /// `(value, label)` pairs in display order.
        options: Vec<(String, String)>,
    },
}

/// Limits from the definition (`[limits]`), with defaults.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Concurrent vendor calls per connection (Autotask: 3 per integration code).
    pub concurrency: usize,
    /// Requests allowed per window per connection, if the vendor documents one.
    pub rate: Option<RateLimit>,
    /// A tool call's time limit, every request, page, token fetch and retry included
    /// (a tool's own `timeout` replaces it).
    pub timeout: Duration,
    /// Largest vendor response body read.
    pub max_response_bytes: usize,
    /// Items a list tool returns when `limit` is not given.
    pub default_items: usize,
    /// Largest `limit` a list tool accepts.
    pub max_items: usize,
    /// Most pages one tool call follows.
    pub max_pages: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            concurrency: 4,
            rate: None,
            timeout: Duration::from_secs(30),
            max_response_bytes: 1024 * 1024,
            default_items: 20,
            max_items: 50,
            max_pages: 5,
        }
    }
}

/// A documented request rate: `requests` per `per`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Requests in one window.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

/// Everything the generic engine needs to call an HTTP vendor.
#[derive(Debug, Clone)]
pub struct HttpSpec {
    /// How the base URL follows from the form.
    pub base_url: BaseUrl,
    /// How each request is authenticated.
    pub auth: AuthScheme,
    /// Headers sent on every request (`Accept`, `Content-Type` ...), templates over the form.
    pub headers: Vec<(String, Template)>,
    /// The cheap authenticated request proving the credential.
    pub check: CheckSpec,
    /// JSON pointers tried, in order, for the vendor's message in an error body.
    pub error_pointers: Vec<String>,
}

/// Where requests go.
#[derive(Debug, Clone)]
pub enum BaseUrl {
    /// A URL template over the form (`https://{instance}`).
    Template(Template),
    /// A select field's value mapped to a base URL (regions).
    Map {
        /// The select field.
        field: String,
        /// value → base URL.
        map: BTreeMap<String, String>,
    },
    /// Asked of the vendor: GET `url` (no authentication), read the URL at `pointer`, append
    /// `append`; the result must be `https` on one of `allowed_hosts` (MCP-4).
    Discover {
        /// URL template over the form.
        url: Template,
        /// JSON pointer of the discovered URL in the answer.
        pointer: String,
        /// Appended to the discovered URL (`v1.0`).
        append: String,
        /// Host patterns (`*.autotask.net`) the discovered URL must match.
        allowed_hosts: Vec<String>,
        /// The field blamed when the vendor does not know the value (`username`).
        field: Option<String>,
    },
}

/// How the credential is put on each request. Header names exactly as the vendor documents.
#[derive(Debug, Clone)]
pub enum AuthScheme {
    /// Fixed headers whose values are form fields (Autotask: `UserName`, `Secret`,
    /// `ApiIntegrationCode`).
    Headers(Vec<(String, Template)>),
    /// `Authorization: Basic base64(username:password)`.
    Basic {
        /// User part.
        username: Template,
        /// Password part.
        password: Template,
    },
    /// `Authorization: Bearer <token>` with a stored token.
    Bearer {
        /// The token.
        token: Template,
    },
    /// An API key in a named header (IT Glue: `x-api-key`).
    ApiKeyHeader {
        /// Header name.
        header: String,
        /// Header value.
        value: Template,
    },
    /// OAuth 2.0 client credentials grant (RFC 6749 §4.4); the token is cached per (connection,
    /// version) until shortly before it expires.
    OAuth2ClientCredentials(TokenSpec),
    /// OAuth 2.0 resource owner password grant (RFC 6749 §4.3), cached the same way.
    OAuth2Password(TokenSpec),
    /// The form's credential exchanged at a vendor endpoint for a short-lived token (a
    /// non-OAuth "API token" request), cached the same way and sent in a named header.
    TokenExchange(ExchangeSpec),
    /// OAuth 2.0 authorization code grant with PKCE S256 (RFC 6749 §4.1, RFC 7636): a person
    /// consents at the vendor, the gateway's own app (operator configuration
    /// `vendor_oauth.<slug>`) redeems the code; access and refresh tokens are stored sealed with
    /// the connection and refreshed by `connections::vendor_oauth`, the engine only sends the
    /// access token it is given.
    OAuth2AuthorizationCode(AuthorizationCodeSpec),
}

/// A token exchange: one request built from the form's fields whose answer holds a token and,
/// optionally, its lifetime.
#[derive(Debug, Clone)]
pub struct ExchangeSpec {
    /// The exchange request's method (POST unless the definition says otherwise).
    pub method: Method,
    /// Absolute URL template over the form, or a path starting with `/` on the base URL.
    pub url: Template,
    /// What the request carries.
    pub body: ExchangeBody,
    /// Headers of the exchange request only (templates over the form).
    pub headers: Vec<(String, Template)>,
    /// JSON pointer of the token in the answer.
    pub token_pointer: String,
    /// Where the answer says how long the token lives.
    pub expiry: TokenExpiry,
    /// The header the token is sent in on every call (`Authorization`).
    pub header: String,
    /// Text before the token in that header (`Bearer `; may be empty).
    pub prefix: String,
}

/// The body of a token exchange.
#[derive(Debug, Clone)]
pub enum ExchangeBody {
    /// No body.
    None,
    /// A JSON template over the form's fields (`application/json`).
    Json(serde_json::Value),
    /// Form fields (`application/x-www-form-urlencoded`), templates over the form.
    Form(Vec<(String, Template)>),
}

/// How a token's lifetime is read from the exchange's answer; a token whose answer says
/// nothing lives an hour.
#[derive(Debug, Clone)]
pub enum TokenExpiry {
    /// Nothing in the answer: an hour.
    Default,
    /// Seconds from now at a JSON pointer (a number or a numeric string).
    InSeconds(String),
    /// A timestamp at a JSON pointer (RFC 3339; without an offset it is read as UTC).
    At(String),
}

/// Where a person consents and where codes and refresh tokens are redeemed.
#[derive(Debug, Clone)]
pub struct AuthorizationCodeSpec {
    /// Authorization endpoint URL template over the form (`…/{tenant}/oauth2/v2.0/authorize`).
    pub authorize_url: Template,
    /// Token endpoint URL template over the form.
    pub token_url: Template,
    /// Scopes asked for, in order (joined with spaces).
    pub scopes: Vec<String>,
    /// Client credentials in the form body or as HTTP Basic.
    pub client_auth: ClientAuth,
    /// Who shows the consent page: the connect button reads "Connect with {provider}".
    pub provider: String,
}

/// The token endpoint and what to send it.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    /// Token endpoint URL template.
    pub token_url: Template,
    /// `client_id`.
    pub client_id: Template,
    /// `client_secret` (absent for public clients).
    pub client_secret: Option<Template>,
    /// Password grant: `username`.
    pub username: Option<Template>,
    /// Password grant: `password`.
    pub password: Option<Template>,
    /// `scope`, space separated.
    pub scope: Option<String>,
    /// Client credentials in the form body or as HTTP Basic.
    pub client_auth: ClientAuth,
}

/// Where the client authenticates at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` form fields.
    Body,
    /// HTTP Basic with `client_id:client_secret`.
    Basic,
}

/// The connection check.
#[derive(Debug, Clone)]
pub struct CheckSpec {
    /// The request (no tool arguments; templates over the form).
    pub request: RequestSpec,
    /// JSON pointer of a human detail in the answer (the company name).
    pub detail: Option<String>,
    /// Text around the detail, `{value}` standing for it ("{value} organizations visible").
    pub detail_format: Option<String>,
}

/// HTTP methods the format allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    /// As reqwest's method.
    pub fn as_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// A request relative to the base URL.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    /// Method.
    pub method: Method,
    /// Path appended to the base URL; arguments encoded as one segment each.
    pub path: Template,
    /// Query parameters; a parameter whose template names an absent argument is left out.
    pub query: Vec<(String, QueryValue)>,
    /// JSON body template (strings that are exactly `{arg}` keep the argument's JSON type).
    pub body: Option<serde_json::Value>,
}

/// A query parameter's value.
#[derive(Debug, Clone)]
pub enum QueryValue {
    /// A string template.
    Text(Template),
    /// A JSON template serialised into the parameter (Autotask `search={...}`).
    Json(serde_json::Value),
    /// Clauses joined by a separator (ConnectWise `conditions=company/id=19 and closedFlag=false`):
    /// a clause naming an absent argument is left out; with no clause left, so is the parameter.
    Joined {
        /// Text between two clauses (` and `).
        separator: String,
        /// The clauses, in order.
        parts: Vec<Template>,
    },
}

/// One tool.
#[derive(Debug, Clone)]
pub struct ToolDefinition {
    /// `^[a-zA-Z0-9_-]+$`; `{slug}__{name}` is at most 64 characters.
    pub name: String,
    /// Human title.
    pub title: String,
    /// What it does, for the model.
    pub description: String,
    /// JSON Schema of the arguments (the subset `schema.rs` validates).
    pub input_schema: serde_json::Value,
    /// JSON Schema of the structured result, if declared.
    pub output_schema: Option<serde_json::Value>,
    /// Writes or deletes vendor data (`destructiveHint`).
    pub destructive: bool,
    /// Only reads (`readOnlyHint`).
    pub read_only: bool,
    /// Returns a list (takes `limit`, capped at [`Limits::max_items`]).
    pub list: bool,
    /// Sample arguments; the test suite calls every tool with each.
    pub examples: Vec<serde_json::Value>,
    /// The vendor request (absent for the demo vendor, whose tools run in-process).
    pub request: Option<ToolRequest>,
    /// The whole call's time limit when it differs from the vendor's (`timeout_seconds` of the
    /// tool; a slow report, say).
    pub timeout: Option<Duration>,
}

/// How an HTTP tool calls the vendor and shapes the answer.
#[derive(Debug, Clone)]
pub struct ToolRequest {
    /// The request.
    pub request: RequestSpec,
    /// How more pages are fetched, for list tools.
    pub paging: Option<Paging>,
    /// How the answer is cut down.
    pub response: ResponseShape,
}

/// Paging styles.
#[derive(Debug, Clone)]
pub enum Paging {
    /// The answer holds the next page's URL at a JSON pointer (IT Glue `links.next`, Autotask
    /// `pageDetails.nextPageUrl`); it must stay on the base URL's origin.
    NextLink {
        /// Pointer to the URL.
        pointer: String,
    },
    /// The next page is asked with `param` set to a value read from the last item (NinjaOne
    /// `after` = last id).
    Cursor {
        /// Query parameter.
        param: String,
        /// Pointer into the last item.
        from_last_item: String,
    },
    /// The next page is asked with `param` set to a value the answer gives at a JSON pointer
    /// (SentinelOne `pagination.nextCursor`, Huntress `pagination.next_page_token`); no value,
    /// `null` or `""` there means the last page.
    CursorFrom {
        /// Query parameter.
        param: String,
        /// Pointer into the answer.
        pointer: String,
    },
    /// Numbered pages (`page=1,2,…`: HaloPSA `page_no`, Syncro, Hudu, KnowBe4, ConnectWise):
    /// the next page is asked while the last one was full (`size_param`'s value in the request,
    /// when given) and not empty.
    PageNumber {
        /// Query parameter holding the page number.
        param: String,
        /// The first page's number (1 for almost every vendor).
        first: u64,
        /// Query parameter holding the page size, if the tool sends one.
        size_param: Option<String>,
    },
}

/// Response shaping.
#[derive(Debug, Clone, Default)]
pub struct ResponseShape {
    /// Pointer to the array of items (absent: the answer, or `object`, is one object).
    pub items: Option<String>,
    /// Pointer to the one object, for single-object answers (`/data` in JSON:API).
    pub object: Option<String>,
    /// Selected fields: output name → dotted path inside an item. Empty: the whole item.
    pub fields: Vec<(String, Vec<String>)>,
}
