//! ConnectWise Automate fake: the token exchange at `POST /cwa/api/v1/apitoken` (JSON
//! `{UserName, Password}` and the integration's `ClientId` header; the answer's `AccessToken`
//! lives an hour by the system clock, `ExpirationDate`), then `Authorization: Bearer` with a
//! token it issued plus the `ClientId` header on every call; DatabaseServerTime, clients,
//! locations, computers and their services, tickets, and the CommandExecute / CommandPrompt
//! writes. Lists are JSON arrays with `condition` (a small subset of Automate's filter
//! language: `Field = value`, `Field like '%x%'`, joined with `and`), `orderBy`, `pageSize` and
//! `page`; anything else is a 400.

use std::net::SocketAddr;

use axum::{http::StatusCode, response::Response};
use serde_json::{json, Value};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

use crate::common::{self, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};

/// The user name the fake accepts.
pub const USERNAME: &str = "gateway-api";
/// The password the fake accepts.
pub const PASSWORD: &str = "fake-automate-password-0123456789";
/// The integration ClientId the fake requires on the token request and every call.
pub const CLIENT_ID: &str = "0d3c1a2b-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
/// The server (real origin) the fake stands for in tests.
pub const SERVER: &str = "https://automate.msp.example";

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: vec![SERVER.into()],
            data: seed(),
            handle,
            exempt: |r| r.path == "/cwa/api/v1/apitoken",
            credential: |r| {
                r.header("authorization")
                    .and_then(|a| a.strip_prefix("Bearer "))
                    .map(str::to_owned)
            },
        },
        options,
        addr,
    )
    .await
}

const CLIENTS: [&str; 4] = ["Acme Dental", "Globex Legal", "Initech", "Umbrella Clinic"];

fn seed() -> Value {
    let clients: Vec<Value> = CLIENTS
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"Id": i + 1, "Name": name, "Address1": format!("{} Main Street", 10 + i),
            "City": "Springfield", "State": "IL", "Zip": "62701", "Phone": format!("555-010{i}"), "ExternalId": 174 + i}))
        .collect();
    let locations: Vec<Value> = (1..=6)
        .map(|i| {
            json!({"Id": 10 + i, "Name": if i % 2 == 0 { "Branch office" } else { "Head office" },
            "Client": {"Id": (i - 1) / 2 + 1, "Name": CLIENTS[(i - 1) / 2]}, "City": "Springfield"})
        })
        .collect();
    let computers: Vec<Value> = (1..=13)
        .map(|i| {
            let client = (i - 1) % 3;
            json!({"Id": 100 + i, "ComputerName": if i == 1 { "DC01".to_owned() } else { format!("WS-{i:03}") },
                "Client": {"Id": client + 1, "Name": CLIENTS[client]}, "Location": {"Id": 11 + client * 2, "Name": "Head office"},
                "Type": if i == 1 { "Server" } else { "Workstation" }, "Status": if i % 4 == 0 { "Offline" } else { "Online" },
                "OperatingSystemName": "Microsoft Windows 11 Pro x64", "OperatingSystemVersion": "10.0.22631", "DomainName": "CORP",
                "LocalIPAddress": format!("10.0.{client}.{i}"), "MACAddress": format!("00-1A-2B-3C-4D-{i:02X}"),
                "SerialNumber": format!("SN{i:06}"), "AssetTag": "", "TotalMemory": 16384, "FreeMemory": 6144,
                "LastUserName": format!("CORP\\user{i}"), "RemoteAgentLastContact": "2026-05-31T23:55:00Z",
                "IsRebootNeeded": i % 5 == 0, "IsMaintenanceModeEnabled": false, "IsVirtualMachine": i == 1, "Comment": "",
                "OpenPortsTCP": [135, 445], "UserAccounts": []})
        })
        .collect();
    let services: Vec<Value> = [("Spooler", "Print Spooler", "Running"), ("wuauserv", "Windows Update", "Stopped"),
        ("VeeamEndpointBackupSvc", "Veeam Agent", "Running"), ("LTService", "LabTech Service", "Running"),
        ("WinDefend", "Microsoft Defender Antivirus Service", "Running")]
        .iter()
        .map(|(n, d, s)| json!({"Name": n, "DisplayName": d, "State": s, "Startup": "Automatic", "ComputerId": 101}))
        .collect();
    let tickets: Vec<Value> = (1..=8)
        .map(|i| json!({"Id": 5000 + i, "Subject": if i % 2 == 0 { format!("Disk space low on WS-{i:03}") } else { format!("Agent offline: WS-{i:03}") },
            "Status": {"Id": if i % 3 == 0 { 4 } else { 1 }, "Name": if i % 3 == 0 { "Resolved" } else { "Open" }},
            "Priority": {"Id": 2, "Name": "Medium"}, "From": "monitor@automate.msp.example", "ComputerId": 100 + i,
            "SupportLevel": 1, "ExternalId": 0}))
        .collect();
    json!({"clients": clients, "locations": locations, "computers": computers, "services": services,
        "tickets": tickets, "tokens": [], "commands": []})
}

fn message(status: StatusCode, text: &str) -> Response {
    common::json(status, json!({"Message": text}))
}

/// `POST /cwa/api/v1/apitoken`: JSON credentials plus the ClientId header.
fn token(shared: &Shared, req: &Req) -> Response {
    if req.method != "POST" {
        return message(
            StatusCode::METHOD_NOT_ALLOWED,
            "The requested resource does not support this method.",
        );
    }
    if req.header("clientid") != Some(CLIENT_ID) {
        return message(
            StatusCode::BAD_REQUEST,
            "A valid ClientId header is required.",
        );
    }
    if !req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json"))
    {
        return message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The request entity's media type is not supported.",
        );
    }
    let body = req.json().unwrap_or(Value::Null);
    // .NET binds member names case-insensitively.
    let get = |name: &str| {
        body.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str())
        })
    };
    if get("UserName") != Some(USERNAME) || get("Password") != Some(PASSWORD) {
        return message(
            StatusCode::UNAUTHORIZED,
            "Username or password is incorrect.",
        );
    }
    let mut data = lock(&shared.data);
    let n = data["tokens"].as_array().map_or(0, Vec::len) + 1;
    let issued = format!("fake-automate-token-{n:04}");
    if let Some(tokens) = data["tokens"].as_array_mut() {
        tokens.push(json!(issued));
    }
    let expires = (OffsetDateTime::now_utc() + time::Duration::hours(1))
        .format(&Rfc3339)
        .unwrap_or_default();
    common::json(
        StatusCode::OK,
        json!({"AccessToken": issued, "TokenType": "Bearer", "ExpirationDate": expires, "UserId": "7", "IsTwoFactorRequired": false}),
    )
}

/// A field's value by dotted path (`Client.Id`), as text.
fn value_at(item: &Value, path: &str) -> Option<String> {
    let v = path.split('.').try_fold(item, |at, seg| at.get(seg))?;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The subset of conditions the fake evaluates: `A = v`, `A like '%x%'`, joined with `and`.
fn matches(item: &Value, condition: &str) -> Result<bool, String> {
    for part in condition.split(" and ") {
        let part = part.trim();
        let (field, op, want) = if let Some((f, v)) = part.split_once(" like ") {
            (f.trim(), "like", v.trim())
        } else if let Some((f, v)) = part.split_once('=') {
            (f.trim(), "=", v.trim())
        } else {
            return Err(format!("Unable to parse condition near '{part}'"));
        };
        let want = want.trim_matches('\'');
        let have = value_at(item, field).ok_or_else(|| format!("Invalid field '{field}'"))?;
        let ok = match op {
            "like" => have
                .to_lowercase()
                .contains(&want.trim_matches('%').to_lowercase()),
            _ => have.eq_ignore_ascii_case(want),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn list(shared: &Shared, req: &Req, items: Vec<Value>) -> Response {
    if let Some(bad) = req
        .query
        .keys()
        .find(|k| !matches!(k.as_str(), "condition" | "orderBy" | "pageSize" | "page"))
    {
        return message(
            StatusCode::BAD_REQUEST,
            &format!("The query parameter '{bad}' is not valid."),
        );
    }
    let mut kept = Vec::new();
    for item in items {
        match req.query.get("condition").map(|c| matches(&item, c)) {
            None | Some(Ok(true)) => kept.push(item),
            Some(Ok(false)) => {}
            Some(Err(e)) => return message(StatusCode::BAD_REQUEST, &e),
        }
    }
    if let Some(order) = req.query.get("orderBy") {
        let (field, dir) = order.split_once(' ').unwrap_or((order, "asc"));
        kept.sort_by_key(|i| value_at(i, field).unwrap_or_default());
        if dir.eq_ignore_ascii_case("desc") {
            kept.reverse();
        }
    }
    let number: usize = match req.query.get("page").map(|p| p.parse::<usize>()) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        _ => {
            return message(
                StatusCode::BAD_REQUEST,
                "The page must be a positive number.",
            )
        }
    };
    let size = page_size(shared, req.query.get("pageSize"), 50);
    let page: Vec<Value> = kept
        .into_iter()
        .skip((number - 1) * size)
        .take(size)
        .collect();
    common::json(StatusCode::OK, Value::Array(page))
}

fn find(items: &Value, id: &str) -> Option<Value> {
    items
        .as_array()?
        .iter()
        .find(|i| common::id_is(&i["Id"], id))
        .cloned()
}

/// A queued command, as CommandExecute and CommandPrompt answer.
fn queue(shared: &Shared, computer: &str, command: Value) -> Response {
    let mut data = lock(&shared.data);
    let Some(commands) = data["commands"].as_array_mut() else {
        return message(StatusCode::INTERNAL_SERVER_ERROR, "No command queue.");
    };
    let id = 90_000 + commands.len() + 1;
    let entry = json!({"Id": id, "ComputerId": computer.parse::<u64>().unwrap_or(0), "Status": "Pending", "Output": "", "Request": command});
    commands.push(entry.clone());
    common::json(StatusCode::OK, entry)
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if req.path == "/cwa/api/v1/apitoken" {
        return token(shared, req);
    }
    let bearer = req
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap_or("");
    let known = lock(&shared.data)["tokens"]
        .as_array()
        .is_some_and(|t| t.iter().any(|x| x == bearer));
    if !known {
        return message(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
        );
    }
    if req.header("clientid") != Some(CLIENT_ID) {
        return message(
            StatusCode::BAD_REQUEST,
            "A valid ClientId header is required.",
        );
    }
    let data = lock(&shared.data).clone();
    let all = |k: &str| data[k].as_array().cloned().unwrap_or_default();
    let seg = req.segments();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    let one = |v: Option<Value>| match v {
        Some(v) => common::json(StatusCode::OK, v),
        None => message(
            StatusCode::NOT_FOUND,
            "The requested resource was not found.",
        ),
    };
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["cwa", "api", "v1", "DatabaseServerTime"]) => {
            common::json(StatusCode::OK, json!("2026-06-01T12:00:00"))
        }
        ("GET", ["cwa", "api", "v1", "Clients"]) => list(shared, req, all("clients")),
        ("GET", ["cwa", "api", "v1", "Clients", id]) => one(find(&data["clients"], id)),
        ("GET", ["cwa", "api", "v1", "Locations"]) => list(shared, req, all("locations")),
        ("GET", ["cwa", "api", "v1", "Computers"]) => list(shared, req, all("computers")),
        ("GET", ["cwa", "api", "v1", "Computers", id]) => one(find(&data["computers"], id)),
        ("GET", ["cwa", "api", "v1", "Computers", id, "Services"]) => {
            if find(&data["computers"], id).is_none() {
                return one(None);
            }
            let services = all("services")
                .into_iter()
                .filter(|s| common::id_is(&s["ComputerId"], id))
                .collect();
            list(shared, req, services)
        }
        ("GET", ["cwa", "api", "v1", "Tickets"]) => list(shared, req, all("tickets")),
        ("POST", ["cwa", "api", "v1", "Computers", id, "CommandExecute"]) => {
            let body = req.json().unwrap_or(Value::Null);
            let command_id = match &body["Command"]["Id"] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            if find(&data["computers"], id).is_none() {
                return one(None);
            }
            if !common::id_is(&body["ComputerId"], id)
                || command_id.is_empty()
                || !body["Parameters"].is_array()
            {
                return message(
                    StatusCode::BAD_REQUEST,
                    "ComputerId, Command.Id and Parameters are required.",
                );
            }
            queue(shared, id, body)
        }
        ("POST", ["cwa", "api", "v1", "Computers", id, "CommandPrompt"]) => {
            let body = req.json().unwrap_or(Value::Null);
            if find(&data["computers"], id).is_none() {
                return one(None);
            }
            if !body["CommandText"].is_string()
                || !body["UsePowerShell"].is_boolean()
                || !body["RunAsAdmin"].is_boolean()
            {
                return message(
                    StatusCode::BAD_REQUEST,
                    "CommandText, RunAsAdmin and UsePowerShell are required.",
                );
            }
            queue(shared, id, body)
        }
        _ => message(
            StatusCode::NOT_FOUND,
            "No HTTP resource was found that matches the request URI.",
        ),
    }
}
