//! IT Glue fake: `x-api-key` only, JSON:API documents, `filter[...]`, `page[number]` /
//! `page[size]` with `links.next`, organizations, configurations, contacts, passwords (list
//! answers carry a `password` attribute here on purpose: the gateway must never pass it on),
//! flexible asset types and assets, contact creation and organization updates.

use std::net::SocketAddr;

use axum::{http::StatusCode, response::Response};
use serde_json::{json, Value};

use crate::common::{self, error, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};

/// The API key the fake accepts.
pub const API_KEY: &str = "ITG.fake0123456789abcdef";

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: vec![
                "https://api.itglue.com".into(),
                "https://api.eu.itglue.com".into(),
                "https://api.au.itglue.com".into(),
            ],
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

const FIRST_NAMES: [&str; 4] = ["Dana", "Sam", "Lee", "Kim"];
const ASSET_TYPES: [&str; 3] = ["Wireless", "Backup", "Email"];

fn resource(kind: &str, id: usize, attributes: Value) -> Value {
    json!({"id": id.to_string(), "type": kind, "attributes": attributes})
}

fn seed() -> Value {
    let orgs: Vec<Value> = (1..=45)
        .map(|i| {
            resource("organizations", 1000 + i, json!({"name": format!("Client {i:02}"), "short-name": format!("C{i:02}"),
                "organization-type-name": "Customer", "organization-status-name": "Active", "quick-notes": "",
                "description": null, "updated-at": "2026-01-01T00:00:00.000Z"}))
        })
        .collect();
    let configs: Vec<Value> = (1..=30)
        .map(|i| {
            resource("configurations", 2000 + i, json!({"organization-id": 1000 + (i % 3) + 1, "organization-name": format!("Client {:02}", (i % 3) + 1),
                "name": if i == 1 { "DC01".to_owned() } else { format!("WS-{i:03}") }, "hostname": format!("ws-{i:03}.corp.example"),
                "configuration-type-name": "Workstation", "configuration-status-name": "Active", "serial-number": format!("SN{i:05}"),
                "primary-ip": format!("10.0.0.{i}"), "operating-system-notes": "Windows 11", "notes": "Imaged 2025."}))
        })
        .collect();
    let contacts: Vec<Value> = (1..=20)
        .map(|i| {
            resource("contacts", 4000 + i, json!({"organization-id": 1000 + (i % 2) + 1, "organization-name": "Client 01",
                "first-name": FIRST_NAMES[i % 4], "last-name": format!("Person{i}"), "title": "Staff",
                "contact-emails": [{"value": format!("p{i}@client.example"), "primary": true}]}))
        })
        .collect();
    let passwords: Vec<Value> = (1..=12)
        .map(|i| {
            resource("passwords", 5000 + i, json!({"organization-id": 1001, "organization-name": "Client 01", "name": format!("Router admin {i}"),
                "username": "admin", "password": format!("hunter2-{i}"), "url": "https://router.client.example",
                "password-category-name": "Network", "updated-at": "2026-01-01T00:00:00.000Z"}))
        })
        .collect();
    let types: Vec<Value> = (1..=3)
        .map(|i| {
            resource(
                "flexible-asset-types",
                3000 + i,
                json!({"name": ASSET_TYPES[i - 1], "description": "", "enabled": true}),
            )
        })
        .collect();
    let assets: Vec<Value> = (1..=8)
        .map(|i| {
            resource("flexible-assets", 6000 + i, json!({"organization-id": 1001, "organization-name": "Client 01", "flexible-asset-type-id": 3000 + (i % 3) + 1,
                "flexible-asset-type-name": ASSET_TYPES[i % 3], "name": format!("Asset {i}"),
                "traits": {"ssid": format!("corp-{i}")}, "updated-at": "2026-01-01T00:00:00.000Z"}))
        })
        .collect();
    json!({"organizations": orgs, "configurations": configs, "contacts": contacts, "passwords": passwords,
        "flexible_asset_types": types, "flexible_assets": assets})
}

fn attr_eq(item: &Value, attr: &str, want: &str) -> bool {
    match &item["attributes"][attr] {
        Value::String(s) => s == want,
        Value::Number(n) => n.to_string() == want,
        _ => false,
    }
}

fn list(shared: &Shared, req: &Req, collection: &str, filters: &[(&str, &str)]) -> Response {
    let data = lock(&shared.data);
    let all = data[collection].as_array().cloned().unwrap_or_default();
    let matching: Vec<Value> = all
        .into_iter()
        .filter(|item| {
            filters.iter().all(|(param, attr)| {
                req.query
                    .get(*param)
                    .is_none_or(|want| attr_eq(item, attr, want))
            })
        })
        .collect();
    let size = page_size(shared, req.query.get("page[size]"), 50);
    let number: usize = req
        .query
        .get("page[number]")
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
        .max(1);
    let total_pages = matching.len().div_ceil(size).max(1);
    let page: Vec<Value> = matching
        .iter()
        .skip((number - 1) * size)
        .take(size)
        .cloned()
        .collect();
    let link = |n: usize| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &req.query {
            if k != "page[number]" && k != "page[size]" {
                q.append_pair(k, v);
            }
        }
        q.append_pair("page[number]", &n.to_string())
            .append_pair("page[size]", &size.to_string());
        format!("{}{}?{}", shared.public_origin, req.path, q.finish())
    };
    let mut links = json!({"self": link(number), "last": link(total_pages)});
    if number < total_pages {
        links["next"] = json!(link(number + 1));
    }
    common::json(
        StatusCode::OK,
        json!({"data": page, "links": links,
        "meta": {"current-page": number, "next-page": (number < total_pages).then_some(number + 1),
            "prev-page": (number > 1).then_some(number - 1), "total-pages": total_pages, "total-count": matching.len()}}),
    )
}

fn show(shared: &Shared, collection: &str, id: &str) -> Response {
    let data = lock(&shared.data);
    match data[collection]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == id))
    {
        Some(item) => common::json(StatusCode::OK, json!({"data": item})),
        None => not_found(),
    }
}

fn not_found() -> Response {
    common::json(
        StatusCode::NOT_FOUND,
        json!({"errors": [{"status": "404", "title": "Record not found", "detail": "Record not found"}]}),
    )
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if req.header("x-api-key") != Some(API_KEY) {
        return common::json(
            StatusCode::UNAUTHORIZED,
            json!({"errors": [{"status": "401", "title": "Unauthorized",
            "detail": "The API key provided is invalid or has expired"}]}),
        );
    }
    let writes = matches!(req.method.as_str(), "POST" | "PATCH");
    if writes && req.header("content-type") != Some("application/vnd.api+json") {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/vnd.api+json",
        );
    }
    let seg = req.segments();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["organizations"]) => {
            list(shared, req, "organizations", &[("filter[name]", "name")])
        }
        ("GET", ["organizations", id]) => show(shared, "organizations", id),
        ("PATCH", ["organizations", id]) => {
            let body = req.json().unwrap_or(Value::Null);
            if body["data"]["type"] != "organizations" {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "data.type must be organizations",
                );
            }
            let mut data = lock(&shared.data);
            let Some(org) = data["organizations"]
                .as_array_mut()
                .and_then(|a| a.iter_mut().find(|i| i["id"] == *id))
            else {
                return not_found();
            };
            if let Some(attrs) = body["data"]["attributes"].as_object() {
                for (k, v) in attrs {
                    org["attributes"][k] = v.clone();
                }
            }
            common::json(StatusCode::OK, json!({"data": org}))
        }
        ("POST", ["organizations", org_id, "relationships", "contacts"]) => {
            let body = req.json().unwrap_or(Value::Null);
            let attrs = &body["data"]["attributes"];
            if body["data"]["type"] != "contacts" || !attrs["first-name"].is_string() {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "data.type must be contacts with first-name",
                );
            }
            let mut data = lock(&shared.data);
            let Some(contacts) = data["contacts"].as_array_mut() else {
                return not_found();
            };
            let id = 4000 + contacts.len() + 1;
            let mut attributes = attrs.clone();
            attributes["organization-id"] = json!(org_id.parse::<u64>().unwrap_or(0));
            attributes["organization-name"] = json!("Client 01");
            let contact = resource("contacts", id, attributes);
            contacts.push(contact.clone());
            common::json(StatusCode::CREATED, json!({"data": contact}))
        }
        ("GET", ["configurations"]) => list(
            shared,
            req,
            "configurations",
            &[
                ("filter[organization_id]", "organization-id"),
                ("filter[name]", "name"),
                ("filter[serial_number]", "serial-number"),
            ],
        ),
        ("GET", ["configurations", id]) => show(shared, "configurations", id),
        ("GET", ["contacts"]) => list(
            shared,
            req,
            "contacts",
            &[
                ("filter[organization_id]", "organization-id"),
                ("filter[first_name]", "first-name"),
                ("filter[last_name]", "last-name"),
            ],
        ),
        ("GET", ["passwords"]) => list(
            shared,
            req,
            "passwords",
            &[
                ("filter[organization_id]", "organization-id"),
                ("filter[name]", "name"),
            ],
        ),
        ("GET", ["flexible_asset_types"]) => list(shared, req, "flexible_asset_types", &[]),
        ("GET", ["flexible_assets"]) => {
            if !req.query.contains_key("filter[flexible_asset_type_id]") {
                return common::json(
                    StatusCode::BAD_REQUEST,
                    json!({"errors": [{"status": "400", "title": "Bad Request",
                    "detail": "filter[flexible_asset_type_id] is required"}]}),
                );
            }
            list(
                shared,
                req,
                "flexible_assets",
                &[
                    ("filter[flexible_asset_type_id]", "flexible-asset-type-id"),
                    ("filter[organization_id]", "organization-id"),
                    ("filter[name]", "name"),
                ],
            )
        }
        _ => not_found(),
    }
}
