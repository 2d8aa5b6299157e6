//! Datto RMM fake: the OAuth 2.0 password grant at `POST /auth/oauth/token` (HTTP Basic client
//! authentication with the documented public client `public-client` / `public`, form body
//! `grant_type=password&username=<API key>&password=<API secret>`), bearer tokens it issued, and
//! the `/api/v2` account, sites, devices, software audit and alerts with `max` / `page` paging
//! (0-based) and absolute `pageDetails.nextPageUrl` links on the platform's host; alert
//! resolution and device user-defined fields. Unknown query parameters are refused with 400, so
//! a definition's request shape is checked.

use std::{collections::BTreeMap, net::SocketAddr};

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use serde_json::{json, Value};

use crate::common::{self, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};

/// The API key (the user name of the password grant) the fake accepts.
pub const API_KEY: &str = "FAKEDATTOAPIKEY0123456789";
/// Its API secret key (the password).
pub const API_SECRET: &str = "fake-datto-secret-0123456789abcdef";
/// The platforms whose hosts the fake stands for; the first is where its next-page links point.
pub const PLATFORMS: [&str; 6] = [
    "pinotage",
    "merlot",
    "concord",
    "vidal",
    "zinfandel",
    "syrah",
];

const TOKEN_PATH: &str = "/auth/oauth/token";

/// A site uid of the sample data (`n` from 1).
pub fn site_uid(n: usize) -> String {
    format!("5f0c3a1e-0000-4000-8000-{n:012}")
}

/// A device uid of the sample data (`n` from 1).
pub fn device_uid(n: usize) -> String {
    format!("d3a1c0de-0000-4000-8000-{n:012}")
}

/// An alert uid of the sample data (`n` from 1).
pub fn alert_uid(n: usize) -> String {
    format!("a1e7f00d-0000-4000-8000-{n:012}")
}

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: PLATFORMS
                .iter()
                .map(|p| format!("https://{p}-api.centrastage.net"))
                .collect(),
            data: seed(),
            handle,
            exempt: |r| r.path == TOKEN_PATH,
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

const SITES: [&str; 7] = [
    "Acme Dental",
    "Acme Dental - Branch",
    "Bluebird Logistics",
    "Cedar Law LLP",
    "Delta Farms",
    "Evergreen School",
    "Foxglove Clinic",
];

fn seed() -> Value {
    let sites: Vec<Value> = SITES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let n = i + 1;
            json!({"id": 100 + n, "uid": site_uid(n), "accountUid": "acc0unt1", "name": name,
                "description": format!("{name} main office"), "notes": "Alarm code in IT Glue.", "onDemand": false,
                "splashtopAutoInstall": true, "autotaskCompanyName": name, "autotaskCompanyId": format!("{}", 170 + n),
                "portalUrl": format!("https://pinotage.rmm.datto.com/site/{}", 100 + n),
                "devicesStatus": {"numberOfDevices": 0, "numberOfOnlineDevices": 0, "numberOfOfflineDevices": 0}})
        })
        .collect();
    let devices: Vec<Value> = (1..=18)
        .map(|n| {
            let site = (n - 1) % SITES.len() + 1;
            let server = n % 6 == 0;
            let hostname = if server { format!("SRV-{n:03}") } else { format!("WS-{n:03}") };
            json!({"id": 5000 + n, "uid": device_uid(n), "siteId": 100 + site, "siteUid": site_uid(site),
                "siteName": SITES[site - 1], "hostname": hostname, "description": "",
                "deviceType": {"category": if server { "Server" } else { "Desktop" }, "type": if server { "Server" } else { "Desktop" }},
                "intIpAddress": format!("10.0.{site}.{n}"), "extIpAddress": "203.0.113.10",
                "operatingSystem": if server { "Microsoft Windows Server 2022 Standard" } else { "Microsoft Windows 11 Pro" },
                "lastLoggedInUser": format!("CORP\\user{n}"), "domain": "CORP", "online": n % 4 != 0, "suspended": false,
                "deleted": false, "rebootRequired": n % 5 == 0, "lastSeen": "2026-05-31T23:00:00Z",
                "lastReboot": "2026-05-20T03:00:00Z", "lastAuditDate": "2026-05-31T02:00:00Z",
                "warrantyDate": "2028-01-01", "portalUrl": format!("https://pinotage.rmm.datto.com/device/{}", 5000 + n),
                "patchManagement": {"patchStatus": if n % 3 == 0 { "ApprovedPending" } else { "FullyPatched" },
                    "patchesApprovedPending": n % 3, "patchesNotApproved": 0, "patchesInstalled": 120},
                "antivirus": {"antivirusProduct": "Datto AV", "antivirusStatus": "RunningAndUpToDate"},
                "udf": {"udf1": null, "udf2": "Leased"}})
        })
        .collect();
    let alerts: Vec<Value> = (1..=6)
        .map(|n| {
            let device = n * 2;
            let site = (device - 1) % SITES.len() + 1;
            json!({"alertUid": alert_uid(n), "priority": if n % 2 == 0 { "High" } else { "Moderate" },
                "diagnostics": format!("CPU usage at 9{n}% for 15 minutes"), "resolved": false, "resolvedBy": null,
                "resolvedOn": null, "muted": n % 3 == 0, "ticketNumber": null, "timestamp": format!("2026-05-31T1{n}:00:00Z"),
                "alertContext": {"@class": "perf_resource_usage_ctx", "type": "CPU", "percentage": 90 + n},
                "alertSourceInfo": {"deviceUid": device_uid(device), "deviceName": format!("WS-{device:03}"),
                    "siteUid": site_uid(site), "siteName": SITES[site - 1]},
                "alertMonitorInfo": {"sendsEmails": true, "createsTicket": false}})
        })
        .collect();
    let software: Vec<Value> = [
        ("Google Chrome", "125.0.6422.142"),
        ("Microsoft 365 Apps for business", "16.0.17531"),
        ("Datto RMM Agent", "4.4.2190"),
        ("7-Zip 23.01 (x64)", "23.01"),
        ("Adobe Acrobat Reader", "24.002.20759"),
    ]
    .iter()
    .map(|(name, version)| json!({"name": name, "version": version}))
    .collect();
    json!({"account": {"id": 42, "uid": "acc0unt1", "name": "Example MSP Ltd", "currency": "USD",
        "descriptor": {"billingEmail": "billing@msp.example", "deviceLimit": 500, "timeZone": "UTC"},
        "devicesStatus": {"numberOfDevices": 18, "numberOfOnlineDevices": 14, "numberOfOfflineDevices": 4}},
        "sites": sites, "devices": devices, "alerts": alerts, "software": software, "tokens": []})
}

fn message(status: StatusCode, text: &str) -> Response {
    common::json(status, json!({"message": text}))
}

fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    common::json(
        status,
        json!({"error": code, "error_description": description}),
    )
}

fn token(shared: &Shared, req: &Req) -> Response {
    let public_client = format!("Basic {}", STANDARD.encode("public-client:public"));
    if req.header("authorization") != Some(public_client.as_str()) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Bad client credentials",
        );
    }
    if req.header("content-type") != Some("application/x-www-form-urlencoded") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "form body expected",
        );
    }
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    if form.get("grant_type").map(String::as_str) != Some("password") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant type",
        );
    }
    if form.get("username").map(String::as_str) != Some(API_KEY)
        || form.get("password").map(String::as_str) != Some(API_SECRET)
    {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Bad credentials");
    }
    let mut data = lock(&shared.data);
    let n = data["tokens"].as_array().map_or(0, Vec::len) + 1;
    let issued = format!("fake-datto-access-token-{n:04}");
    if let Some(tokens) = data["tokens"].as_array_mut() {
        tokens.push(json!(issued));
    }
    // Datto RMM tokens live 100 hours.
    common::json(
        StatusCode::OK,
        json!({"access_token": issued, "token_type": "bearer", "expires_in": 359_999, "scope": "default"}),
    )
}

/// 400 for a query parameter the endpoint does not have.
fn unknown_param(req: &Req, allowed: &[&str]) -> Option<Response> {
    req.query
        .keys()
        .find(|k| !allowed.contains(&k.as_str()))
        .map(|k| message(StatusCode::BAD_REQUEST, &format!("Unknown parameter '{k}'")))
}

/// One page of `items` under `key`, with Datto's `pageDetails`.
fn page(shared: &Shared, req: &Req, key: &str, items: Vec<Value>) -> Response {
    let max = page_size(shared, req.query.get("max"), 250).min(250);
    let number: usize = req
        .query
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let total = items.len();
    let out: Vec<Value> = items.into_iter().skip(number * max).take(max).collect();
    let link = |n: usize| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &req.query {
            if k != "page" && k != "max" {
                q.append_pair(k, v);
            }
        }
        q.append_pair("max", &max.to_string());
        q.append_pair("page", &n.to_string());
        format!("{}{}?{}", shared.public_origin, req.path, q.finish())
    };
    let next = ((number + 1) * max < total).then(|| link(number + 1));
    let prev = (number > 0).then(|| link(number - 1));
    let mut body = json!({"pageDetails": {"count": out.len(), "totalCount": total,
        "prevPageUrl": prev, "nextPageUrl": next}});
    body[key] = Value::Array(out);
    common::json(StatusCode::OK, body)
}

fn contains(value: &Value, want: Option<&String>) -> bool {
    want.is_none_or(|w| {
        value
            .as_str()
            .is_some_and(|v| v.to_lowercase().contains(&w.to_lowercase()))
    })
}

fn with_counts(site: &Value, devices: &[Value]) -> Value {
    let mine: Vec<&Value> = devices
        .iter()
        .filter(|d| d["siteUid"] == site["uid"])
        .collect();
    let online = mine.iter().filter(|d| d["online"] == true).count();
    let mut site = site.clone();
    site["devicesStatus"] = json!({"numberOfDevices": mine.len(), "numberOfOnlineDevices": online,
        "numberOfOfflineDevices": mine.len() - online});
    site
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if req.path == TOKEN_PATH && req.method == "POST" {
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
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Invalid access token",
        );
    }
    let seg = req.segments();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    let data = lock(&shared.data).clone();
    let all = |key: &str| data[key].as_array().cloned().unwrap_or_default();
    let find = |key: &str, field: &str, uid: &str| all(key).into_iter().find(|i| i[field] == uid);
    let open_alerts = || -> Vec<Value> {
        all("alerts")
            .into_iter()
            .filter(|a| a["resolved"] == false)
            .filter(|a| {
                req.query
                    .get("muted")
                    .is_none_or(|m| a["muted"].as_bool().map(|b| b.to_string()).as_ref() == Some(m))
            })
            .collect()
    };
    let params: &[&str] = match s.as_slice() {
        ["api", "v2", "account", "sites"] => &["page", "max", "siteName"],
        ["api", "v2", "account", "devices"] => &[
            "page",
            "max",
            "hostname",
            "siteName",
            "deviceType",
            "operatingSystem",
            "filterId",
        ],
        ["api", "v2", "account", "alerts", "open"]
        | ["api", "v2", "device", _, "alerts", "open"] => &["page", "max", "muted"],
        ["api", "v2", "site", _, "devices"] | ["api", "v2", "audit", "device", _, "software"] => {
            &["page", "max"]
        }
        _ => &[],
    };
    if let Some(refused) = unknown_param(req, params) {
        return refused;
    }
    let not_found = |what: &str| message(StatusCode::NOT_FOUND, &format!("{what} was not found."));
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["api", "v2", "account"]) => common::json(StatusCode::OK, data["account"].clone()),
        ("GET", ["api", "v2", "account", "sites"]) => {
            let devices = all("devices");
            let sites = all("sites")
                .iter()
                .filter(|site| contains(&site["name"], req.query.get("siteName")))
                .map(|site| with_counts(site, &devices))
                .collect();
            page(shared, req, "sites", sites)
        }
        ("GET", ["api", "v2", "site", uid]) => find("sites", "uid", uid).map_or_else(
            || not_found("Site"),
            |site| common::json(StatusCode::OK, with_counts(&site, &all("devices"))),
        ),
        ("GET", ["api", "v2", "site", uid, "devices"]) => {
            if find("sites", "uid", uid).is_none() {
                return not_found("Site");
            }
            let devices = all("devices")
                .into_iter()
                .filter(|d| d["siteUid"] == *uid)
                .collect();
            page(shared, req, "devices", devices)
        }
        ("GET", ["api", "v2", "account", "devices"]) => {
            let q = |k: &str| req.query.get(k);
            let devices = all("devices")
                .into_iter()
                .filter(|d| {
                    contains(&d["hostname"], q("hostname"))
                        && contains(&d["siteName"], q("siteName"))
                        && contains(&d["deviceType"]["type"], q("deviceType"))
                        && contains(&d["operatingSystem"], q("operatingSystem"))
                })
                .collect();
            page(shared, req, "devices", devices)
        }
        ("GET", ["api", "v2", "device", uid]) => find("devices", "uid", uid)
            .map_or_else(|| not_found("Device"), |d| common::json(StatusCode::OK, d)),
        ("GET", ["api", "v2", "audit", "device", uid, "software"]) => {
            if find("devices", "uid", uid).is_none() {
                return not_found("Device");
            }
            page(shared, req, "software", all("software"))
        }
        ("GET", ["api", "v2", "account", "alerts", "open"]) => {
            page(shared, req, "alerts", open_alerts())
        }
        ("GET", ["api", "v2", "device", uid, "alerts", "open"]) => {
            if find("devices", "uid", uid).is_none() {
                return not_found("Device");
            }
            let alerts = open_alerts()
                .into_iter()
                .filter(|a| a["alertSourceInfo"]["deviceUid"] == *uid)
                .collect();
            page(shared, req, "alerts", alerts)
        }
        ("GET", ["api", "v2", "alert", uid]) => find("alerts", "alertUid", uid)
            .map_or_else(|| not_found("Alert"), |a| common::json(StatusCode::OK, a)),
        ("POST", ["api", "v2", "alert", uid, "resolve"]) => resolve(shared, req, uid),
        ("POST", ["api", "v2", "device", uid, "udf"]) => set_udfs(shared, req, uid),
        _ => message(StatusCode::NOT_FOUND, "No endpoint here."),
    }
}

fn resolve(shared: &Shared, req: &Req, uid: &str) -> Response {
    if !req.body.is_empty() {
        return message(StatusCode::BAD_REQUEST, "This request takes no body.");
    }
    let mut data = lock(&shared.data);
    let Some(alert) = data["alerts"]
        .as_array_mut()
        .and_then(|a| a.iter_mut().find(|a| a["alertUid"] == uid))
    else {
        return message(StatusCode::NOT_FOUND, "Alert was not found.");
    };
    if alert["resolved"] == true {
        return message(StatusCode::CONFLICT, "The alert is already resolved.");
    }
    alert["resolved"] = json!(true);
    alert["resolvedBy"] = json!("API");
    alert["resolvedOn"] = json!("2026-06-01T12:00:00Z");
    StatusCode::OK.into_response()
}

fn set_udfs(shared: &Shared, req: &Req, uid: &str) -> Response {
    let body = match (req.header("content-type"), req.json()) {
        (Some("application/json"), Some(Value::Object(body))) => body,
        _ => return message(StatusCode::BAD_REQUEST, "A JSON object is required."),
    };
    let valid = |k: &str| {
        k.strip_prefix("udf")
            .and_then(|n| n.parse::<u8>().ok())
            .is_some_and(|n| (1..=30).contains(&n))
    };
    if let Some(bad) = body
        .iter()
        .find(|(k, v)| !valid(k) || !(v.is_string() || v.is_null()))
    {
        return message(
            StatusCode::BAD_REQUEST,
            &format!("Invalid user defined field '{}'", bad.0),
        );
    }
    let mut data = lock(&shared.data);
    let Some(device) = data["devices"]
        .as_array_mut()
        .and_then(|d| d.iter_mut().find(|d| d["uid"] == uid))
    else {
        return message(StatusCode::NOT_FOUND, "Device was not found.");
    };
    for (k, v) in body {
        // An empty value clears the field.
        device["udf"][k.as_str()] = if v == "" { Value::Null } else { v };
    }
    StatusCode::OK.into_response()
}
