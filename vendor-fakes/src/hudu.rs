//! Hudu fake (one instance, API under `/api/v1`): the `x-api-key` header only, numbered pages
//! (`page` from 1, `page_size` default 25; a page past the end is empty), companies, assets
//! (filters `company_id`, `id`, `name`, `primary_serial`, `search`, `archived`; archiving),
//! articles (list, show, create and update with an `{"article": {...}}` body), password entries
//! (answers carry `password` and `otp_secret` on purpose: the gateway must never pass them on),
//! processes (`procedures`) and expirations (a bare array). Query parameters and body members
//! outside the documented ones are answered 400.

use std::net::SocketAddr;

use axum::{http::StatusCode, response::Response};
use serde_json::{json, Value};

use crate::common::{self, id_is, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};
use crate::strict;

/// The instance the fake stands for (the connect form's URL).
pub const URL: &str = "https://acme.huducloud.com";
/// The API key the fake accepts.
pub const API_KEY: &str = "fakehuduKey0123456789abcdef";

const PREFIX: &str = "/api/v1/";
const ARTICLE_MODEL: [&str; 5] = [
    "name",
    "content",
    "enable_sharing",
    "folder_id",
    "company_id",
];

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: vec![URL.into()],
            data: seed(),
            handle,
            exempt: |_| false,
            credential: |r| r.header("x-api-key").map(str::to_owned),
        },
        options,
        addr,
    )
    .await
}

fn company_name(i: usize) -> String {
    if i == 3 {
        "Acme Dental".to_owned()
    } else {
        format!("Client {i:02}")
    }
}

fn seed() -> Value {
    let companies: Vec<Value> = (1..=30)
        .map(|i| json!({"id": i, "slug": format!("client-{i:02}"), "name": company_name(i), "nickname": format!("C{i:02}"),
            "company_type": "Customer", "address_line_1": format!("{i} High Street"), "address_line_2": null, "city": "Springfield",
            "state": "IL", "zip": "62701", "country_name": "United States", "phone_number": format!("+1 555 03{i:02}"),
            "website": format!("https://client{i:02}.example"), "notes": "<p>Alarm code at reception.</p>", "archived": false,
            "id_number": format!("PSA-{i:04}"), "full_url": format!("{URL}/c/client-{i:02}"), "created_at": "2025-01-01T09:00:00.000Z",
            "updated_at": "2026-01-01T09:00:00.000Z"}))
        .collect();
    let assets: Vec<Value> = (1..=30)
        .map(|i| {
            let company = (i % 3) + 2;
            json!({"id": 2000 + i, "company_id": company, "company_name": company_name(company), "asset_layout_id": 1,
                "slug": format!("ws-{i:03}"), "name": format!("WS-{i:03}"), "primary_serial": format!("SN{i:05}"),
                "primary_model": "OptiPlex 7010", "primary_manufacturer": "Dell", "primary_mail": null, "asset_type": "Computer",
                "archived": false, "url": format!("{URL}/a/ws-{i:03}"),
                "fields": [{"id": 1, "label": "IP address", "value": format!("10.3.0.{i}"), "position": 1}],
                "created_at": "2025-01-01T09:00:00.000Z", "updated_at": "2026-01-01T09:00:00.000Z"})
        })
        .collect();
    let articles: Vec<Value> = (1..=8)
        .map(|i| json!({"id": 4000 + i, "slug": format!("kb-{i}"), "name": if i == 2 { "VPN setup".to_owned() } else { format!("How-to {i}") },
            "draft": false, "content": format!("<p>Step-by-step guide {i}.</p>"), "url": format!("{URL}/kba/kb-{i}"),
            "folder_id": null, "enable_sharing": false, "company_id": if i <= 4 { json!(3) } else { Value::Null },
            "created_at": "2025-01-01T09:00:00.000Z", "updated_at": "2026-01-01T09:00:00.000Z"}))
        .collect();
    let passwords: Vec<Value> = (1..=6)
        .map(|i| json!({"id": 5000 + i, "company_id": 3, "name": format!("Firewall admin {i}"), "username": "admin",
            "password": format!("s3cret-hudu-{i}"), "otp_secret": "JBSWY3DPEHPK3PXP", "password_type": "Network",
            "description": "Edge firewall", "login_url": "https://fw.acme.example", "password_folder_name": "Network",
            "updated_at": "2026-01-01T09:00:00.000Z"}))
        .collect();
    let procedures: Vec<Value> = (1..=4)
        .map(|i| json!({"id": 6000 + i, "name": format!("Onboarding {i}"), "description": "New starter checklist",
            "company_id": if i <= 2 { json!(3) } else { Value::Null }, "company_name": if i <= 2 { json!("Acme Dental") } else { Value::Null },
            "total": 10, "completed": i * 2, "completion_percentage": format!("{}%", i * 20), "url": format!("{URL}/processes/p{i}")}))
        .collect();
    let expirations: Vec<Value> = (1..=5)
        .map(|i| json!({"id": 7000 + i, "date": format!("2026-07-0{i}"), "expiration_type": if i % 2 == 0 { "ssl_certificate" } else { "domain" },
            "company_id": 3, "expirationable_type": "Website", "expirationable_id": 100 + i, "archived_at": null}))
        .collect();
    json!({"companies": companies, "assets": assets, "articles": articles, "asset_passwords": passwords,
        "procedures": procedures, "expirations": expirations})
}

fn error(status: StatusCode, message: &str) -> Response {
    common::json(status, json!({"error": message}))
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Record not found")
}

/// Whether `item[key]` matches the filter value (ids, booleans, exact strings).
fn matches(item: &Value, key: &str, want: &str) -> bool {
    match &item[key] {
        Value::Bool(b) => want == b.to_string(),
        Value::String(s) => s.eq_ignore_ascii_case(want),
        other => id_is(other, want),
    }
}

/// One page of a collection, filtered by `filters` (query parameter, item key); `search`
/// matches any of `search_in` containing the text. `wrap` names the answer's member (`None`:
/// a bare array).
fn list(
    shared: &Shared,
    req: &Req,
    collection: &str,
    filters: &[(&str, &str)],
    wrap: Option<&str>,
) -> Response {
    let mut allowed: Vec<&str> = vec!["page", "page_size"];
    allowed.extend(filters.iter().map(|(p, _)| *p));
    if let Some(why) = strict::unexpected_param(req, &allowed) {
        return error(StatusCode::BAD_REQUEST, &why);
    }
    let number: usize = match req.query.get("page").map(|p| p.parse()) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => return error(StatusCode::BAD_REQUEST, "page must be a positive integer"),
    };
    let size = page_size(shared, req.query.get("page_size"), 25);
    let data = lock(&shared.data);
    let page: Vec<Value> = data[collection]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|item| {
            filters.iter().all(|(param, key)| {
                req.query.get(*param).is_none_or(|want| match *param {
                    "search" => ["name", "company_name"].iter().any(|k| {
                        item[*k]
                            .as_str()
                            .is_some_and(|v| v.to_lowercase().contains(&want.to_lowercase()))
                    }),
                    _ => matches(item, key, want),
                })
            })
        })
        .skip((number - 1) * size)
        .take(size)
        .cloned()
        .collect();
    let body = match wrap {
        Some(member) => json!({ member: page }),
        None => Value::Array(page),
    };
    common::json(StatusCode::OK, body)
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if req.header("x-api-key") != Some(API_KEY) {
        return error(StatusCode::UNAUTHORIZED, "Invalid API key");
    }
    let Some(seg) = strict::segments_after(req, PREFIX) else {
        return not_found();
    };
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["companies"]) => list(
            shared,
            req,
            "companies",
            &[("name", "name"), ("search", "")],
            Some("companies"),
        ),
        ("GET", ["companies", id]) => show(shared, req, "companies", id, "company"),
        ("GET", ["assets"]) => {
            let filters = [
                ("company_id", "company_id"),
                ("id", "id"),
                ("name", "name"),
                ("primary_serial", "primary_serial"),
                ("search", ""),
                ("archived", "archived"),
            ];
            // Hudu lists active assets unless `archived` is given.
            if !req.query.contains_key("archived") {
                let mut shown = req.query.clone();
                shown.insert("archived".into(), "false".into());
                let active = Req {
                    method: req.method.clone(),
                    path: req.path.clone(),
                    query: shown,
                    headers: req.headers.clone(),
                    body: req.body.clone(),
                };
                return list(shared, &active, "assets", &filters, Some("assets"));
            }
            list(shared, req, "assets", &filters, Some("assets"))
        }
        ("PUT", ["companies", company, "assets", id, "archive"]) => {
            archive(shared, req, company, id)
        }
        ("GET", ["articles"]) => list(
            shared,
            req,
            "articles",
            &[
                ("company_id", "company_id"),
                ("name", "name"),
                ("search", ""),
            ],
            Some("articles"),
        ),
        ("POST", ["articles"]) => write_article(shared, req, None),
        ("GET", ["articles", id]) => show(shared, req, "articles", id, "article"),
        ("PUT", ["articles", id]) => write_article(shared, req, Some(id)),
        ("GET", ["asset_passwords"]) => list(
            shared,
            req,
            "asset_passwords",
            &[("company_id", "company_id"), ("search", "")],
            Some("asset_passwords"),
        ),
        ("GET", ["procedures"]) => list(
            shared,
            req,
            "procedures",
            &[("company_id", "company_id"), ("name", "name")],
            Some("procedures"),
        ),
        ("GET", ["expirations"]) => list(
            shared,
            req,
            "expirations",
            &[
                ("company_id", "company_id"),
                ("expiration_type", "expiration_type"),
            ],
            None,
        ),
        _ => not_found(),
    }
}

fn show(shared: &Shared, req: &Req, collection: &str, id: &str, member: &str) -> Response {
    if let Some(why) = strict::unexpected_param(req, &[]) {
        return error(StatusCode::BAD_REQUEST, &why);
    }
    let data = lock(&shared.data);
    data[collection]
        .as_array()
        .and_then(|a| a.iter().find(|i| id_is(&i["id"], id)))
        .map_or_else(not_found, |i| {
            common::json(StatusCode::OK, json!({ member: i }))
        })
}

fn archive(shared: &Shared, req: &Req, company: &str, id: &str) -> Response {
    if !req.query.is_empty() || !req.body.is_empty() {
        return error(StatusCode::BAD_REQUEST, "Archiving takes no parameters");
    }
    let mut data = lock(&shared.data);
    match data["assets"].as_array_mut().and_then(|a| {
        a.iter_mut()
            .find(|a| id_is(&a["id"], id) && id_is(&a["company_id"], company))
    }) {
        Some(asset) => {
            asset["archived"] = json!(true);
            common::json(StatusCode::OK, json!({"asset": asset}))
        }
        None => not_found(),
    }
}

/// POST /articles (`id` None) or PUT /articles/{id}: an `{"article": {...}}` body.
fn write_article(shared: &Shared, req: &Req, id: Option<&str>) -> Response {
    let body = match strict::json_object(req) {
        Ok(b) => b,
        Err(why) => return error(StatusCode::BAD_REQUEST, &why),
    };
    if let Some(why) = strict::unexpected_member(&body, &["article"]) {
        return error(StatusCode::BAD_REQUEST, &why);
    }
    let Some(article) = body.get("article").and_then(Value::as_object) else {
        return error(
            StatusCode::BAD_REQUEST,
            "param is missing or the value is empty: article",
        );
    };
    if let Some(why) = strict::unexpected_member(article, &ARTICLE_MODEL) {
        return error(StatusCode::BAD_REQUEST, &why);
    }
    let mut data = lock(&shared.data);
    let Some(articles) = data["articles"].as_array_mut() else {
        return not_found();
    };
    let saved = match id {
        Some(id) => {
            let Some(existing) = articles.iter_mut().find(|a| id_is(&a["id"], id)) else {
                return not_found();
            };
            for (k, v) in article {
                existing[k] = v.clone();
            }
            existing["updated_at"] = json!("2026-06-01T12:00:00.000Z");
            existing.clone()
        }
        None => {
            if !article.get("name").is_some_and(Value::is_string) {
                return error(StatusCode::UNPROCESSABLE_ENTITY, "Name can't be blank");
            }
            let new_id = 4000 + articles.len() + 1;
            let mut created = Value::Object(article.clone());
            created["id"] = json!(new_id);
            created["url"] = json!(format!("{URL}/kba/new-{new_id}"));
            articles.push(created.clone());
            created
        }
    };
    common::json(StatusCode::OK, json!({"article": saved}))
}
