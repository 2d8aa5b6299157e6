//! Huntress fake (API under `/v1`): HTTP basic with `<API key>:<API secret>` only, lists sorted
//! by id descending and paged with `limit` (1–500, default 10) and `page_token`, each answer
//! carrying `pagination.next_page_token` and `next_page_url` while another page exists (an empty
//! `pagination` on the last), the account, organizations, agents, incident reports (resolution
//! only of a `sent` report whose remediations are approved: 422 / 409 otherwise), escalations
//! (resolution with the optional `determination` and `scope`) and signals. Query parameters
//! and body members outside the documented ones are answered 400.

use std::net::SocketAddr;

use axum::{http::StatusCode, response::Response};
use base64::Engine as _;
use serde_json::{json, Value};

use crate::common::{self, id_is, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};
use crate::strict;

/// The API key (public part) the fake accepts.
pub const API_KEY: &str = "hk_fake0123456789abcdef";
/// Its API secret.
pub const API_SECRET: &str = "hs_fake_secret_0123456789abcdef";

const PREFIX: &str = "/v1/";
const SEVERITIES: [&str; 3] = ["low", "high", "critical"];

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: vec!["https://api.huntress.io".into()],
            data: seed(),
            handle,
            exempt: |_| false,
            credential: |r| basic(r).map(|(_, secret)| secret),
        },
        options,
        addr,
    )
    .await
}

fn org_name(i: u64) -> String {
    if i == 3 {
        "Acme Dental".to_owned()
    } else {
        format!("Org {i:02}")
    }
}

fn seed() -> Value {
    let orgs: Vec<Value> = (1..=12u64)
        .map(|i| json!({"id": i, "account_id": 1, "name": org_name(i), "key": format!("org{i:02}"), "agents_count": 8,
            "incident_reports_count": 4, "logs_sources_count": 0, "billable_identity_count": 25,
            "report_recipients": ["it@msp.example"], "created_at": "2025-01-01T09:00:00Z", "updated_at": "2026-01-01T09:00:00Z"}))
        .collect();
    let agents: Vec<Value> = (1..=24u64)
        .map(|i| json!({"id": 100 + i, "account_id": 1, "organization_id": (i % 3) + 2, "hostname": format!("host-{i:02}"),
            "domain_name": "CORP", "platform": if i % 4 == 0 { "darwin" } else { "windows" }, "os": "Windows 11 Pro",
            "os_build_version": "22631", "version": "0.14.8", "edr_version": "0.3.20", "serial_number": format!("HX{i:05}"),
            "ipv4_address": format!("10.4.0.{i}"), "external_ip": "198.51.100.42", "mac_addresses": ["00:11:22:33:44:55"],
            "defender_status": "Healthy", "defender_substatus": "Up to date", "defender_policy_status": "Compliant",
            "firewall_status": "Enabled", "tamper_protection_actual": true, "tags": [],
            "last_callback_at": "2026-05-31T23:55:00Z", "last_survey_at": "2026-05-31T12:00:00Z"}))
        .collect();
    let reports: Vec<Value> = (1..=12u64)
        .map(|i| json!({"id": 9000 + i, "account_id": 1, "agent_id": 100 + i, "organization_id": (i % 3) + 2,
            "subject": if i == 1 { "CRITICAL - Incident on host-01 (Acme Dental)".to_owned() } else { format!("Incident {i}") },
            "summary": "A malicious scheduled task was found and removed.", "body": "<p>Remediation steps…</p>",
            "severity": SEVERITIES[(i % 3) as usize], "status": if i % 4 == 0 { "closed" } else { "sent" }, "platform": "windows",
            "indicator_types": ["footholds"], "indicator_counts": {"footholds": 1},
            "remediations": [{"id": i, "type": "assisted", "status": if i == 2 { "pending" } else { "approved" }}],
            "sent_at": "2026-05-30T10:00:00Z", "closed_at": null, "updated_at": "2026-05-30T10:00:00Z"}))
        .collect();
    let escalations: Vec<Value> = (84930..=84940u64)
        .map(|i| json!({"id": i, "account": {"id": 1, "name": "Example MSP"}, "organizations": [{"id": 3, "name": "Acme Dental"}],
            "subject": if i == 84938 { "Unexpected country access" } else { "Defender disabled" },
            "type": if i == 84938 { "unwanted_access" } else { "defender_disabled" }, "subtype": if i == 84938 { "RU" } else { "" },
            "severity": "high", "status": if i % 5 == 0 { "resolved" } else { "open" }, "created_at": "2026-05-31T08:00:00Z",
            "resolved_at": null, "updated_at": "2026-05-31T08:00:00Z"}))
        .collect();
    let signals: Vec<Value> = (1..=8u64)
        .map(|i| json!({"id": i, "name": format!("Suspicious process {i}"), "type": "Process Insights",
            "status": if i % 2 == 0 { "closed" } else { "reported" }, "entity": {"type": "agent", "id": 100 + i},
            "organization": {"id": (i % 3) + 2, "name": org_name((i % 3) + 2)}, "investigated_at": "2026-05-31T09:00:00Z",
            "created_at": "2026-05-31T08:30:00Z"}))
        .collect();
    json!({"account": {"id": 1, "name": "Example MSP", "subdomain": "examplemsp", "status": "enabled"},
        "organizations": orgs, "agents": agents, "incident_reports": reports, "escalations": escalations, "signals": signals})
}

/// The `(key, secret)` of a well-formed `Authorization: Basic` header.
fn basic(req: &Req) -> Option<(String, String)> {
    let encoded = req.header("authorization")?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (key, secret) = text.split_once(':')?;
    Some((key.to_owned(), secret.to_owned()))
}

fn error(status: StatusCode, message: &str) -> Response {
    common::json(status, json!({"status": status.as_u16(), "error": message}))
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found")
}

/// A page of `collection`, filtered by `filters` (query parameter, item key, allowed values;
/// none: any), sorted by id descending.
fn list(
    shared: &Shared,
    req: &Req,
    collection: &str,
    filters: &[(&str, &str, &[&str])],
) -> Response {
    let mut allowed = vec!["limit", "page_token"];
    allowed.extend(filters.iter().map(|(p, _, _)| *p));
    if let Some(why) = strict::unexpected_param(req, &allowed) {
        return error(StatusCode::BAD_REQUEST, &why);
    }
    for (param, _, options) in filters {
        if let Some(v) = req.query.get(*param) {
            if !options.is_empty() && !options.contains(&v.as_str()) {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("{param} does not have a valid value"),
                );
            }
        }
    }
    let asked = req.query.get("limit");
    if asked.is_some_and(|l| !l.parse::<usize>().is_ok_and(|n| (1..=500).contains(&n))) {
        return error(StatusCode::BAD_REQUEST, "limit must be between 1 and 500");
    }
    let size = page_size(shared, asked, 10);
    let offset = match req.query.get("page_token") {
        None => 0,
        Some(t) => match decode_token(t) {
            Some(o) => o,
            None => return error(StatusCode::BAD_REQUEST, "page_token is invalid"),
        },
    };
    let mut items: Vec<Value> = lock(&shared.data)[collection]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|item| {
            filters.iter().all(|(param, key, _)| {
                req.query.get(*param).is_none_or(|want| {
                    let v = item.pointer(key).unwrap_or(&Value::Null);
                    id_is(v, want) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(want))
                })
            })
        })
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i["id"].as_u64().unwrap_or(0)));
    let page: Vec<Value> = items.iter().skip(offset).take(size).cloned().collect();
    let mut pagination = json!({});
    if offset + size < items.len() {
        let token = encode_token(offset + size);
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &req.query {
            if k != "page_token" {
                q.append_pair(k, v);
            }
        }
        q.append_pair("page_token", &token);
        pagination = json!({"next_page_token": token,
            "next_page_url": format!("{}{}?{}", shared.public_origin, req.path, q.finish())});
    }
    common::json(
        StatusCode::OK,
        json!({ collection: page, "pagination": pagination }),
    )
}

fn encode_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_token(token: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

fn show(shared: &Shared, req: &Req, collection: &str, id: &str, member: &str) -> Response {
    if let Some(why) = strict::unexpected_param(req, &[]) {
        return error(StatusCode::BAD_REQUEST, &why);
    }
    lock(&shared.data)[collection]
        .as_array()
        .and_then(|a| a.iter().find(|i| id_is(&i["id"], id)))
        .map_or_else(not_found, |i| {
            common::json(StatusCode::OK, json!({ member: i }))
        })
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if basic(req) != Some((API_KEY.to_owned(), API_SECRET.to_owned())) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Unable to authenticate the API credential",
        );
    }
    let Some(seg) = strict::segments_after(req, PREFIX) else {
        return not_found();
    };
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    let statuses: &[&str] = &[
        "sent",
        "closed",
        "dismissed",
        "auto_remediating",
        "deleting",
        "partner_dismissed",
    ];
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["account"]) => common::json(
            StatusCode::OK,
            json!({"account": lock(&shared.data)["account"]}),
        ),
        ("GET", ["organizations"]) => list(shared, req, "organizations", &[("name", "/name", &[])]),
        ("GET", ["organizations", id]) => show(shared, req, "organizations", id, "organization"),
        ("GET", ["agents"]) => list(
            shared,
            req,
            "agents",
            &[
                ("organization_id", "/organization_id", &[]),
                ("platform", "/platform", &["windows", "darwin", "linux"]),
                ("hostname", "/hostname", &[]),
            ],
        ),
        ("GET", ["agents", id]) => show(shared, req, "agents", id, "agent"),
        ("GET", ["incident_reports"]) => list(
            shared,
            req,
            "incident_reports",
            &[
                ("status", "/status", statuses),
                ("severity", "/severity", &SEVERITIES),
                ("organization_id", "/organization_id", &[]),
                ("agent_id", "/agent_id", &[]),
            ],
        ),
        ("GET", ["incident_reports", id]) => {
            show(shared, req, "incident_reports", id, "incident_report")
        }
        ("POST", ["incident_reports", id, "resolution"]) => resolve_report(shared, req, id),
        ("GET", ["escalations"]) => list(
            shared,
            req,
            "escalations",
            &[
                ("status", "/status", &["open", "overdue", "resolved"]),
                ("severity", "/severity", &SEVERITIES),
                ("organization_id", "/organizations/0/id", &[]),
            ],
        ),
        ("GET", ["escalations", id]) => show(shared, req, "escalations", id, "escalation"),
        ("POST", ["escalations", id, "resolution"]) => resolve_escalation(shared, req, id),
        ("GET", ["signals"]) => list(
            shared,
            req,
            "signals",
            &[
                ("organization_id", "/organization/id", &[]),
                ("statuses", "/status", &["reported", "closed"]),
            ],
        ),
        _ => not_found(),
    }
}

fn resolve_report(shared: &Shared, req: &Req, id: &str) -> Response {
    if !req.query.is_empty() || !req.body.is_empty() {
        return error(StatusCode::BAD_REQUEST, "This endpoint takes no parameters");
    }
    let mut data = lock(&shared.data);
    let Some(report) = data["incident_reports"]
        .as_array_mut()
        .and_then(|a| a.iter_mut().find(|r| id_is(&r["id"], id)))
    else {
        return not_found();
    };
    if report["status"] != "sent" {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Incident Report cannot be resolved unless report status is 'sent'.",
        );
    }
    let approved = report["remediations"]
        .as_array()
        .is_none_or(|r| r.iter().all(|r| r["status"] == "approved"));
    if !approved {
        return error(StatusCode::CONFLICT, "Incident Report cannot be resolved. Confirm that all remediations are approved and report status is 'sent'.");
    }
    report["status"] = json!("closed");
    report["closed_at"] = json!("2026-06-01T12:00:00Z");
    common::json(StatusCode::CREATED, json!({"incident_report": report}))
}

fn resolve_escalation(shared: &Shared, req: &Req, id: &str) -> Response {
    let body = if req.body.is_empty() {
        serde_json::Map::new()
    } else {
        match strict::json_object(req) {
            Ok(b) => b,
            Err(why) => return error(StatusCode::BAD_REQUEST, &why),
        }
    };
    if let Some(why) = strict::unexpected_member(&body, &["determination", "scope"]) {
        return error(StatusCode::BAD_REQUEST, &why);
    }
    let valid = body
        .get("determination")
        .is_none_or(|d| strict::one_of(d, &["expected", "unauthorized"]))
        && body
            .get("scope")
            .is_none_or(|s| strict::one_of(s, &["account", "organization", "identity"]));
    if !valid {
        return error(StatusCode::BAD_REQUEST, "Invalid resolution parameters");
    }
    let mut data = lock(&shared.data);
    let Some(escalation) = data["escalations"]
        .as_array_mut()
        .and_then(|a| a.iter_mut().find(|e| id_is(&e["id"], id)))
    else {
        return not_found();
    };
    if escalation["status"] == "resolved" {
        return error(StatusCode::CONFLICT, "Escalation has already been resolved");
    }
    let method = match (escalation["type"].as_str(), body.is_empty()) {
        (Some("unwanted_access"), false) => "rule",
        (Some("unwanted_access"), true) => "dismiss",
        _ => "direct",
    };
    escalation["status"] = json!("resolved");
    escalation["resolved_at"] = json!("2026-06-01T12:00:00Z");
    common::json(
        StatusCode::CREATED,
        json!({"escalation": escalation, "resolution_method": method}),
    )
}
