//! The TOML definition format: raw file structures (unknown keys refused) and their conversion
//! into [`VendorDefinition`], checking every rule the engine relies on. Every error names the
//! file, the line and the reason. Tools are converted in `format_tools.rs`.

use std::{collections::BTreeMap, ops::Range, time::Duration};

use serde::Deserialize;
use toml::Spanned;

use super::{
    catalog::CatalogError,
    definition::*,
    format_http::{convert_auth, convert_base_url, RawAuth, RawBaseUrl},
    format_tools::{convert_tool, RawTool},
    template::Template,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    slug: Spanned<String>,
    name: String,
    category: String,
    description: String,
    docs: Spanned<Vec<String>>,
    kind: Spanned<String>,
    #[serde(default)]
    form: Vec<Spanned<RawField>>,
    base_url: Option<Spanned<RawBaseUrl>>,
    auth: Option<Spanned<RawAuth>>,
    headers: Option<Spanned<BTreeMap<String, String>>>,
    check: Option<Spanned<RawCheck>>,
    #[serde(default)]
    error_messages: Vec<String>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    tools: Vec<Spanned<RawTool>>,
    setup: Option<RawSetup>,
}

/// `[setup]`: what the catalog page tells a technician before the form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSetup {
    #[serde(rename = "where")]
    location: String,
    #[serde(default)]
    permissions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    name: String,
    label: String,
    kind: String,
    #[serde(default)]
    required: bool,
    help: Option<String>,
    pattern: Option<String>,
    placeholder: Option<String>,
    default: Option<String>,
    #[serde(default)]
    options: Vec<RawOption>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    value: String,
    label: String,
}

/// A request as written (the check, and tools through `format_tools`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCheck {
    #[serde(default = "get")]
    method: String,
    path: String,
    #[serde(default)]
    query: BTreeMap<String, toml::Value>,
    body: Option<toml::Value>,
    detail: Option<String>,
    detail_format: Option<String>,
}

pub(super) fn get() -> String {
    "GET".into()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    concurrency: Option<usize>,
    rate_requests: Option<u32>,
    rate_per_seconds: Option<u64>,
    timeout_seconds: Option<u64>,
    max_response_bytes: Option<usize>,
    default_items: Option<usize>,
    max_items: Option<usize>,
    max_pages: Option<usize>,
}

/// Longest `timeout_seconds` a definition may ask for (of the vendor, or of one tool).
pub(super) const MAX_TIMEOUT_SECONDS: u64 = 300;

/// File name and text, for errors with line numbers.
pub(super) struct Ctx<'a> {
    pub file: &'a str,
    pub src: &'a str,
}

impl Ctx<'_> {
    pub fn err(&self, span: Range<usize>, reason: impl Into<String>) -> CatalogError {
        CatalogError {
            file: self.file.to_owned(),
            line: line_of(self.src, span.start),
            reason: reason.into(),
        }
    }
}

/// 1-based line of a byte offset.
pub(super) fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Parses and checks one definition file.
pub(super) fn parse(file: &str, src: &str) -> Result<VendorDefinition, CatalogError> {
    let ctx = Ctx { file, src };
    let raw: RawFile = toml::from_str(src).map_err(|e| CatalogError {
        file: file.to_owned(),
        line: e.span().map_or(0, |s| line_of(src, s.start)),
        reason: e.message().trim().to_owned(),
    })?;
    let slug = raw.slug.get_ref();
    if slug.is_empty()
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(ctx.err(
            raw.slug.span(),
            format!("slug `{slug}` must match ^[a-z0-9-]+$"),
        ));
    }
    for (what, text) in [
        ("name", &raw.name),
        ("category", &raw.category),
        ("description", &raw.description),
    ] {
        if text.trim().is_empty() {
            return Err(ctx.err(raw.slug.span(), format!("`{what}` is empty")));
        }
    }
    if raw.docs.get_ref().is_empty()
        || raw
            .docs
            .get_ref()
            .iter()
            .any(|d| !d.starts_with("https://"))
    {
        return Err(ctx.err(
            raw.docs.span(),
            "`docs` must list the vendor's documentation pages (https URLs)",
        ));
    }
    let form = raw
        .form
        .into_iter()
        .map(|f| convert_field(&ctx, f))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, f) in form.iter().enumerate() {
        if form[..i].iter().any(|g| g.name == f.name) {
            return Err(ctx.err(
                raw.slug.span(),
                format!("form field `{}` is defined twice", f.name),
            ));
        }
    }
    let limits = convert_limits(&ctx, &raw.slug, raw.limits)?;
    let kind = match raw.kind.get_ref().as_str() {
        "http" => {
            let (Some(base), Some(auth), Some(check)) = (raw.base_url, raw.auth, raw.check) else {
                return Err(ctx.err(
                    raw.kind.span(),
                    "kind \"http\" needs [base_url], [auth] and [check]",
                ));
            };
            let mut headers = Vec::new();
            if let Some(h) = &raw.headers {
                for (name, value) in h.get_ref() {
                    headers.push((
                        header_name(&ctx, h.span(), name)?,
                        form_template(&ctx, h.span(), value, &form)?,
                    ));
                }
            }
            VendorKind::Http(Box::new(HttpSpec {
                base_url: convert_base_url(&ctx, base, &form)?,
                auth: convert_auth(&ctx, auth, &form)?,
                headers,
                check: convert_check(&ctx, check, &form)?,
                error_pointers: raw.error_messages,
            }))
        }
        "demo" | "mcp-server" => {
            if raw.base_url.is_some() || raw.auth.is_some() || raw.check.is_some() {
                return Err(ctx.err(
                    raw.kind.span(),
                    "[base_url], [auth] and [check] apply to kind \"http\" only",
                ));
            }
            if raw.kind.get_ref() == "demo" {
                VendorKind::Demo
            } else {
                VendorKind::McpServer
            }
        }
        other => {
            return Err(ctx.err(
                raw.kind.span(),
                format!("unknown kind `{other}` (expected http, demo or mcp-server)"),
            ))
        }
    };
    let mut tools: Vec<ToolDefinition> = Vec::new();
    for tool in raw.tools {
        let span = tool.span();
        let t = convert_tool(&ctx, slug, &kind, &limits, tool)?;
        if tools.iter().any(|u| u.name == t.name) {
            return Err(ctx.err(span, format!("tool `{}` is defined twice", t.name)));
        }
        tools.push(t);
    }
    if matches!(kind, VendorKind::McpServer) && !tools.is_empty() {
        return Err(ctx.err(
            raw.kind.span(),
            "an mcp-server definition has no tools: they come from the server",
        ));
    }
    Ok(VendorDefinition {
        slug: slug.clone(),
        name: raw.name,
        category: raw.category,
        docs_url: raw.docs.get_ref()[0].clone(),
        docs: raw.docs.into_inner(),
        description: raw.description,
        form,
        kind,
        tools,
        limits,
        setup: raw.setup.map(|s| Setup {
            location: s.location,
            permissions: s.permissions,
        }),
        source: file.to_owned(),
    })
}

fn convert_field(ctx: &Ctx, raw: Spanned<RawField>) -> Result<FormField, CatalogError> {
    let span = raw.span();
    let f = raw.into_inner();
    let err = |reason: String| ctx.err(span.clone(), reason);
    if f.name.is_empty()
        || !f
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(err(format!(
            "form field name `{}` must match ^[a-zA-Z0-9_]+$",
            f.name
        )));
    }
    if f.kind != "select" && !f.options.is_empty() {
        return Err(err(format!(
            "field `{}`: `options` apply to select fields only",
            f.name
        )));
    }
    let kind = match f.kind.as_str() {
        "secret" => FieldKind::Secret,
        "text" => FieldKind::Text,
        "url" => FieldKind::Url,
        "select" => {
            if f.options.is_empty() {
                return Err(err(format!("select field `{}` has no options", f.name)));
            }
            FieldKind::Select {
                options: f.options.into_iter().map(|o| (o.value, o.label)).collect(),
            }
        }
        other => {
            return Err(err(format!(
                "unknown field kind `{other}` (secret, text, url or select)"
            )))
        }
    };
    if kind == FieldKind::Secret && f.default.is_some() {
        return Err(err(format!(
            "secret field `{}` cannot have a default",
            f.name
        )));
    }
    let pattern = match f.pattern {
        Some(p) => Some(FieldPattern {
            regex: regex::Regex::new(&format!("^(?:{p})$"))
                .map_err(|e| err(format!("field `{}`: bad pattern: {e}", f.name)))?,
            source: p,
        }),
        None => None,
    };
    Ok(FormField {
        name: f.name,
        label: f.label,
        kind,
        required: f.required,
        help: f.help,
        pattern,
        placeholder: f.placeholder,
        default: f.default,
    })
}

fn convert_limits(ctx: &Ctx, at: &Spanned<String>, raw: RawLimits) -> Result<Limits, CatalogError> {
    let d = Limits::default();
    let limits = Limits {
        concurrency: raw.concurrency.unwrap_or(d.concurrency),
        rate: match (raw.rate_requests, raw.rate_per_seconds) {
            (Some(requests), Some(secs)) => Some(RateLimit {
                requests,
                per: Duration::from_secs(secs),
            }),
            (None, None) => None,
            _ => {
                return Err(ctx.err(
                    at.span(),
                    "[limits] needs both rate_requests and rate_per_seconds",
                ))
            }
        },
        timeout: raw.timeout_seconds.map_or(d.timeout, Duration::from_secs),
        max_response_bytes: raw.max_response_bytes.unwrap_or(d.max_response_bytes),
        default_items: raw.default_items.unwrap_or(d.default_items),
        max_items: raw.max_items.unwrap_or(d.max_items),
        max_pages: raw.max_pages.unwrap_or(d.max_pages),
    };
    if limits.concurrency == 0
        || limits.default_items == 0
        || limits.max_items < limits.default_items
        || limits.max_pages == 0
        || limits.timeout.is_zero()
        || limits.timeout > Duration::from_secs(MAX_TIMEOUT_SECONDS)
    {
        return Err(ctx.err(at.span(), "[limits]: concurrency, default_items and max_pages must be positive, max_items ≥ default_items, timeout_seconds between 1 and 300"));
    }
    Ok(limits)
}

/// A template whose placeholders must all be form fields.
pub(super) fn form_template(
    ctx: &Ctx,
    span: Range<usize>,
    text: &str,
    form: &[FormField],
) -> Result<Template, CatalogError> {
    let t = Template::parse(text).map_err(|e| ctx.err(span.clone(), e))?;
    for var in t.vars() {
        if !form.iter().any(|f| f.name == var) {
            return Err(ctx.err(
                span,
                format!("template `{text}` references `{var}`, which is not a form field"),
            ));
        }
    }
    Ok(t)
}

pub(super) fn header_name(
    ctx: &Ctx,
    span: Range<usize>,
    name: &str,
) -> Result<String, CatalogError> {
    reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| ctx.err(span, format!("`{name}` is not a valid header name")))?;
    Ok(name.to_owned())
}

fn convert_check(
    ctx: &Ctx,
    raw: Spanned<RawCheck>,
    form: &[FormField],
) -> Result<CheckSpec, CatalogError> {
    let span = raw.span();
    let c = raw.into_inner();
    let vars = |name: &str| form.iter().any(|f| f.name == name);
    let request = super::format_tools::convert_request(
        ctx, span, &c.method, &c.path, c.query, c.body, &vars,
    )?;
    Ok(CheckSpec {
        request,
        detail: c.detail,
        detail_format: c.detail_format,
    })
}
