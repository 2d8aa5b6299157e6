//! Auvik fake: HTTP Basic with the user's email and API key only, the `/v1` JSON:API of the
//! cluster regions (`auvikapi.{us1..,eu1..,au1,ca1}.my.auvik.com`): credential verification
//! (200, empty body), tenants, device / network / interface inventory, configuration backups,
//! alert history and alert dismissal. Lists page with `page[first]` and an opaque
//! `page[after]` cursor, the next page's absolute URL in `links.next`; filters the definition
//! does not send are refused with 400, as Auvik refuses unknown parameters.

use std::net::SocketAddr;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use serde_json::{json, Value};

use crate::common::{self, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};

/// The user name (email) the fake accepts.
pub const USERNAME: &str = "api@msp.example";
/// The API key the fake accepts.
pub const API_KEY: &str = "fake-auvik-key-0123456789abcdef";

/// The cluster regions the fake stands for.
pub const REGIONS: [&str; 8] = ["us1", "us2", "us3", "us4", "eu1", "eu2", "au1", "ca1"];

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: REGIONS
                .iter()
                .map(|r| format!("https://auvikapi.{r}.my.auvik.com"))
                .collect(),
            data: seed(),
            handle,
            exempt: |_| false,
            credential: |r| {
                r.header("authorization")
                    .and_then(|a| a.strip_prefix("Basic "))
                    .map(str::to_owned)
            },
        },
        options,
        addr,
    )
    .await
}

fn resource(kind: &str, id: String, attributes: Value, tenant: &str) -> Value {
    json!({"type": kind, "id": id, "attributes": attributes,
        "relationships": {"tenant": {"data": {"type": "tenants", "id": tenant}}}})
}

const TENANTS: [&str; 3] = ["100001", "100002", "100003"];
const TYPES: [&str; 4] = ["switch", "firewall", "accessPoint", "server"];

fn seed() -> Value {
    let tenants = json!([
        {"type": "tenants", "id": "100000", "attributes": {"domainPrefix": "examplemsp", "displayName": "Example MSP", "tenantType": "multiClient"}},
        {"type": "tenants", "id": "100001", "attributes": {"domainPrefix": "acme", "displayName": "Acme Dental", "tenantType": "client"}},
        {"type": "tenants", "id": "100002", "attributes": {"domainPrefix": "globex", "displayName": "Globex Legal", "tenantType": "client"}},
        {"type": "tenants", "id": "100003", "attributes": {"domainPrefix": "initech", "displayName": "Initech", "tenantType": "client"}},
    ]);
    let devices: Vec<Value> = (1..=14)
        .map(|i| {
            let kind = TYPES[i % 4];
            resource("device", format!("dev-{i:04}"), json!({"deviceName": format!("{kind}-{i:02}"), "deviceType": kind,
                "vendorName": if kind == "firewall" { "Fortinet" } else { "Cisco" }, "makeModel": format!("Model {}", 100 + i),
                "ipAddresses": [format!("10.{}.0.{i}", i % 3)], "macAddresses": [format!("00:1a:2b:3c:4d:{i:02x}")],
                "serialNumber": format!("FTX{i:06}"), "softwareVersion": "17.9.4", "firmwareVersion": "1.2", "description": "",
                "onlineStatus": if i % 5 == 0 { "offline" } else { "online" }, "lastSeenTime": "2026-05-31T23:50:00.000Z"}),
                TENANTS[i % 3])
        })
        .collect();
    let networks: Vec<Value> = (1..=6)
        .map(|i| {
            resource("network", format!("net-{i:04}"), json!({"networkName": format!("10.{i}.0.0/24"),
                "networkType": if i % 2 == 0 { "vlan" } else { "routed" }, "description": format!("Office LAN {i}"), "scanStatus": true}),
                TENANTS[i % 3])
        })
        .collect();
    let interfaces: Vec<Value> = (1..=10)
        .map(|i| {
            resource("interface", format!("if-{i:04}"), json!({"interfaceName": format!("GigabitEthernet1/0/{i}"),
                "interfaceType": "ethernet", "adminStatus": "online", "operationalStatus": if i % 4 == 0 { "offline" } else { "online" },
                "negotiatedSpeed": 1_000_000_000, "macAddress": format!("00:1a:2b:00:00:{i:02x}"), "ipAddresses": [],
                "parentDevice": if i <= 6 { "dev-0001" } else { "dev-0002" }}), "100001")
        })
        .collect();
    let configs: Vec<Value> = (1..=5)
        .map(|i| {
            let mut c = resource("configuration", format!("cfg-{i:04}"), json!({"backupTime": format!("2026-05-{:02}T02:00:00.000Z", 20 + i),
                "isRunning": i % 2 == 1}), "100001");
            c["relationships"]["device"] = json!({"data": {"type": "device", "id": if i <= 3 { "dev-0001" } else { "dev-0002" }}});
            c
        })
        .collect();
    let alerts: Vec<Value> = (1..=9)
        .map(|i| {
            resource("alert", format!("alert-{i:04}"), json!({"alertId": format!("spec-{}", i % 3), "name": if i % 3 == 0 { "Device offline" } else { "Interface down" },
                "severity": if i % 3 == 0 { "critical" } else { "warning" }, "status": if i % 4 == 0 { "resolved" } else { "created" },
                "description": format!("Alert {i} raised by the collector."), "entityId": format!("dev-{i:04}"), "entityName": format!("switch-{i:02}"),
                "entityType": "device", "dateTime": "2026-05-31T12:00:00.000Z", "detectedOn": format!("2026-05-31T12:{i:02}:00.000Z"),
                "dismissed": false, "dispatched": true}), TENANTS[i % 2])
        })
        .collect();
    json!({"tenants": tenants, "devices": devices, "networks": networks, "interfaces": interfaces,
        "configurations": configs, "alerts": alerts})
}

fn jsonapi_error(status: StatusCode, title: &str, detail: &str) -> Response {
    common::json(
        status,
        json!({"errors": [{"status": status.as_u16().to_string(), "title": title, "detail": detail}]}),
    )
}

fn authorized(req: &Req) -> bool {
    let expected = STANDARD.encode(format!("{USERNAME}:{API_KEY}"));
    req.header("authorization") == Some(format!("Basic {expected}").as_str())
}

/// The value an item has for a filter: attributes first, then its relationships' ids.
fn field(item: &Value, name: &str) -> Option<String> {
    let attr = &item["attributes"][name];
    let rel = &item["relationships"][name]["data"]["id"];
    [attr, rel].into_iter().find_map(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A list answer: `tenants` and `filter[x]` applied, one page from the `page[after]` cursor.
fn list(shared: &Shared, req: &Req, collection: &str, filters: &[&str]) -> Response {
    for key in req.query.keys() {
        let known = key == "tenants"
            || key == "page[first]"
            || key == "page[after]"
            || filters.iter().any(|f| key == &format!("filter[{f}]"));
        if !known {
            return jsonapi_error(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                &format!("Unknown query parameter {key}"),
            );
        }
    }
    let data = lock(&shared.data);
    let all = data[collection].as_array().cloned().unwrap_or_default();
    let tenants: Option<Vec<&str>> = req.query.get("tenants").map(|t| t.split(',').collect());
    let matching: Vec<Value> = all
        .into_iter()
        .filter(|item| {
            tenants.as_ref().is_none_or(|t| {
                let tenant = field(item, "tenant").unwrap_or_default();
                t.contains(&tenant.as_str())
            })
        })
        .filter(|item| {
            filters.iter().all(|f| {
                req.query.get(&format!("filter[{f}]")).is_none_or(|want| {
                    if *f == "detectedTimeAfter" {
                        // ISO timestamps of one format compare as text.
                        field(item, "detectedOn").is_some_and(|at| at.as_str() > want.as_str())
                    } else {
                        field(item, f).as_deref() == Some(want.as_str())
                    }
                })
            })
        })
        .collect();
    let start = match req.query.get("page[after]") {
        None => 0,
        Some(c) => match decode_cursor(c) {
            Some(n) => n,
            None => {
                return jsonapi_error(
                    StatusCode::BAD_REQUEST,
                    "Bad Request",
                    "Invalid page[after] cursor",
                )
            }
        },
    };
    let size = page_size(shared, req.query.get("page[first]"), 100);
    let page: Vec<Value> = matching.iter().skip(start).take(size).cloned().collect();
    let end = start + page.len();
    let link = |after: Option<usize>| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &req.query {
            if k != "page[after]" {
                q.append_pair(k, v);
            }
        }
        if let Some(a) = after {
            q.append_pair("page[after]", &encode_cursor(a));
        }
        format!("{}{}?{}", shared.public_origin, req.path, q.finish())
    };
    let mut links = json!({"first": link(None)});
    if end < matching.len() {
        links["next"] = json!(link(Some(end)));
    }
    common::json(StatusCode::OK, json!({"data": page, "links": links}))
}

fn encode_cursor(offset: usize) -> String {
    STANDARD.encode(format!("auvik-cursor:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let text = String::from_utf8(STANDARD.decode(cursor).ok()?).ok()?;
    text.strip_prefix("auvik-cursor:")?.parse().ok()
}

fn show(shared: &Shared, req: &Req, collection: &str, id: &str) -> Response {
    if !req.query.is_empty() {
        return jsonapi_error(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "No parameters expected",
        );
    }
    let data = lock(&shared.data);
    match data[collection]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == id))
    {
        Some(item) => common::json(StatusCode::OK, json!({"data": item})),
        None => jsonapi_error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "The requested resource was not found",
        ),
    }
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if !authorized(req) {
        return jsonapi_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Invalid username or API key",
        );
    }
    let seg = req.segments();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["v1", "authentication", "verify"]) => StatusCode::OK.into_response(),
        ("GET", ["v1", "tenants"]) => list(shared, req, "tenants", &[]),
        ("GET", ["v1", "inventory", "device", "info"]) => list(
            shared,
            req,
            "devices",
            &["deviceType", "onlineStatus", "vendorName", "makeModel"],
        ),
        ("GET", ["v1", "inventory", "device", "info", id]) => show(shared, req, "devices", id),
        ("GET", ["v1", "inventory", "network", "info"]) => {
            list(shared, req, "networks", &["networkType"])
        }
        ("GET", ["v1", "inventory", "interface", "info"]) => list(
            shared,
            req,
            "interfaces",
            &["parentDevice", "operationalStatus"],
        ),
        ("GET", ["v1", "inventory", "configuration"]) => {
            list(shared, req, "configurations", &["deviceId"])
        }
        ("GET", ["v1", "alert", "history", "info"]) => list(
            shared,
            req,
            "alerts",
            &["severity", "status", "dismissed", "detectedTimeAfter"],
        ),
        ("GET", ["v1", "alert", "history", "info", id]) => show(shared, req, "alerts", id),
        ("POST", ["v1", "alert", "dismiss", id]) => {
            let mut data = lock(&shared.data);
            match data["alerts"]
                .as_array_mut()
                .and_then(|a| a.iter_mut().find(|i| i["id"] == *id))
            {
                Some(alert) => {
                    alert["attributes"]["dismissed"] = json!(true);
                    StatusCode::OK.into_response()
                }
                None => jsonapi_error(StatusCode::NOT_FOUND, "Not Found", "Alert not found"),
            }
        }
        _ => jsonapi_error(StatusCode::NOT_FOUND, "Not Found", "No such endpoint"),
    }
}
