//! NinjaOne fake: OAuth 2.0 client credentials at `POST /ws/oauth/token` (form body with
//! grant_type, client_id, client_secret, scope `monitoring management`; `offline_access` is
//! refused with 400 as the EU instance does), bearer tokens it issued, `/v2` organizations,
//! devices (paging with pageSize + after), device details and rename, alerts and alert reset.

use std::net::SocketAddr;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use crate::common::{self, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};

/// The client id the fake accepts.
pub const CLIENT_ID: &str = "fake-ninja-client-0001";
/// The client secret the fake accepts.
pub const CLIENT_SECRET: &str = "fake-ninja-secret-abcdef0123456789";

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: ["app", "us2", "eu", "ca", "oc"]
                .iter()
                .map(|i| format!("https://{i}.ninjarmm.com"))
                .collect(),
            data: seed(),
            handle,
            exempt: |r| r.path == "/ws/oauth/token",
            credential: |r| {
                r.header("authorization")
                    .map(|a| a.trim_start_matches("Bearer ").to_owned())
            },
        },
        options,
        addr,
    )
    .await
}

fn seed() -> Value {
    let orgs: Vec<Value> = (1..=12)
        .map(|i| json!({"id": i, "name": format!("Ninja Client {i:02}"), "description": "", "nodeApprovalMode": "AUTOMATIC",
            "locations": [{"id": i * 10, "name": "Head office"}], "policies": [], "tags": []}))
        .collect();
    let devices: Vec<Value> = (1..=25)
        .map(|i| json!({"id": 100 + i, "organizationId": (i % 3) + 1, "locationId": ((i % 3) + 1) * 10,
            "nodeClass": if i % 5 == 0 { "WINDOWS_SERVER" } else { "WINDOWS_WORKSTATION" },
            "systemName": format!("PC-{i:03}"), "displayName": format!("PC-{i:03}"), "dnsName": format!("pc-{i:03}.corp.example"),
            "offline": i % 4 == 0, "lastContact": 1_767_225_600 + i,
            "os": {"name": "Windows 11 Pro"}, "system": {"manufacturer": "Dell Inc.", "model": "OptiPlex 7010", "serialNumber": format!("DL{i:05}")},
            "ipAddresses": [format!("10.1.0.{i}")]}))
        .collect();
    let alerts: Vec<Value> = (1..=6)
        .map(|i| json!({"uid": format!("a1b2c3d4-0000-4000-8000-{i:012}"), "deviceId": 100 + i, "message": "CPU above 90% for 10 minutes",
            "severity": "MAJOR", "priority": "HIGH", "sourceType": "CONDITION_CPU", "createTime": 1_767_225_600.5}))
        .collect();
    json!({"organizations": orgs, "devices": devices, "alerts": alerts, "tokens": []})
}

fn token(shared: &Shared, req: &Req) -> Response {
    let form: std::collections::BTreeMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    let oauth_error = |status: StatusCode, code: &str, description: &str| {
        common::json(
            status,
            json!({"error": code, "error_description": description}),
        )
    };
    if req.header("content-type") != Some("application/x-www-form-urlencoded") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "form body expected",
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        );
    }
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client credentials",
        );
    }
    let scopes: Vec<&str> = form
        .get("scope")
        .map(|s| s.split(' ').collect())
        .unwrap_or_default();
    if scopes.contains(&"offline_access") || !scopes.contains(&"monitoring") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "Requested scope is not allowed for this client",
        );
    }
    let mut data = lock(&shared.data);
    let n = data["tokens"].as_array().map_or(0, Vec::len) + 1;
    let issued = format!("fake-ninja-access-token-{n:04}");
    if let Some(tokens) = data["tokens"].as_array_mut() {
        tokens.push(json!(issued));
    }
    common::json(
        StatusCode::OK,
        json!({"access_token": issued, "token_type": "Bearer", "expires_in": 3600, "scope": form.get("scope")}),
    )
}

fn page(shared: &Shared, req: &Req, items: Vec<Value>) -> Response {
    let after: i64 = req
        .query
        .get("after")
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let size = page_size(shared, req.query.get("pageSize"), 100);
    let out: Vec<Value> = items
        .into_iter()
        .filter(|i| i["id"].as_i64().unwrap_or(0) > after)
        .take(size)
        .collect();
    common::json(StatusCode::OK, Value::Array(out))
}

/// The subset of NinjaOne device filters the fake understands: `org = N`, `offline`.
fn device_filter(df: Option<&String>, device: &Value) -> bool {
    let Some(df) = df else { return true };
    if let Some(org) = df
        .strip_prefix("org = ")
        .or_else(|| df.strip_prefix("org="))
    {
        return device["organizationId"].as_i64().map(|o| o.to_string())
            == Some(org.trim().to_owned());
    }
    if df.trim() == "offline" {
        return device["offline"] == true;
    }
    true
}

fn not_found() -> Response {
    common::json(
        StatusCode::NOT_FOUND,
        json!({"resultCode": "FAILURE", "errorMessage": "Not found"}),
    )
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if req.path == "/ws/oauth/token" && req.method == "POST" {
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
        return common::json(
            StatusCode::UNAUTHORIZED,
            json!({"resultCode": "FAILURE", "errorMessage": "Invalid or expired access token"}),
        );
    }
    let seg = req.segments();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    let data = lock(&shared.data).clone();
    let find = |coll: &str, key: &str, id: &str| {
        data[coll].as_array().and_then(|a| {
            a.iter()
                .find(|i| i[key].to_string().trim_matches('"') == id)
                .cloned()
        })
    };
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["v2", "organizations"]) => page(
            shared,
            req,
            data["organizations"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        ),
        ("GET", ["v2", "organization", id]) => find("organizations", "id", id)
            .map_or_else(not_found, |o| common::json(StatusCode::OK, o)),
        ("GET", ["v2", "organization", id, "devices"]) => {
            let devices = data["devices"].as_array().cloned().unwrap_or_default();
            page(
                shared,
                req,
                devices
                    .into_iter()
                    .filter(|d| common::id_is(&d["organizationId"], id))
                    .collect(),
            )
        }
        ("GET", ["v2", "devices"]) => {
            let devices = data["devices"].as_array().cloned().unwrap_or_default();
            page(
                shared,
                req,
                devices
                    .into_iter()
                    .filter(|d| device_filter(req.query.get("df"), d))
                    .collect(),
            )
        }
        ("GET", ["v2", "device", id]) => {
            find("devices", "id", id).map_or_else(not_found, |d| common::json(StatusCode::OK, d))
        }
        ("PATCH", ["v2", "device", id]) => {
            let Some(name) = req
                .json()
                .and_then(|b| b["displayName"].as_str().map(str::to_owned))
            else {
                return common::json(
                    StatusCode::BAD_REQUEST,
                    json!({"resultCode": "FAILURE", "errorMessage": "displayName expected"}),
                );
            };
            let mut data = lock(&shared.data);
            match data["devices"]
                .as_array_mut()
                .and_then(|a| a.iter_mut().find(|d| common::id_is(&d["id"], id)))
            {
                Some(d) => {
                    d["displayName"] = json!(name);
                    StatusCode::NO_CONTENT.into_response()
                }
                None => not_found(),
            }
        }
        ("GET", ["v2", "alerts"]) => {
            let devices = data["devices"].as_array().cloned().unwrap_or_default();
            let alerts: Vec<Value> = data["alerts"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|a| {
                    req.query
                        .get("sourceType")
                        .is_none_or(|s| a["sourceType"] == s.as_str())
                })
                .filter(|a| {
                    devices
                        .iter()
                        .any(|d| d["id"] == a["deviceId"] && device_filter(req.query.get("df"), d))
                })
                .collect();
            common::json(StatusCode::OK, Value::Array(alerts))
        }
        ("DELETE", ["v2", "alert", uid]) => {
            let mut data = lock(&shared.data);
            let Some(alerts) = data["alerts"].as_array_mut() else {
                return not_found();
            };
            let before = alerts.len();
            alerts.retain(|a| a["uid"] != *uid);
            if alerts.len() == before {
                not_found()
            } else {
                StatusCode::NO_CONTENT.into_response()
            }
        }
        _ => not_found(),
    }
}
