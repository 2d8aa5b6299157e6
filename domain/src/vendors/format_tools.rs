//! Tools of the definition format: names, schemas, examples, request templates (every
//! placeholder must be an argument), paging and response shaping.

use std::{collections::BTreeMap, ops::Range, time::Duration};

use serde::Deserialize;
use serde_json::{json, Value};
use toml::Spanned;

use super::{
    catalog::CatalogError,
    definition::*,
    demo,
    format::{get, Ctx},
    schema,
    template::{json_vars, Template},
    MAX_TOOL_NAME, TOOL_DELIMITER,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTool {
    name: String,
    title: String,
    description: String,
    #[serde(default)]
    destructive: bool,
    read_only: Option<bool>,
    #[serde(default)]
    list: bool,
    input_schema: Option<toml::Value>,
    output_schema: Option<toml::Value>,
    #[serde(default)]
    examples: Vec<toml::Value>,
    #[serde(default = "get")]
    method: String,
    path: Option<String>,
    #[serde(default)]
    query: BTreeMap<String, toml::Value>,
    body: Option<toml::Value>,
    paging: Option<RawPaging>,
    response: Option<RawResponse>,
    timeout_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaging {
    next_link: Option<String>,
    cursor_param: Option<String>,
    cursor_from_last_item: Option<String>,
    cursor_from: Option<String>,
    page_param: Option<String>,
    first_page: Option<u64>,
    size_param: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResponse {
    items: Option<String>,
    object: Option<String>,
    #[serde(default)]
    fields: Vec<String>,
}

fn to_json(v: toml::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub(super) fn convert_tool(
    ctx: &Ctx,
    slug: &str,
    kind: &VendorKind,
    limits: &Limits,
    raw: Spanned<RawTool>,
) -> Result<ToolDefinition, CatalogError> {
    let span = raw.span();
    let t = raw.into_inner();
    let err = |reason: String| ctx.err(span.clone(), reason);
    if t.name.is_empty()
        || !t
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(err(format!(
            "tool name `{}` must match ^[a-zA-Z0-9_-]+$",
            t.name
        )));
    }
    let full = slug.len() + TOOL_DELIMITER.len() + t.name.len();
    if full > MAX_TOOL_NAME {
        return Err(err(format!(
            "tool name `{slug}{TOOL_DELIMITER}{}` is {full} characters; the limit is {MAX_TOOL_NAME}",
            t.name
        )));
    }
    if t.title.trim().is_empty() || t.description.trim().is_empty() {
        return Err(err(format!(
            "tool `{}` needs a title and a description",
            t.name
        )));
    }
    if t.destructive && t.read_only == Some(true) {
        return Err(err(format!(
            "tool `{}` cannot be both destructive and read_only",
            t.name
        )));
    }
    let mut input_schema = t
        .input_schema
        .map(to_json)
        .unwrap_or_else(|| json!({"type": "object"}));
    schema::check_schema(&input_schema)
        .map_err(|e| err(format!("tool `{}`: bad input_schema: {e}", t.name)))?;
    if input_schema.get("type") != Some(&json!("object")) {
        return Err(err(format!(
            "tool `{}`: input_schema must be of type object",
            t.name
        )));
    }
    let output_schema = t.output_schema.map(to_json);
    if let Some(s) = &output_schema {
        schema::check_schema(s)
            .map_err(|e| err(format!("tool `{}`: bad output_schema: {e}", t.name)))?;
    }
    let (request, list) = match kind {
        VendorKind::Http(_) => {
            let path = t
                .path
                .as_deref()
                .ok_or_else(|| err(format!("tool `{}` needs a path", t.name)))?;
            let props = input_schema.get("properties").cloned().unwrap_or(json!({}));
            let response = convert_response(ctx, span.clone(), t.response)?;
            let list = response.items.is_some();
            if list && props.get("cursor").is_some() {
                return Err(err(format!(
                    "tool `{}`: `cursor` is the engine's paging argument of list tools; do not define it",
                    t.name
                )));
            }
            let is_arg = |name: &str| props.get(name).is_some() || (list && name == "limit");
            let request =
                convert_request(ctx, span.clone(), &t.method, path, t.query, t.body, &is_arg)?;
            check_path_args(ctx, span.clone(), &request.path, &input_schema)?;
            let paging = convert_paging(ctx, span.clone(), t.paging)?;
            if paging.is_some() && !list {
                return Err(err(format!(
                    "tool `{}`: paging needs response.items",
                    t.name
                )));
            }
            (
                Some(ToolRequest {
                    request,
                    paging,
                    response,
                }),
                list,
            )
        }
        VendorKind::Demo => {
            if t.path.is_some()
                || t.response.is_some()
                || t.paging.is_some()
                || t.body.is_some()
                || !t.query.is_empty()
            {
                return Err(err(format!(
                    "demo tool `{}` runs in-process: no request keys",
                    t.name
                )));
            }
            if !demo::TOOLS.contains(&t.name.as_str()) {
                return Err(err(format!(
                    "demo tool `{}` is not implemented by the demo vendor",
                    t.name
                )));
            }
            (None, t.list)
        }
        VendorKind::McpServer => (None, false),
    };
    if list {
        add_limit(&mut input_schema, limits);
        if request.is_some() {
            add_cursor(&mut input_schema);
        }
    }
    if let Some(obj) = input_schema.as_object_mut() {
        obj.entry("additionalProperties")
            .or_insert(Value::Bool(false));
    }
    let examples: Vec<Value> = t.examples.into_iter().map(to_json).collect();
    if examples.is_empty() && !matches!(kind, VendorKind::McpServer) {
        return Err(err(format!(
            "tool `{}` needs at least one entry in `examples`",
            t.name
        )));
    }
    for ex in &examples {
        schema::validate(&input_schema, ex).map_err(|e| {
            err(format!(
                "tool `{}`: example {ex} does not fit the input_schema: {e}",
                t.name
            ))
        })?;
    }
    let timeout = match t.timeout_seconds {
        None => None,
        Some(secs @ 1..=super::format::MAX_TIMEOUT_SECONDS) => Some(Duration::from_secs(secs)),
        Some(_) => {
            return Err(err(format!(
                "tool `{}`: timeout_seconds must be between 1 and {}",
                t.name,
                super::format::MAX_TIMEOUT_SECONDS
            )))
        }
    };
    let read_only = t
        .read_only
        .unwrap_or(!t.destructive && t.method.eq_ignore_ascii_case("GET"));
    Ok(ToolDefinition {
        name: t.name,
        title: t.title,
        description: t.description,
        input_schema,
        output_schema,
        destructive: t.destructive,
        read_only,
        list,
        examples,
        request,
        timeout,
    })
}

/// Every list tool takes `limit` (items returned), default and maximum from `[limits]`.
fn add_limit(schema: &mut Value, limits: &Limits) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let props = obj.entry("properties").or_insert_with(|| json!({}));
    if let Some(props) = props.as_object_mut() {
        props.entry("limit").or_insert_with(|| {
            json!({"type": "integer", "minimum": 1, "maximum": limits.max_items,
                "default": limits.default_items,
                "description": format!("Most items to return (default {}, at most {}).", limits.default_items, limits.max_items)})
        });
    }
}

/// Longest `cursor` accepted (a sealed vendor URL, with a search body at most).
const MAX_CURSOR: usize = 16 * 1024;

/// Every HTTP list tool takes `cursor`: the `next_cursor` of its previous result.
fn add_cursor(schema: &mut Value) {
    let Some(props) = schema
        .as_object_mut()
        .and_then(|o| o.get_mut("properties"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    props.entry("cursor").or_insert_with(|| {
        json!({"type": "string", "minLength": 1, "maxLength": MAX_CURSOR,
            "description": "Continue a listing: the `next_cursor` of this tool's previous result. The listing's filters come with it; only `limit` may change."})
    });
}

/// Path placeholders must be required string/integer arguments: a missing one would change
/// the path's shape.
fn check_path_args(
    ctx: &Ctx,
    span: Range<usize>,
    path: &Template,
    schema: &Value,
) -> Result<(), CatalogError> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for var in path.vars() {
        let ty = schema
            .pointer(&format!("/properties/{var}/type"))
            .and_then(Value::as_str);
        if !required.contains(&var) || !matches!(ty, Some("string" | "integer")) {
            return Err(ctx.err(
                span.clone(),
                format!(
                    "path argument `{var}` in `{}` must be a required string or integer",
                    path.as_str()
                ),
            ));
        }
    }
    Ok(())
}

pub(super) fn convert_request(
    ctx: &Ctx,
    span: Range<usize>,
    method: &str,
    path: &str,
    query: BTreeMap<String, toml::Value>,
    body: Option<toml::Value>,
    known: &dyn Fn(&str) -> bool,
) -> Result<RequestSpec, CatalogError> {
    let undefined = |text: &str, var: &str| {
        ctx.err(
            span.clone(),
            format!("template `{text}` references `{var}`, which is not defined"),
        )
    };
    let method = match method.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        other => return Err(ctx.err(span, format!("unknown method `{other}`"))),
    };
    if !path.starts_with('/') || path.contains(['?', '#']) {
        return Err(ctx.err(
            span,
            format!("path `{path}` must start with / and hold no query"),
        ));
    }
    let path_t = Template::parse(path).map_err(|e| ctx.err(span.clone(), e))?;
    if let Some(var) = path_t.vars().find(|v| !known(v)) {
        return Err(undefined(path, var));
    }
    let mut q = Vec::new();
    for (name, value) in query {
        let value = match value {
            toml::Value::String(s) => {
                let t = Template::parse(&s).map_err(|e| ctx.err(span.clone(), e))?;
                if let Some(var) = t.vars().find(|v| !known(v)) {
                    return Err(undefined(&s, var));
                }
                QueryValue::Text(t)
            }
            toml::Value::Integer(i) => QueryValue::Text(
                Template::parse(&i.to_string()).map_err(|e| ctx.err(span.clone(), e))?,
            ),
            toml::Value::Table(t) if t.contains_key("join") => {
                joined(ctx, span.clone(), &name, t, known)?
            }
            other @ (toml::Value::Table(_) | toml::Value::Array(_)) => {
                let json = to_json(other);
                check_json_vars(ctx, span.clone(), &json, known)?;
                QueryValue::Json(json)
            }
            _ => {
                return Err(ctx.err(
                    span,
                    format!("query `{name}` must be a string, integer or table"),
                ))
            }
        };
        q.push((name, value));
    }
    let body = match body {
        Some(b) => {
            let json = to_json(b);
            check_json_vars(ctx, span.clone(), &json, known)?;
            Some(json)
        }
        None => None,
    };
    Ok(RequestSpec {
        method,
        path: path_t,
        query: q,
        body,
    })
}

/// `{ join = " and ", parts = ["company/id={company_id}", "closedFlag=false"] }`: clauses of one
/// query value, each a template over the arguments.
fn joined(
    ctx: &Ctx,
    span: Range<usize>,
    name: &str,
    table: toml::value::Table,
    known: &dyn Fn(&str) -> bool,
) -> Result<QueryValue, CatalogError> {
    let err = |reason: String| ctx.err(span.clone(), reason);
    let shape = || {
        err(format!(
            "query `{name}`: a joined value is {{ join = \"<separator>\", parts = [\"<clause>\", …] }}"
        ))
    };
    if table.len() != 2 {
        return Err(shape());
    }
    let (Some(toml::Value::String(separator)), Some(toml::Value::Array(raw))) =
        (table.get("join"), table.get("parts"))
    else {
        return Err(shape());
    };
    if raw.is_empty() {
        return Err(shape());
    }
    let mut parts = Vec::new();
    for part in raw {
        let toml::Value::String(text) = part else {
            return Err(shape());
        };
        let t = Template::parse(text).map_err(&err)?;
        if let Some(var) = t.vars().find(|v| !known(v)) {
            return Err(err(format!(
                "template `{text}` references `{var}`, which is not defined"
            )));
        }
        parts.push(t);
    }
    Ok(QueryValue::Joined {
        separator: separator.clone(),
        parts,
    })
}

fn check_json_vars(
    ctx: &Ctx,
    span: Range<usize>,
    json: &Value,
    known: &dyn Fn(&str) -> bool,
) -> Result<(), CatalogError> {
    let vars = json_vars(json).map_err(|e| ctx.err(span.clone(), e))?;
    match vars.iter().find(|v| !known(v)) {
        Some(var) => Err(ctx.err(
            span,
            format!("a body or query template references `{var}`, which is not defined"),
        )),
        None => Ok(()),
    }
}

fn pointer(ctx: &Ctx, span: Range<usize>, p: &str) -> Result<String, CatalogError> {
    if p.is_empty() || p.starts_with('/') {
        Ok(p.to_owned())
    } else {
        Err(ctx.err(span, format!("`{p}` is not a JSON pointer (start with /)")))
    }
}

fn convert_paging(
    ctx: &Ctx,
    span: Range<usize>,
    raw: Option<RawPaging>,
) -> Result<Option<Paging>, CatalogError> {
    let Some(r) = raw else { return Ok(None) };
    let style = match r {
        RawPaging {
            next_link: Some(p),
            cursor_param: None,
            cursor_from_last_item: None,
            cursor_from: None,
            page_param: None,
            first_page: None,
            size_param: None,
        } => Paging::NextLink {
            pointer: pointer(ctx, span, &p)?,
        },
        RawPaging {
            next_link: None,
            cursor_param: Some(param),
            cursor_from_last_item: Some(p),
            cursor_from: None,
            page_param: None,
            first_page: None,
            size_param: None,
        } => Paging::Cursor {
            param,
            from_last_item: pointer(ctx, span, &p)?,
        },
        RawPaging {
            next_link: None,
            cursor_param: Some(param),
            cursor_from_last_item: None,
            cursor_from: Some(p),
            page_param: None,
            first_page: None,
            size_param: None,
        } => Paging::CursorFrom {
            param,
            pointer: pointer(ctx, span, &p)?,
        },
        RawPaging {
            next_link: None,
            cursor_param: None,
            cursor_from_last_item: None,
            cursor_from: None,
            page_param: Some(param),
            first_page,
            size_param,
        } => Paging::PageNumber {
            param,
            first: first_page.unwrap_or(1),
            size_param,
        },
        _ => {
            return Err(ctx.err(
                span,
                "paging needs one of: next_link; cursor_param + cursor_from_last_item; \
                 cursor_param + cursor_from; page_param (+ first_page, size_param)",
            ))
        }
    };
    Ok(Some(style))
}

fn convert_response(
    ctx: &Ctx,
    span: Range<usize>,
    raw: Option<RawResponse>,
) -> Result<ResponseShape, CatalogError> {
    let Some(r) = raw else {
        return Ok(ResponseShape::default());
    };
    if r.items.is_some() && r.object.is_some() {
        return Err(ctx.err(span, "response: items and object exclude each other"));
    }
    let mut fields: Vec<(String, Vec<String>)> = Vec::new();
    for f in &r.fields {
        let (alias, path) = match f.split_once('=') {
            Some((a, p)) => (a.trim().to_owned(), p.trim()),
            None => (f.rsplit('.').next().unwrap_or(f).to_owned(), f.as_str()),
        };
        if alias.is_empty() || path.is_empty() || fields.iter().any(|(a, _)| *a == alias) {
            return Err(ctx.err(
                span,
                format!("response field `{f}` is empty or its name repeats"),
            ));
        }
        fields.push((alias, path.split('.').map(str::to_owned).collect()));
    }
    Ok(ResponseShape {
        items: r
            .items
            .map(|p| pointer(ctx, span.clone(), &p))
            .transpose()?,
        object: r
            .object
            .map(|p| pointer(ctx, span.clone(), &p))
            .transpose()?,
        fields,
    })
}
