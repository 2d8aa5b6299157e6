//! `GET /health/vendors`: each vendor kind's health on this replica, for operators only (the same
//! check as `/admin`, on every request). JSON for `Accept: application/json`, else a small page in
//! the portal's style (server-rendered HTML, no script). The data is the engine's, in memory per
//! replica (`domain::vendors::health_report`): never credentials, connections or customer data.

use app::{
    routes,
    state::{AppState, CurrentUser},
};
use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    Extension, Json,
};
use domain::{
    vendors::{health_report, VendorHealth},
    OffsetDateTime,
};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::error::ApiError;

/// What the JSON answer says about one vendor kind.
#[derive(Debug, Serialize)]
struct VendorHealthJson {
    vendor: String,
    name: String,
    category: String,
    status: &'static str,
    consecutive_failures: u32,
    last_error_class: Option<&'static str>,
    last_success_at: Option<String>,
    last_failure_at: Option<String>,
    successes: u64,
    failures: u64,
    breakers: BreakersJson,
}

#[derive(Debug, Serialize)]
struct BreakersJson {
    open: usize,
    half_open: usize,
}

/// The JSON answer.
#[derive(Debug, Serialize)]
struct HealthJson {
    /// Where the numbers come from (so nobody mistakes one replica's view for the fleet's).
    scope: &'static str,
    generated_at: String,
    vendors: Vec<VendorHealthJson>,
}

const SCOPE: &str = "this replica, in memory, since it started";

/// RFC 3339, to the second.
fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Whether the client asked for JSON rather than a page (browsers ask for `text/html`).
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    accept.contains("application/json") && !accept.contains("text/html")
}

/// The handler: signed out → 401 (JSON) or sign-in and back (page); not an operator → 403.
pub async fn vendor_health(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let json = wants_json(&headers);
    let Some(Extension(CurrentUser(user))) = user else {
        return Ok(if json {
            refusal(StatusCode::UNAUTHORIZED, "unauthorized")
        } else {
            Redirect::to(&routes::login_with_next(routes::HEALTH_VENDORS)).into_response()
        });
    };
    let operator = state
        .is_operator(&user)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("operator check failed: {e:?}")))?;
    if !operator {
        return Ok(if json {
            refusal(StatusCode::FORBIDDEN, "forbidden")
        } else {
            (StatusCode::FORBIDDEN, Html(page::forbidden())).into_response()
        });
    }
    let now = OffsetDateTime::now_utc();
    let report = health_report(&state.connections.catalog, &state.connections.engine, now);
    Ok(if json {
        Json(HealthJson {
            scope: SCOPE,
            generated_at: rfc3339(now),
            vendors: report.iter().map(to_json).collect(),
        })
        .into_response()
    } else {
        Html(page::report(&report, now)).into_response()
    })
}

fn refusal(status: StatusCode, error: &'static str) -> Response {
    (status, Json(serde_json::json!({ "error": error }))).into_response()
}

fn to_json(h: &VendorHealth) -> VendorHealthJson {
    VendorHealthJson {
        vendor: h.vendor.clone(),
        name: h.name.clone(),
        category: h.category.clone(),
        status: h.status.as_str(),
        consecutive_failures: h.consecutive_failures,
        last_error_class: h.last_error_class,
        last_success_at: h.last_success_at.map(rfc3339),
        last_failure_at: h.last_failure_at.map(rfc3339),
        successes: h.successes,
        failures: h.failures,
        breakers: BreakersJson {
            open: h.breakers_open,
            half_open: h.breakers_half_open,
        },
    }
}

/// The HTML page: the portal's stylesheet and classes, every value escaped.
mod page {
    use std::fmt::Write as _;

    use domain::{
        vendors::{HealthStatus, VendorHealth},
        OffsetDateTime,
    };

    use super::{rfc3339, routes, SCOPE};

    fn escape(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    }

    fn document(title: &str, main: &str) -> String {
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"color-scheme\" content=\"light dark\">\
             <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
             <link rel=\"stylesheet\" href=\"/pkg/mcp-gateway.css\">\
             <title>{title} · MCP Gateway</title></head><body>\
             <a class=\"skip-link\" href=\"#main\">Skip to content</a>\
             <header class=\"topbar\"><div class=\"topbar-inner\">\
             <a class=\"brand\" href=\"{settings}\"><span class=\"brand-mark\" aria-hidden=\"true\"></span>\
             <span>MCP Gateway</span></a>\
             <nav class=\"mainnav\" aria-label=\"Main\"><a href=\"{settings}\">Settings</a>\
             <a href=\"{catalog}\">Catalog</a><a href=\"{admin}\">Admin</a></nav>\
             </div></header>\
             <main id=\"main\" class=\"container\" tabindex=\"-1\">{main}</main></body></html>",
            title = escape(title),
            settings = routes::SETTINGS,
            catalog = routes::CATALOG,
            admin = routes::ADMIN,
        )
    }

    /// The page shown to a signed-in user who is not an operator.
    pub(super) fn forbidden() -> String {
        document(
            "Vendor health",
            "<div class=\"page-header\"><h1>Vendor health</h1></div>\
             <div class=\"alert alert-warning\" role=\"alert\"><p>Only the gateway's operators \
             can see vendor health.</p></div>",
        )
    }

    fn time_cell(t: Option<OffsetDateTime>) -> String {
        match t {
            Some(t) => {
                let text = rfc3339(t);
                format!("<time datetime=\"{text}\">{text}</time>")
            }
            None => "<span class=\"muted\">never</span>".into(),
        }
    }

    fn badge(status: HealthStatus) -> &'static str {
        match status {
            HealthStatus::Ok => "badge badge-success",
            HealthStatus::Failing | HealthStatus::Paused => "badge badge-warning",
            HealthStatus::Idle => "badge badge-muted",
        }
    }

    /// The report as a table.
    pub(super) fn report(vendors: &[VendorHealth], now: OffsetDateTime) -> String {
        let mut rows = String::new();
        for h in vendors {
            let _ = write!(
                rows,
                "<tr id=\"health-{slug}\"><th scope=\"row\">{name} <span class=\"muted mono\">{slug}</span></th>\
                 <td><span class=\"{badge}\">{status}</span></td><td>{failures_in_a_row}</td>\
                 <td class=\"mono\">{class}</td><td>{success}</td><td>{failure}</td>\
                 <td>{open} / {half_open}</td><td>{ok} / {failed}</td></tr>",
                slug = escape(&h.vendor),
                name = escape(&h.name),
                badge = badge(h.status),
                status = h.status.as_str(),
                failures_in_a_row = h.consecutive_failures,
                class = escape(h.last_error_class.unwrap_or("—")),
                success = time_cell(h.last_success_at),
                failure = time_cell(h.last_failure_at),
                open = h.breakers_open,
                half_open = h.breakers_half_open,
                ok = h.successes,
                failed = h.failures,
            );
        }
        let main = format!(
            "<div class=\"page-header\"><h1>Vendor health</h1>\
             <p class=\"muted\">What checks and tool calls of every connection said, per vendor: \
             {scope} (as of {now}). Other replicas keep their own. Never credentials, connections \
             or customer data. The same as JSON: ask with <span class=\"mono\">Accept: application/json</span>.</p></div>\
             <section class=\"card\" aria-labelledby=\"vendors-title\"><h2 id=\"vendors-title\">Vendors</h2>\
             <div class=\"table-scroll\" role=\"region\" aria-labelledby=\"vendors-title\" tabindex=\"0\">\
             <table class=\"table\" id=\"vendor-health\"><thead><tr>\
             <th scope=\"col\">Vendor</th><th scope=\"col\">Status</th>\
             <th scope=\"col\">Failures in a row</th><th scope=\"col\">Last error</th>\
             <th scope=\"col\">Last success</th><th scope=\"col\">Last failure</th>\
             <th scope=\"col\">Breakers open / half-open</th>\
             <th scope=\"col\">Succeeded / failed</th></tr></thead><tbody>{rows}</tbody></table>\
             </div></section>",
            scope = SCOPE,
            now = rfc3339(now),
        );
        document("Vendor health", &main)
    }

    #[cfg(test)]
    mod tests {
        #![allow(clippy::unwrap_used, clippy::expect_used)]

        use super::*;

        #[test]
        fn values_are_escaped() {
            let vendor = VendorHealth {
                vendor: "x".into(),
                name: "<script>alert(1)</script> & \"co\"".into(),
                category: "c".into(),
                status: HealthStatus::Idle,
                consecutive_failures: 0,
                last_error_class: None,
                last_success_at: None,
                last_failure_at: None,
                successes: 0,
                failures: 0,
                breakers_open: 0,
                breakers_half_open: 0,
            };
            let html = report(&[vendor], OffsetDateTime::UNIX_EPOCH);
            assert!(!html.contains("<script>"));
            assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;"));
        }
    }
}
