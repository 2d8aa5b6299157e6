//! SentinelOne fake (one console, API under `/web/api/v2.1`): `Authorization: ApiToken <token>`
//! only (a `Bearer` token or a bare token is refused with 401 `{errors: [...]}`), lists paged with
//! `limit` (1–1000, default 10) and `cursor`, answering `{data, pagination: {totalItems,
//! nextCursor}}` with `nextCursor: null` on the last page, sites (`data.sites`), agents and threats
//! (filters, `ids`), threat notes, activities, and the threat actions `incident`, `notes` and
//! `mitigate/{action}` with their `{filter: {ids}, data}` bodies (`{data: {affected}}`). Query
//! parameters and body members outside the documented ones are answered 400.

use std::net::SocketAddr;

use axum::{http::StatusCode, response::Response};
use base64::Engine as _;
use serde_json::{json, Value};

use crate::common::{self, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};
use crate::strict;

/// The console the fake stands for (the connect form's URL).
pub const CONSOLE_URL: &str = "https://usea1-acme.sentinelone.net";
/// The API token the fake accepts.
pub const API_TOKEN: &str = "eyJraWQiOiJmYWtlIn0.fake-s1-service-user-token.0123456789";

const PREFIX: &str = "/web/api/v2.1/";
const INCIDENT: [&str; 3] = ["unresolved", "in_progress", "resolved"];
const VERDICTS: [&str; 4] = ["true_positive", "false_positive", "suspicious", "undefined"];

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: vec![CONSOLE_URL.into()],
            data: seed(),
            handle,
            exempt: |_| false,
            credential: |r| {
                r.header("authorization")
                    .and_then(|a| a.strip_prefix("ApiToken "))
                    .map(str::to_owned)
            },
        },
        options,
        addr,
    )
    .await
}

fn site(i: u64) -> (String, String) {
    let name = if i == 3 {
        "Acme Dental".to_owned()
    } else {
        format!("Customer {i:02}")
    };
    (format!("15000000000000001{i:02}"), name)
}

fn seed() -> Value {
    let sites: Vec<Value> = (1..=5u64)
        .map(|i| {
            let (id, name) = site(i);
            json!({"id": id, "name": name, "accountName": "Example MSP", "accountId": "1400000000000000001", "state": "active",
                "siteType": "Paid", "activeLicenses": 10 + i, "totalLicenses": 25, "createdAt": "2025-01-01T09:00:00.000000Z"})
        })
        .collect();
    let agents: Vec<Value> = (1..=12u64)
        .map(|i| {
            let (site_id, site_name) = site((i % 3) + 2);
            json!({"id": format!("16000000000000002{i:02}"), "uuid": format!("agent-uuid-{i}"),
                "computerName": if i == 1 { "RECEPTION-PC".to_owned() } else { format!("WS-{i:03}") }, "siteId": site_id, "siteName": site_name,
                "accountName": "Example MSP", "domain": "CORP", "osName": "Windows 11 Pro", "osRevision": "22631", "machineType": "desktop",
                "agentVersion": "24.1.4.257", "isActive": i % 4 != 0, "infected": i % 3 == 0, "activeThreats": u64::from(i % 3 == 0),
                "networkStatus": "connected", "mitigationMode": "protect", "lastLoggedInUserName": format!("user{i}"),
                "networkInterfaces": [{"name": "Ethernet", "inet": [format!("10.5.0.{i}")]}], "lastIpToMgmt": format!("10.5.0.{i}"),
                "lastActiveDate": "2026-05-31T23:50:00.000000Z"})
        })
        .collect();
    let threats: Vec<Value> = (1..=9u64)
        .map(|i| {
            let (site_id, site_name) = site((i % 3) + 2);
            json!({"id": format!("17000000000000003{i:02}"),
                "threatInfo": {"threatName": format!("malware-{i}.exe"), "classification": "Malware", "confidenceLevel": "malicious",
                    "incidentStatus": if i % 3 == 0 { "resolved" } else { "unresolved" }, "analystVerdict": "undefined",
                    "mitigationStatus": if i == 2 { "not_mitigated" } else { "mitigated" }, "filePath": format!("C:\\Users\\user{i}\\Downloads\\malware-{i}.exe"),
                    "sha1": format!("{i:040}"), "storyline": format!("STORY{i:04}"), "initiatedBy": "agent_policy",
                    "createdAt": "2026-05-31T10:00:00.000000Z"},
                "agentRealtimeInfo": {"agentComputerName": format!("WS-{i:03}"), "agentId": format!("16000000000000002{i:02}"),
                    "siteId": site_id, "siteName": site_name},
                "mitigationStatus": [{"action": "quarantine", "status": "success"}]})
        })
        .collect();
    let notes = vec![
        json!({"id": "1800000000000000401", "threatId": "1700000000000000301", "text": "Looking into it.",
        "creator": "Alex Tech", "createdAt": "2026-05-31T11:00:00.000000Z"}),
    ];
    let activities: Vec<Value> = (1..=15u64)
        .map(|i| json!({"id": format!("19000000000000005{i:02}"), "activityType": 19, "primaryDescription": format!("Threat detected on WS-{:03}", (i % 9) + 1),
            "secondaryDescription": "malware.exe", "siteId": site((i % 3) + 2).0, "siteName": site((i % 3) + 2).1,
            "agentId": format!("16000000000000002{:02}", (i % 9) + 1), "threatId": format!("17000000000000003{:02}", (i % 9) + 1),
            "createdAt": "2026-05-31T10:00:00.000000Z"}))
        .collect();
    json!({"sites": sites, "agents": agents, "threats": threats, "notes": notes, "activities": activities})
}

fn error(status: StatusCode, code: u32, title: &str, detail: &str) -> Response {
    common::json(
        status,
        json!({"errors": [{"code": code, "title": title, "detail": detail}]}),
    )
}

fn bad_request(detail: &str) -> Response {
    error(StatusCode::BAD_REQUEST, 4000010, "Validation Error", detail)
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        4040010,
        "Resource not found",
        "The requested resource was not found",
    )
}

/// A filter: the query parameter, the pointer it compares, and how (`Eq` one of the
/// comma-separated values, `Contains` a substring).
enum By {
    Eq(&'static str, &'static str),
    Contains(&'static str, &'static str),
}

impl By {
    fn param(&self) -> &'static str {
        match self {
            By::Eq(p, _) | By::Contains(p, _) => p,
        }
    }

    fn keeps(&self, item: &Value, want: &str) -> bool {
        match self {
            By::Eq(_, at) => {
                let v = item.pointer(at).unwrap_or(&Value::Null);
                let text = v
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string());
                want.split(',').any(|w| w == text)
            }
            By::Contains(_, at) => item
                .pointer(at)
                .and_then(Value::as_str)
                .is_some_and(|v| v.to_lowercase().contains(&want.to_lowercase())),
        }
    }
}

fn list(
    shared: &Shared,
    req: &Req,
    items: Vec<Value>,
    filters: &[By],
    nest: Option<&str>,
) -> Response {
    let mut allowed = vec!["limit", "cursor"];
    allowed.extend(filters.iter().map(By::param));
    if let Some(why) = strict::unexpected_param(req, &allowed) {
        return bad_request(&why);
    }
    let asked = req.query.get("limit");
    if asked.is_some_and(|l| !l.parse::<usize>().is_ok_and(|n| (1..=1000).contains(&n))) {
        return bad_request("limit: Must be between 1 and 1000.");
    }
    let size = page_size(shared, asked, 10);
    let offset = match req.query.get("cursor") {
        None => 0,
        Some(c) => match base64::engine::general_purpose::STANDARD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        {
            Some(o) => o,
            None => return bad_request("cursor: Invalid cursor."),
        },
    };
    let matching: Vec<Value> = items
        .into_iter()
        .filter(|i| {
            filters
                .iter()
                .all(|f| req.query.get(f.param()).is_none_or(|w| f.keeps(i, w)))
        })
        .collect();
    let page: Vec<Value> = matching.iter().skip(offset).take(size).cloned().collect();
    let next = (offset + size < matching.len()).then(|| {
        base64::engine::general_purpose::STANDARD.encode(format!("offset:{}", offset + size))
    });
    let data = match nest {
        Some(member) => {
            json!({"allSites": {"activeLicenses": 60, "totalLicenses": 125}, member: page})
        }
        None => Value::Array(page),
    };
    common::json(
        StatusCode::OK,
        json!({"data": data, "pagination": {"totalItems": matching.len(), "nextCursor": next}}),
    )
}

fn all(shared: &Shared, collection: &str) -> Vec<Value> {
    lock(&shared.data)[collection]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn handle(shared: &Shared, req: &Req) -> Response {
    let token = req
        .header("authorization")
        .and_then(|a| a.strip_prefix("ApiToken "));
    if token != Some(API_TOKEN) {
        return error(
            StatusCode::UNAUTHORIZED,
            4010010,
            "Authentication Failed",
            "Invalid token",
        );
    }
    let Some(seg) = strict::segments_after(req, PREFIX) else {
        return not_found();
    };
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["sites"]) => list(
            shared,
            req,
            all(shared, "sites"),
            &[By::Eq("name", "/name")],
            Some("sites"),
        ),
        ("GET", ["agents"]) => list(
            shared,
            req,
            all(shared, "agents"),
            &[
                By::Eq("ids", "/id"),
                By::Eq("siteIds", "/siteId"),
                By::Contains("computerName__contains", "/computerName"),
                By::Eq("infected", "/infected"),
                By::Eq("isActive", "/isActive"),
            ],
            None,
        ),
        ("GET", ["threats"]) => {
            if req
                .query
                .get("incidentStatuses")
                .is_some_and(|s| !s.split(',').all(|s| INCIDENT.contains(&s)))
            {
                return bad_request("incidentStatuses: Not a valid choice.");
            }
            list(
                shared,
                req,
                all(shared, "threats"),
                &[
                    By::Eq("ids", "/id"),
                    By::Eq("siteIds", "/agentRealtimeInfo/siteId"),
                    By::Eq("incidentStatuses", "/threatInfo/incidentStatus"),
                    By::Contains(
                        "computerName__contains",
                        "/agentRealtimeInfo/agentComputerName",
                    ),
                ],
                None,
            )
        }
        ("GET", ["threats", id, "notes"]) => {
            if !all(shared, "threats").iter().any(|t| t["id"] == *id) {
                return not_found();
            }
            let notes = all(shared, "notes")
                .into_iter()
                .filter(|n| n["threatId"] == *id)
                .collect();
            list(shared, req, notes, &[], None)
        }
        ("GET", ["activities"]) => list(
            shared,
            req,
            all(shared, "activities"),
            &[
                By::Eq("siteIds", "/siteId"),
                By::Eq("agentIds", "/agentId"),
                By::Eq("threatIds", "/threatId"),
            ],
            None,
        ),
        ("POST", ["threats", "incident"]) => threat_action(
            shared,
            req,
            &["incidentStatus", "analystVerdict"],
            |t, data| {
                if let Some(s) = data.get("incidentStatus") {
                    t["threatInfo"]["incidentStatus"] = s.clone();
                }
                if let Some(v) = data.get("analystVerdict") {
                    t["threatInfo"]["analystVerdict"] = v.clone();
                }
            },
        ),
        ("POST", ["threats", "notes"]) => add_note(shared, req),
        ("POST", ["threats", "mitigate", action])
            if [
                "kill",
                "quarantine",
                "remediate",
                "rollback-remediation",
                "un-quarantine",
            ]
            .contains(action) =>
        {
            let action = (*action).to_owned();
            threat_action(shared, req, &[], move |t, _| {
                t["mitigationStatus"] = json!([{"action": action, "status": "pending"}]);
            })
        }
        _ => not_found(),
    }
}

/// A threat action's target ids and its `data` members.
type ActionBody = (Vec<String>, serde_json::Map<String, Value>);

/// The `{filter: {ids}, data}` body of a threat action, checked: ids present and known, `data`
/// members among `data_members` (no `data` at all when that is empty). The error is the 400
/// message, or `None` for an unknown threat (404).
fn action_body(
    shared: &Shared,
    req: &Req,
    data_members: &[&str],
) -> Result<ActionBody, Option<String>> {
    if !req.query.is_empty() {
        return Err(Some("This endpoint takes no query parameters.".into()));
    }
    let body = strict::json_object(req).map_err(Some)?;
    let allowed: &[&str] = if data_members.is_empty() {
        &["filter"]
    } else {
        &["filter", "data"]
    };
    if let Some(why) = strict::unexpected_member(&body, allowed) {
        return Err(Some(why));
    }
    let ids: Vec<String> = body
        .get("filter")
        .and_then(|f| f.get("ids"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(Some("filter: A filter by ids is required.".into()));
    }
    let data = body
        .get("data")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if !data_members.is_empty() {
        if data.is_empty() {
            return Err(Some("data: Missing data field.".into()));
        }
        if let Some(why) = strict::unexpected_member(&data, data_members) {
            return Err(Some(why));
        }
    }
    let valid = data
        .get("incidentStatus")
        .is_none_or(|s| strict::one_of(s, &INCIDENT))
        && data
            .get("analystVerdict")
            .is_none_or(|v| strict::one_of(v, &VERDICTS))
        && data.get("text").is_none_or(Value::is_string);
    if !valid {
        return Err(Some("data: Not a valid choice.".into()));
    }
    let known = all(shared, "threats");
    if !ids
        .iter()
        .all(|id| known.iter().any(|t| t["id"] == id.as_str()))
    {
        return Err(None);
    }
    Ok((ids, data))
}

fn threat_action(
    shared: &Shared,
    req: &Req,
    data_members: &[&str],
    apply: impl Fn(&mut Value, &serde_json::Map<String, Value>),
) -> Response {
    let (ids, data) = match action_body(shared, req, data_members) {
        Ok(parts) => parts,
        Err(Some(why)) => return bad_request(&why),
        Err(None) => return not_found(),
    };
    let mut state = lock(&shared.data);
    let mut affected = 0;
    for threat in state["threats"].as_array_mut().into_iter().flatten() {
        if threat["id"]
            .as_str()
            .is_some_and(|id| ids.iter().any(|i| i == id))
        {
            apply(threat, &data);
            affected += 1;
        }
    }
    common::json(StatusCode::OK, json!({"data": {"affected": affected}}))
}

fn add_note(shared: &Shared, req: &Req) -> Response {
    let (ids, data) = match action_body(shared, req, &["text"]) {
        Ok(parts) => parts,
        Err(Some(why)) => return bad_request(&why),
        Err(None) => return not_found(),
    };
    let Some(text) = data.get("text").and_then(Value::as_str) else {
        return bad_request("data.text: Missing data for required field.");
    };
    let mut state = lock(&shared.data);
    let Some(notes) = state["notes"].as_array_mut() else {
        return not_found();
    };
    for id in &ids {
        let n = notes.len() + 1;
        notes.push(json!({"id": format!("18000000000000004{n:02}"), "threatId": id, "text": text, "creator": "API",
            "createdAt": "2026-06-01T12:00:00.000000Z"}));
    }
    common::json(StatusCode::OK, json!({"data": {"affected": ids.len()}}))
}
