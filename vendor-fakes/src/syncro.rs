//! Syncro fake: `Authorization: Bearer <API token>` only (a token in an `api_key` query parameter
//! is refused, so no definition puts it in a URL), `/api/v1` me, customers, contacts, tickets
//! (with comments), customer assets and RMM alerts, 25 records a page by `page` with `meta`
//! (total_pages, total_entries); ticket creation, comments and status changes, answered in
//! Syncro's `{"ticket": …}` / `{"comment": …}` envelopes. Unknown query parameters and body
//! fields are refused with 400 (422 for invalid values, as Syncro does).

use std::net::SocketAddr;

use axum::{http::StatusCode, response::Response};
use serde_json::{json, Map, Value};

use crate::common::{self, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};

/// The API token the fake accepts.
pub const API_TOKEN: &str = "T0fakesyncro-0123456789abcdef0123456789";
/// The subdomain the fake stands for.
pub const SUBDOMAIN: &str = "msp";

const STATUSES: [&str; 9] = [
    "New",
    "In Progress",
    "Resolved",
    "Invoiced",
    "Waiting for Parts",
    "Waiting on Customer",
    "Scheduled",
    "Customer Reply",
    "Not Closed",
];

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: vec![format!("https://{SUBDOMAIN}.syncromsp.com")],
            data: seed(),
            handle,
            exempt: |_| false,
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
    let names = [
        "Acme Dental",
        "Bluebird Cafe",
        "Cedar Law",
        "Delta Farms",
        "Evergreen School",
    ];
    let customers: Vec<Value> = (1..=30)
        .map(|n| {
            let business = if n <= names.len() { names[n - 1].to_owned() } else { format!("Customer {n:02}") };
            json!({"id": 500 + n, "business_name": business, "fullname": format!("Owner {n}"), "firstname": "Owner",
                "lastname": format!("{n}"), "email": format!("owner{n}@c{n}.example"), "phone": format!("555-04{n:02}"),
                "mobile": "", "address": format!("{n} Main St"), "city": "Springfield", "state": "IL", "zip": "62701",
                "notes": "Key under the mat.", "disabled": false, "business_then_name": business})
        })
        .collect();
    let contacts: Vec<Value> = (1..=8)
        .map(|n| json!({"id": 800 + n, "customer_id": 501 + (n % 2), "name": format!("Contact {n}"),
            "email": format!("contact{n}@acme.example"), "phone": "555-0500", "mobile": "", "title": "Manager"}))
        .collect();
    let tickets: Vec<Value> = (1..=12)
        .map(|n| {
            let customer = 501 + (n % 3);
            json!({"id": 9100 + n, "number": 3000 + n, "subject": if n % 4 == 1 { format!("Printer offline {n}") } else { format!("Issue {n}") },
                "customer_id": customer, "customer_business_then_name": names[n % 3], "contact_id": null,
                "status": if n % 5 == 0 { "Resolved" } else { "New" }, "problem_type": "Hardware", "priority": "2 Normal",
                "user_id": 7, "due_date": "2026-06-05T17:00:00Z", "created_at": format!("2026-05-{n:02}T09:00:00Z"),
                "updated_at": format!("2026-05-{n:02}T10:00:00Z"),
                "comments": [{"id": 60000 + n, "subject": "Initial Issue", "body": "Reported by phone.", "tech": "Dana",
                    "hidden": false, "created_at": format!("2026-05-{n:02}T09:00:00Z")}]})
        })
        .collect();
    let assets: Vec<Value> = (1..=9)
        .map(|n| json!({"id": 1200 + n, "name": if n % 3 == 0 { format!("SRV-{n:02}") } else { format!("PC-{n:02}") },
            "asset_type": "Syncro Device", "asset_serial": format!("SYN{n:05}"), "customer_id": 501 + (n % 2),
            "customer": {"id": 501 + (n % 2), "business_then_name": names[n % 2]},
            "external_rmm_link": format!("https://{SUBDOMAIN}.syncromsp.com/customer_assets/{}", 1200 + n),
            "properties": {"os": "Windows 11"}}))
        .collect();
    let alerts: Vec<Value> = (1..=5)
        .map(|n| json!({"id": 4400 + n, "description": format!("Low disk space on C: ({n}% free)"), "status": if n == 5 { "resolved" } else { "active" },
            "resolved": n == 5, "customer_id": 501, "asset_id": 1201, "computer_name": "PC-01",
            "created_at": format!("2026-05-3{}T08:00:00Z", n % 2)}))
        .collect();
    json!({"customers": customers, "contacts": contacts, "tickets": tickets, "assets": assets, "rmm_alerts": alerts})
}

fn error(status: StatusCode, message: &str) -> Response {
    common::json(status, json!({"error": message}))
}

/// One page of 25 (or the fake's page size) under `key`, with Syncro's `meta`.
fn list(shared: &Shared, req: &Req, key: &str, items: Vec<Value>) -> Response {
    let size = page_size(shared, None, 25);
    let page: usize = req
        .query
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let total = items.len();
    let out: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    let mut body = json!({"meta": {"total_pages": total.div_ceil(size), "total_entries": total, "per_page": size, "page": page}});
    body[key] = Value::Array(out);
    common::json(StatusCode::OK, body)
}

fn text_has(item: &Value, fields: &[&str], want: Option<&String>) -> bool {
    want.is_none_or(|w| {
        fields.iter().any(|f| {
            item[*f]
                .as_str()
                .is_some_and(|v| v.to_lowercase().contains(&w.to_lowercase()))
        })
    })
}

fn id_eq(item: &Value, field: &str, want: Option<&String>) -> bool {
    want.is_none_or(|w| common::id_is(&item[field], w))
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if req.query.contains_key("api_key") {
        return error(
            StatusCode::BAD_REQUEST,
            "Send the API token in the Authorization header.",
        );
    }
    if req.header("authorization") != Some(format!("Bearer {API_TOKEN}").as_str()) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Not authorized: the API token is invalid or expired.",
        );
    }
    let seg = req.segments();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    let allowed: &[&str] = match s.as_slice() {
        ["api", "v1", "customers"] => &["query", "page"],
        ["api", "v1", "contacts"] => &["customer_id", "page"],
        ["api", "v1", "tickets"] if req.method == "GET" => {
            &["customer_id", "status", "query", "page"]
        }
        ["api", "v1", "customer_assets"] => &["customer_id", "query", "page"],
        ["api", "v1", "rmm_alerts"] => &["status", "page"],
        _ => &[],
    };
    if let Some(k) = req.query.keys().find(|k| !allowed.contains(&k.as_str())) {
        return error(StatusCode::BAD_REQUEST, &format!("Unknown parameter {k}"));
    }
    let data = lock(&shared.data).clone();
    let all = |key: &str| data[key].as_array().cloned().unwrap_or_default();
    let q = |k: &str| req.query.get(k);
    let one = |key: &str, id: &str, root: &str| {
        all(key)
            .into_iter()
            .find(|i| common::id_is(&i["id"], id))
            .map_or_else(
                || error(StatusCode::NOT_FOUND, "Record not found"),
                |i| {
                    let mut body = json!({});
                    body[root] = i;
                    common::json(StatusCode::OK, body)
                },
            )
    };
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["api", "v1", "me"]) => common::json(
            StatusCode::OK,
            json!({"user_id": 7, "user_name": "Gateway Tech",
            "email": "tech@msp.example", "subdomain": SUBDOMAIN}),
        ),
        ("GET", ["api", "v1", "customers"]) => list(
            shared,
            req,
            "customers",
            all("customers")
                .into_iter()
                .filter(|c| {
                    text_has(
                        c,
                        &["business_name", "fullname", "email", "phone"],
                        q("query"),
                    )
                })
                .collect(),
        ),
        ("GET", ["api", "v1", "customers", id]) => one("customers", id, "customer"),
        ("GET", ["api", "v1", "contacts"]) => list(
            shared,
            req,
            "contacts",
            all("contacts")
                .into_iter()
                .filter(|c| id_eq(c, "customer_id", q("customer_id")))
                .collect(),
        ),
        ("GET", ["api", "v1", "tickets"]) => {
            if let Some(status) = q("status").filter(|s| !STATUSES.contains(&s.as_str())) {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &format!("Unknown status {status}"),
                );
            }
            let mut tickets: Vec<Value> = all("tickets")
                .into_iter()
                .filter(|t| {
                    id_eq(t, "customer_id", q("customer_id"))
                        && text_has(t, &["subject"], q("query"))
                })
                .filter(|t| match q("status").map(String::as_str) {
                    None => true,
                    Some("Not Closed") => {
                        !matches!(t["status"].as_str(), Some("Resolved" | "Invoiced"))
                    }
                    Some(s) => t["status"] == s,
                })
                .map(|mut t| {
                    if let Some(m) = t.as_object_mut() {
                        m.remove("comments");
                    }
                    t
                })
                .collect();
            tickets.reverse();
            list(shared, req, "tickets", tickets)
        }
        ("GET", ["api", "v1", "tickets", id]) => one("tickets", id, "ticket"),
        ("GET", ["api", "v1", "customer_assets"]) => list(
            shared,
            req,
            "assets",
            all("assets")
                .into_iter()
                .filter(|a| {
                    id_eq(a, "customer_id", q("customer_id"))
                        && text_has(a, &["name", "asset_serial"], q("query"))
                })
                .collect(),
        ),
        ("GET", ["api", "v1", "rmm_alerts"]) => {
            let status = q("status").map_or("active", String::as_str);
            if !["active", "resolved", "all"].contains(&status) {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "status is active, resolved or all",
                );
            }
            list(
                shared,
                req,
                "rmm_alerts",
                all("rmm_alerts")
                    .into_iter()
                    .filter(|a| status == "all" || a["status"] == status)
                    .collect(),
            )
        }
        ("POST", ["api", "v1", "tickets"]) => create_ticket(shared, req),
        ("POST", ["api", "v1", "tickets", id, "comment"]) => comment(shared, req, id),
        ("PUT", ["api", "v1", "tickets", id]) => update_ticket(shared, req, id),
        _ => error(StatusCode::NOT_FOUND, "Not found"),
    }
}

/// The JSON object body with only `allowed` keys, and the `required` ones present.
fn body(
    req: &Req,
    allowed: &[&str],
    required: &[&str],
) -> Result<Map<String, Value>, Box<Response>> {
    let Some(Value::Object(b)) = req
        .json()
        .filter(|_| req.header("content-type") == Some("application/json"))
    else {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "A JSON object body is required.",
        )));
    };
    if let Some(k) = b.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            &format!("Unknown field {k}"),
        )));
    }
    if let Some(k) = required
        .iter()
        .find(|k| b.get(**k).is_none_or(|v| v.is_null() || *v == ""))
    {
        return Err(Box::new(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("{k} can't be blank"),
        )));
    }
    Ok(b)
}

fn enveloped(root: &str, record: Value) -> Response {
    let mut body = json!({});
    body[root] = record;
    common::json(StatusCode::OK, body)
}

fn create_ticket(shared: &Shared, req: &Req) -> Response {
    let b = match body(
        req,
        &[
            "customer_id",
            "subject",
            "problem_type",
            "status",
            "contact_id",
            "comments_attributes",
        ],
        &["customer_id", "subject", "problem_type"],
    ) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let mut data = lock(&shared.data);
    if !data["customers"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["id"] == b["customer_id"]))
    {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Customer must exist");
    }
    let status = b.get("status").cloned().unwrap_or(json!("New"));
    if !status.as_str().is_some_and(|s| STATUSES[..8].contains(&s)) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Status is not valid");
    }
    let comments: Vec<Value> = match b.get("comments_attributes") {
        None => vec![],
        Some(Value::Array(list))
            if list
                .iter()
                .all(|c| c["body"].is_string() && c["subject"].is_string()) =>
        {
            list.clone()
        }
        Some(_) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Each comment needs a subject and a body",
            )
        }
    };
    let Some(tickets) = data["tickets"].as_array_mut() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "no tickets");
    };
    let id = tickets
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .max()
        .unwrap_or(9100)
        + 1;
    let ticket = json!({"id": id, "number": id - 6100, "subject": b["subject"], "customer_id": b["customer_id"],
        "contact_id": b.get("contact_id"), "status": status, "problem_type": b["problem_type"], "priority": null,
        "user_id": null, "created_at": "2026-06-01T12:00:00Z", "updated_at": "2026-06-01T12:00:00Z", "comments": comments});
    tickets.push(ticket.clone());
    enveloped("ticket", ticket)
}

fn comment(shared: &Shared, req: &Req, id: &str) -> Response {
    let b = match body(
        req,
        &["subject", "body", "hidden", "do_not_email", "tech"],
        &["subject", "body"],
    ) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    if ["hidden", "do_not_email"]
        .iter()
        .any(|k| b.get(*k).is_some_and(|v| !v.is_boolean()))
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "hidden and do_not_email are booleans",
        );
    }
    let mut data = lock(&shared.data);
    let Some(ticket) = data["tickets"]
        .as_array_mut()
        .and_then(|t| t.iter_mut().find(|t| common::id_is(&t["id"], id)))
    else {
        return error(StatusCode::NOT_FOUND, "Record not found");
    };
    let n = ticket["comments"].as_array().map_or(0, Vec::len);
    let new = json!({"id": 70000 + n, "ticket_id": ticket["id"], "subject": b["subject"], "body": b["body"],
        "hidden": b.get("hidden").cloned().unwrap_or(json!(false)), "tech": "Gateway Tech", "created_at": "2026-06-01T12:00:00Z"});
    if let Some(list) = ticket["comments"].as_array_mut() {
        list.push(new.clone());
    }
    enveloped("comment", new)
}

fn update_ticket(shared: &Shared, req: &Req, id: &str) -> Response {
    let b = match body(
        req,
        &["status", "subject", "problem_type", "user_id", "due_date"],
        &[],
    ) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    if let Some(status) = b
        .get("status")
        .filter(|s| !s.as_str().is_some_and(|s| STATUSES[..8].contains(&s)))
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Status {status} is not valid"),
        );
    }
    let mut data = lock(&shared.data);
    let Some(ticket) = data["tickets"]
        .as_array_mut()
        .and_then(|t| t.iter_mut().find(|t| common::id_is(&t["id"], id)))
    else {
        return error(StatusCode::NOT_FOUND, "Record not found");
    };
    for (k, v) in b {
        ticket[k.as_str()] = v;
    }
    ticket["updated_at"] = json!("2026-06-01T12:00:00Z");
    enveloped("ticket", ticket.clone())
}
