//! HaloPSA fake: OAuth 2.0 client credentials at the tenant host's `POST /auth/token` (form body
//! grant_type, client_id, client_secret, scope — scopes outside the application's permissions
//! are `invalid_scope`), bearer tokens it issued, each carrying its scopes (reads need the
//! `read:` permission of the area, ticket and action writes `edit:tickets`), and the `/api`
//! resources agent/me, client, users, tickets, actions, asset and KBArticle with
//! `pageinate` / `page_size` / `page_no` paging and `record_count`; ticket and action creation
//! from a JSON array, as Halo takes it. Unknown query parameters are refused with 400.

use std::{collections::BTreeMap, net::SocketAddr};

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{json, Map, Value};

use crate::common::{self, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};

/// The application's client id.
pub const CLIENT_ID: &str = "6b1c2d3e-halo-fake-client-0001";
/// Its client secret.
pub const CLIENT_SECRET: &str = "fake-halo-secret-0123456789abcdef0123456789";
/// The tenant host the fake stands for (a Halo-hosted tenant).
pub const HOST: &str = "msp.halopsa.com";
/// The permissions the application was given.
pub const PERMISSIONS: [&str; 5] = [
    "read:tickets",
    "edit:tickets",
    "read:customers",
    "read:assets",
    "read:kb",
];

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: vec![format!("https://{HOST}")],
            data: seed(),
            handle,
            exempt: |r| r.path == "/auth/token",
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

const CLIENTS: [&str; 9] = [
    "Acme Dental",
    "Acme Logistics",
    "Bluebird Cafe",
    "Cedar Law LLP",
    "Delta Farms",
    "Evergreen School",
    "Foxglove Clinic",
    "Granite Builders",
    "Harbour Hotel",
];

fn seed() -> Value {
    let client = |n: usize| (10 + n, CLIENTS[n - 1]);
    let clients: Vec<Value> = (1..=CLIENTS.len())
        .map(|n| {
            let (id, name) = client(n);
            json!({"id": id, "name": name, "inactive": n == 9, "toplevel_id": 1, "toplevel_name": "Customers",
                "main_site_id": 100 + n, "main_site_name": "Main", "main_phonenumber": format!("555-02{n:02}"),
                "main_email": format!("office@c{n}.example"), "website": format!("https://c{n}.example"), "notes": "VIP: call first."})
        })
        .collect();
    let users: Vec<Value> = (1..=12)
        .map(|n| {
            let (cid, cname) = client((n - 1) % 3 + 2);
            json!({"id": 40 + n, "name": if n == 1 { "Dana Smith".to_owned() } else { format!("User {n}") },
                "emailaddress": if n == 1 { "dana@acme.example".to_owned() } else { format!("user{n}@c.example") },
                "phonenumber": "555-0300", "client_id": cid, "client_name": cname, "site_name": "Main", "inactive": false})
        })
        .collect();
    let tickets: Vec<Value> = (1..=16)
        .map(|n| {
            let (cid, cname) = client((n - 1) % 3 + 2);
            json!({"id": 2000 + n, "summary": if n % 4 == 1 { format!("Printer offline ({n})") } else { format!("Issue {n}") },
                "details": "Reported by phone.", "client_id": cid, "client_name": cname, "site_name": "Main",
                "user_name": "Dana Smith", "status_id": if n % 5 == 0 { 9 } else { 1 }, "priority_id": 3, "tickettype_id": 1,
                "agent_id": if n % 2 == 0 { 5 } else { 6 }, "team": "1st Line", "dateoccurred": format!("2026-05-{n:02}T09:00:00"),
                "lastactiondate": format!("2026-05-{n:02}T10:00:00"), "timetaken": 0.5})
        })
        .collect();
    let actions: Vec<Value> = (1..=4)
        .map(|n| json!({"id": 500 + n, "ticket_id": 2001, "who": "Gateway Agent", "outcome": if n == 1 { "Email User" } else { "Private Note" },
            "note": format!("Action {n}"), "hiddenfromuser": n != 1, "datetime": format!("2026-05-01T1{n}:00:00"), "timetaken": 0.25,
            "system": n == 4}))
        .collect();
    let assets: Vec<Value> = (1..=10)
        .map(|n| {
            let (cid, cname) = client((n - 1) % 2 + 2);
            json!({"id": 300 + n, "inventory_number": format!("TAG{n:04}"), "key_field": if n % 5 == 0 { format!("SRV-{n:02}") } else { format!("PC-{n:02}") },
                "assettype_name": if n % 5 == 0 { "Server" } else { "Workstation" }, "client_id": cid, "client_name": cname,
                "site_name": "Main", "user_name": "Dana Smith", "inactive": false,
                "fields": [{"name": "Serial Number", "value": format!("HAL{n:05}")}], "notes": ""})
        })
        .collect();
    let articles: Vec<Value> = (1..=3)
        .map(|n| json!({"id": 70 + n, "name": format!("Printer troubleshooting part {n}"), "description": "Power-cycle, then clear the queue.",
            "type": 0, "date_edited": "2026-04-01T00:00:00"}))
        .collect();
    json!({"clients": clients, "users": users, "tickets": tickets, "actions": actions, "assets": assets,
        "articles": articles, "tokens": {}})
}

fn oauth_error(code: &str) -> Response {
    common::json(StatusCode::BAD_REQUEST, json!({"error": code}))
}

fn token(shared: &Shared, req: &Req) -> Response {
    if req.header("content-type") != Some("application/x-www-form-urlencoded") {
        return oauth_error("invalid_request");
    }
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error("unsupported_grant_type");
    }
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return oauth_error("invalid_client");
    }
    let scopes: Vec<&str> = form
        .get("scope")
        .map(|s| s.split(' ').collect())
        .unwrap_or_default();
    if scopes.is_empty() || scopes.iter().any(|s| !PERMISSIONS.contains(s)) {
        return oauth_error("invalid_scope");
    }
    let mut data = lock(&shared.data);
    let n = data["tokens"].as_object().map_or(0, Map::len) + 1;
    let issued = format!("fake-halo-access-token-{n:04}");
    data["tokens"][issued.as_str()] = json!(scopes);
    common::json(
        StatusCode::OK,
        json!({"access_token": issued, "token_type": "Bearer", "expires_in": 3600, "scope": form.get("scope")}),
    )
}

fn message(status: StatusCode, text: &str) -> Response {
    common::json(
        status,
        json!({"ClassName": "HaloException", "message": text}),
    )
}

/// A `{"record_count": n, key: [...]}` answer, paged when `pageinate=true`.
fn list(shared: &Shared, req: &Req, key: &str, items: Vec<Value>) -> Response {
    let total = items.len();
    let out: Vec<Value> = if req.query.get("pageinate").map(String::as_str) == Some("true") {
        let size = page_size(shared, req.query.get("page_size"), 50);
        let number: usize = req
            .query
            .get("page_no")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
            .max(1);
        items
            .into_iter()
            .skip((number - 1) * size)
            .take(size)
            .collect()
    } else {
        items
    };
    let mut body = json!({"record_count": total});
    body[key] = Value::Array(out);
    common::json(StatusCode::OK, body)
}

fn contains(item: &Value, fields: &[&str], want: Option<&String>) -> bool {
    want.is_none_or(|w| {
        fields.iter().any(|f| {
            item[*f]
                .as_str()
                .is_some_and(|v| v.to_lowercase().contains(&w.to_lowercase()))
        })
    })
}

fn eq(item: &Value, field: &str, want: Option<&String>) -> bool {
    want.is_none_or(|w| common::id_is(&item[field], w))
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if req.path == "/auth/token" && req.method == "POST" {
        return token(shared, req);
    }
    let bearer = req
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap_or("");
    let data = lock(&shared.data).clone();
    let Some(scopes) = data["tokens"]
        .get(bearer)
        .and_then(Value::as_array)
        .cloned()
    else {
        return message(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: the access token is missing, invalid or expired.",
        );
    };
    let seg = req.segments();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    let needs = match (req.method.as_str(), s.get(1).copied()) {
        ("GET", Some("agent")) => None,
        ("GET", Some("client" | "users")) => Some("read:customers"),
        ("GET", Some("tickets" | "actions")) => Some("read:tickets"),
        ("GET", Some("asset")) => Some("read:assets"),
        ("GET", Some("KBArticle")) => Some("read:kb"),
        _ => Some("edit:tickets"),
    };
    if needs.is_some_and(|n| !scopes.iter().any(|s| s == n)) {
        return message(
            StatusCode::FORBIDDEN,
            "The application lacks the permission for this resource.",
        );
    }
    let page = ["pageinate", "page_size", "page_no"];
    let allowed: Vec<&str> = match s.as_slice() {
        ["api", "client"] => vec!["search", "includeinactive"],
        ["api", "users"] => vec!["client_id", "search"],
        ["api", "tickets"] if req.method == "GET" => {
            vec!["client_id", "status_id", "agent_id", "search", "open_only"]
        }
        ["api", "actions"] if req.method == "GET" => vec!["ticket_id", "excludesys", "count"],
        ["api", "asset"] => vec!["client_id", "search"],
        ["api", "KBArticle"] => vec!["search"],
        _ => vec![],
    };
    if let Some(k) = req
        .query
        .keys()
        .find(|k| !allowed.contains(&k.as_str()) && !page.contains(&k.as_str()))
    {
        return message(StatusCode::BAD_REQUEST, &format!("Unknown parameter {k}"));
    }
    let all = |key: &str| data[key].as_array().cloned().unwrap_or_default();
    let q = |k: &str| req.query.get(k);
    let one = |key: &str, id: &str| {
        all(key)
            .into_iter()
            .find(|i| common::id_is(&i["id"], id))
            .map_or_else(
                || message(StatusCode::NOT_FOUND, &format!("No record with id {id}.")),
                |i| common::json(StatusCode::OK, i),
            )
    };
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["api", "agent", "me"]) => common::json(
            StatusCode::OK,
            json!({"id": 5, "name": "Gateway Agent", "email": "gateway@msp.example"}),
        ),
        ("GET", ["api", "client"]) => {
            let inactive = q("includeinactive").map(String::as_str) == Some("true");
            list(
                shared,
                req,
                "clients",
                all("clients")
                    .into_iter()
                    .filter(|c| inactive || c["inactive"] == false)
                    .filter(|c| contains(c, &["name"], q("search")))
                    .collect(),
            )
        }
        ("GET", ["api", "client", id]) => one("clients", id),
        ("GET", ["api", "users"]) => list(
            shared,
            req,
            "users",
            all("users")
                .into_iter()
                .filter(|u| {
                    eq(u, "client_id", q("client_id"))
                        && contains(u, &["name", "emailaddress"], q("search"))
                })
                .collect(),
        ),
        ("GET", ["api", "tickets"]) => {
            let open_only = q("open_only").map(String::as_str) == Some("true");
            list(
                shared,
                req,
                "tickets",
                all("tickets")
                    .into_iter()
                    .filter(|t| !open_only || t["status_id"] != 9)
                    .filter(|t| {
                        eq(t, "client_id", q("client_id"))
                            && eq(t, "status_id", q("status_id"))
                            && eq(t, "agent_id", q("agent_id"))
                    })
                    .filter(|t| contains(t, &["summary", "details"], q("search")))
                    .collect(),
            )
        }
        ("GET", ["api", "tickets", id]) => one("tickets", id),
        ("GET", ["api", "actions"]) => {
            let Some(ticket) = q("ticket_id") else {
                return message(StatusCode::BAD_REQUEST, "ticket_id is required.");
            };
            let count = q("count")
                .and_then(|c| c.parse().ok())
                .unwrap_or(usize::MAX);
            let exclude = q("excludesys").map(String::as_str) == Some("true");
            let actions: Vec<Value> = all("actions")
                .into_iter()
                .filter(|a| {
                    common::id_is(&a["ticket_id"], ticket) && !(exclude && a["system"] == true)
                })
                .take(count)
                .collect();
            list(shared, req, "actions", actions)
        }
        ("GET", ["api", "asset"]) => list(
            shared,
            req,
            "assets",
            all("assets")
                .into_iter()
                .filter(|a| {
                    eq(a, "client_id", q("client_id"))
                        && contains(a, &["inventory_number", "key_field"], q("search"))
                })
                .collect(),
        ),
        ("GET", ["api", "asset", id]) => one("assets", id),
        ("GET", ["api", "KBArticle"]) => list(
            shared,
            req,
            "articles",
            all("articles")
                .into_iter()
                .filter(|a| contains(a, &["name", "description"], q("search")))
                .collect(),
        ),
        ("POST", ["api", "tickets"]) => {
            create(shared, req, "tickets", &["client_id", "summary", "details"])
        }
        ("POST", ["api", "actions"]) => create(
            shared,
            req,
            "actions",
            &["ticket_id", "note", "outcome", "hiddenfromuser"],
        ),
        _ => message(StatusCode::NOT_FOUND, "Not found."),
    }
}

/// Creates the one record of a JSON array body with exactly the `fields` Halo needs here.
fn create(shared: &Shared, req: &Req, key: &str, fields: &[&str]) -> Response {
    let bad = |m: &str| message(StatusCode::BAD_REQUEST, m);
    let record = match req.json() {
        Some(Value::Array(list))
            if list.len() == 1 && req.header("content-type") == Some("application/json") =>
        {
            list[0].clone()
        }
        _ => return bad("Halo takes a JSON array of records."),
    };
    let Some(record) = record.as_object().cloned() else {
        return bad("A record is a JSON object.");
    };
    if let Some(k) = fields.iter().find(|f| !record.contains_key(**f)) {
        return bad(&format!("{k} is required."));
    }
    if let Some(k) = record.keys().find(|k| !fields.contains(&k.as_str())) {
        return bad(&format!("Unknown field {k}."));
    }
    let mut data = lock(&shared.data);
    let mut new = Value::Object(record);
    if key == "tickets" {
        let Some(client) = data["clients"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == new["client_id"]).cloned())
        else {
            return bad("The client does not exist.");
        };
        for (k, v) in [
            ("client_name", client["name"].clone()),
            ("status_id", json!(1)),
            ("tickettype_id", json!(1)),
            ("site_name", json!("Main")),
            ("dateoccurred", json!("2026-06-01T12:00:00")),
        ] {
            new[k] = v;
        }
    } else {
        if !data["tickets"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["id"] == new["ticket_id"]))
        {
            return bad("The ticket does not exist.");
        }
        if !new["hiddenfromuser"].is_boolean() || !new["outcome"].is_string() {
            return bad("outcome is text and hiddenfromuser a boolean.");
        }
        new["who"] = json!("Gateway Agent");
        new["datetime"] = json!("2026-06-01T12:00:00");
    }
    let Some(list) = data[key].as_array_mut() else {
        return bad("Unknown resource.");
    };
    new["id"] = json!(
        list.iter()
            .filter_map(|i| i["id"].as_i64())
            .max()
            .unwrap_or(0)
            + 1
    );
    list.push(new.clone());
    (StatusCode::CREATED, axum::Json(new)).into_response()
}
