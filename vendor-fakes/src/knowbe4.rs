//! KnowBe4 fake: the Reporting API of the five servers (`{us,eu,ca,uk,de}.api.knowbe4.com`),
//! `Authorization: Bearer <Reporting API token>` only; the account, users (status, group_id),
//! groups and their members, phishing campaigns, security tests and their recipients, training
//! campaigns and enrollments. Lists are JSON arrays paged with `page` and `per_page` (100 by
//! default, 500 at most); a parameter the endpoint does not take is a 400.

use std::net::SocketAddr;

use axum::{http::StatusCode, response::Response};
use serde_json::{json, Value};

use crate::common::{self, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};

/// The Reporting API token the fake accepts.
pub const API_KEY: &str = "fake-kb4-reporting-token-0123456789";

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: ["us", "eu", "ca", "uk", "de"]
                .iter()
                .map(|r| format!("https://{r}.api.knowbe4.com"))
                .collect(),
            data: seed(),
            handle,
            exempt: |_| false,
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

const FIRST: [&str; 5] = ["Dana", "Sam", "Lee", "Kim", "Alex"];
const DEPARTMENTS: [&str; 3] = ["Finance", "Sales", "Operations"];
const STATUSES: [&str; 4] = ["Not Started", "Passed", "In Progress", "Past Due"];

fn seed() -> Value {
    let users: Vec<Value> = (1..=23)
        .map(|i| {
            let group = 3001 + (i % 2);
            json!({"id": 5000 + i, "employee_number": format!("E{i:04}"), "first_name": FIRST[i % 5], "last_name": format!("Person{i}"),
                "job_title": "Staff", "email": format!("user{i}@acme.example"), "phish_prone_percentage": (i * 7 % 40) as f64 + 0.5,
                "phone_number": "", "location": "Head office", "division": "", "department": DEPARTMENTS[i % 3],
                "manager_name": "Pat Boss", "manager_email": "pat@acme.example", "groups": [group], "current_risk_score": (i * 3 % 60) as f64 + 0.25,
                "joined_on": "2025-01-02T09:00:00.000Z", "last_sign_in": "2026-05-30T08:00:00.000Z",
                "status": if i % 6 == 0 { "archived" } else { "active" }})
        })
        .collect();
    let groups = json!([
        {"id": 3001, "name": "All staff", "group_type": "console_group", "member_count": 12, "current_risk_score": 31.2, "status": "active"},
        {"id": 3002, "name": "Finance", "group_type": "smart_group", "member_count": 11, "current_risk_score": 44.7, "status": "active"},
    ]);
    let campaigns = json!([
        {"campaign_id": 6001, "name": "Monthly baseline", "status": "Active", "frequency": "Monthly", "last_run": "2026-05-01T09:00:00.000Z",
         "last_phish_prone_percentage": 0.124, "groups": [{"group_id": 3001, "name": "All staff"}], "psts_count": 3},
        {"campaign_id": 6002, "name": "Finance spear phish", "status": "Closed", "frequency": "One Time", "last_run": "2026-03-15T09:00:00.000Z",
         "last_phish_prone_percentage": 0.2, "groups": [{"group_id": 3002, "name": "Finance"}], "psts_count": 1},
    ]);
    let tests: Vec<Value> = (1..=5)
        .map(|i| json!({"campaign_id": if i == 5 { 6002 } else { 6001 }, "pst_id": 7000 + i, "status": "Closed",
            "name": format!("Test run {i}"), "started_at": format!("2026-0{i}-01T09:00:00.000Z"), "duration": 3,
            "phish_prone_percentage": 0.1 + i as f64 / 100.0, "scheduled_count": 23, "delivered_count": 23, "opened_count": 10,
            "clicked_count": i, "replied_count": 0, "data_entered_count": i / 2, "reported_count": 6, "bounced_count": 0}))
        .collect();
    let recipients: Vec<Value> = (1..=7)
        .map(|i| json!({"recipient_id": 9000 + i, "pst_id": 7001, "user": {"id": 5000 + i, "first_name": FIRST[i % 5],
            "last_name": format!("Person{i}"), "email": format!("user{i}@acme.example")},
            "template": {"id": 1, "name": "Password expiry"}, "scheduled_at": "2026-01-01T09:00:00.000Z",
            "delivered_at": "2026-01-01T09:01:00.000Z", "opened_at": if i % 2 == 0 { json!("2026-01-01T10:00:00.000Z") } else { Value::Null },
            "clicked_at": if i % 3 == 0 { json!("2026-01-01T10:01:00.000Z") } else { Value::Null }, "data_entered_at": Value::Null,
            "reported_at": if i % 4 == 0 { json!("2026-01-01T10:05:00.000Z") } else { Value::Null }}))
        .collect();
    let trainings = json!([
        {"campaign_id": 8001, "name": "2026 Security Awareness", "status": "In Progress", "start_date": "2026-01-10T00:00:00.000Z",
         "end_date": "2026-06-30T00:00:00.000Z", "completion_percentage": 64, "groups": [{"group_id": 3001, "name": "All staff"}]},
    ]);
    let enrollments: Vec<Value> = (1..=9)
        .map(|i| json!({"enrollment_id": 10_000 + i, "content_type": "Training Module", "module_name": "Security Awareness Training 2026",
            "user": {"id": 5000 + i, "first_name": FIRST[i % 5], "last_name": format!("Person{i}"), "email": format!("user{i}@acme.example")},
            "campaign_name": "2026 Security Awareness", "enrollment_date": "2026-01-10T00:00:00.000Z",
            "start_date": if i % 3 == 0 { Value::Null } else { json!("2026-01-12T09:00:00.000Z") },
            "completion_date": if i % 2 == 0 { json!("2026-02-01T09:00:00.000Z") } else { Value::Null },
            "status": STATUSES[i % 4], "time_spent": i * 60, "policy_acknowledged": false,
            "archived": i == 9}))
        .collect();
    json!({"account": {"name": "Acme Dental", "type": "paid", "domains": ["acme.example"], "admins": [{"id": 1, "first_name": "Pat", "last_name": "Boss", "email": "pat@acme.example"}],
        "subscription_level": "Diamond", "subscription_end_date": "2027-01-31", "number_of_seats": 25, "current_risk_score": 37.8},
        "users": users, "groups": groups, "campaigns": campaigns, "tests": tests, "recipients": recipients,
        "trainings": trainings, "enrollments": enrollments})
}

fn error(status: StatusCode, message: &str) -> Response {
    common::json(status, json!({"message": message}))
}

/// One page of `items`; `allowed` are the endpoint's own parameters besides the paging ones.
fn page(shared: &Shared, req: &Req, items: Vec<Value>, allowed: &[&str]) -> Response {
    if let Some(bad) = req
        .query
        .keys()
        .find(|k| !matches!(k.as_str(), "page" | "per_page") && !allowed.contains(&k.as_str()))
    {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("Unknown parameter: {bad}"),
        );
    }
    let per_page = req
        .query
        .get("per_page")
        .and_then(|p| p.parse::<usize>().ok());
    if per_page.is_some_and(|p| p > 500) {
        return error(StatusCode::BAD_REQUEST, "per_page must be at most 500");
    }
    let number: usize = match req.query.get("page").map(|p| p.parse::<usize>()) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        _ => return error(StatusCode::BAD_REQUEST, "page must be a positive integer"),
    };
    let size = page_size(shared, req.query.get("per_page"), 100);
    let out: Vec<Value> = items
        .into_iter()
        .skip((number - 1) * size)
        .take(size)
        .collect();
    common::json(StatusCode::OK, Value::Array(out))
}

fn list(data: &Value, key: &str) -> Vec<Value> {
    data[key].as_array().cloned().unwrap_or_default()
}

fn found(item: Option<&Value>) -> Response {
    match item {
        Some(v) => common::json(StatusCode::OK, v.clone()),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if req.header("authorization") != Some(format!("Bearer {API_KEY}").as_str()) {
        return error(StatusCode::UNAUTHORIZED, "Invalid API token");
    }
    if req.method != "GET" {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "The Reporting API is read-only",
        );
    }
    let data = lock(&shared.data).clone();
    let seg = req.segments();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    let q = |k: &str| req.query.get(k).map(String::as_str);
    match s.as_slice() {
        ["v1", "account"] => common::json(StatusCode::OK, data["account"].clone()),
        ["v1", "users"] => {
            let users = list(&data, "users")
                .into_iter()
                .filter(|u| q("status").is_none_or(|st| u["status"] == st))
                .filter(|u| {
                    q("group_id").is_none_or(|g| {
                        u["groups"]
                            .as_array()
                            .is_some_and(|gs| gs.iter().any(|x| common::id_is(x, g)))
                    })
                })
                .collect();
            page(shared, req, users, &["status", "group_id"])
        }
        ["v1", "users", id] => found(
            list(&data, "users")
                .iter()
                .find(|u| common::id_is(&u["id"], id)),
        ),
        ["v1", "groups"] => page(shared, req, list(&data, "groups"), &[]),
        ["v1", "groups", id, "members"] => {
            if !list(&data, "groups")
                .iter()
                .any(|g| common::id_is(&g["id"], id))
            {
                return error(StatusCode::NOT_FOUND, "Not Found");
            }
            let members = list(&data, "users")
                .into_iter()
                .filter(|u| {
                    u["groups"]
                        .as_array()
                        .is_some_and(|gs| gs.iter().any(|x| common::id_is(x, id)))
                })
                .collect();
            page(shared, req, members, &[])
        }
        ["v1", "phishing", "campaigns"] => page(shared, req, list(&data, "campaigns"), &[]),
        ["v1", "phishing", "security_tests"] => page(shared, req, list(&data, "tests"), &[]),
        ["v1", "phishing", "security_tests", pst, "recipients"] => {
            if !list(&data, "tests")
                .iter()
                .any(|t| common::id_is(&t["pst_id"], pst))
            {
                return error(StatusCode::NOT_FOUND, "Not Found");
            }
            let recipients = list(&data, "recipients")
                .into_iter()
                .filter(|r| common::id_is(&r["pst_id"], pst))
                .collect();
            page(shared, req, recipients, &[])
        }
        ["v1", "training", "campaigns"] => page(shared, req, list(&data, "trainings"), &[]),
        ["v1", "training", "enrollments"] => {
            let exclude = match q("exclude_archived_users") {
                None | Some("false") => false,
                Some("true") => true,
                Some(_) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "exclude_archived_users must be true or false",
                    )
                }
            };
            let enrollments = list(&data, "enrollments")
                .into_iter()
                .filter(|e| !(exclude && e["archived"] == true))
                .collect();
            page(shared, req, enrollments, &["exclude_archived_users"])
        }
        _ => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}
