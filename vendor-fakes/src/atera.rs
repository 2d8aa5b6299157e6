//! Atera fake (API v3 under `/api/v3`): the `X-API-KEY` header only (401 with an empty body
//! otherwise, as Atera answers), paged lists `{items, page, itemsInPage, totalItemCount,
//! totalPages, prevLink, nextLink}` with `page` / `itemsInPage` (default 20, max 50) and an
//! absolute `nextLink` that is `""` on the last page, customers, contacts (`Email`), agents (all
//! and per customer), alerts (`alertStatus`; PUT resolves), tickets (`customerId`,
//! `ticketStatus`; POST creates), ticket comments (GET and POST) and work hours, and
//! knowledge-base articles. Query parameters and body members outside the documented ones are
//! answered 400 ProblemDetails.

use std::net::SocketAddr;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use crate::common::{self, id_is, lock, page_size, FakeVendor, Options, Req, Shared, Vendor};
use crate::strict;

/// The API key the fake accepts.
pub const API_KEY: &str = "fake-atera-key-0123456789abcdef";

const PREFIX: &str = "/api/v3/";
const PAGE: [&str; 2] = ["page", "itemsInPage"];

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: vec!["https://app.atera.com".into()],
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

const CITIES: [&str; 4] = [
    "Springfield",
    "Shelbyville",
    "Ogdenville",
    "North Haverbrook",
];
const STATUSES: [&str; 4] = ["Open", "Pending", "Resolved", "Closed"];

fn seed() -> Value {
    let customers: Vec<Value> = (1..=25)
        .map(|i| json!({"CustomerID": i, "CustomerName": format!("Customer {i:02} Ltd"), "Domain": format!("customer{i:02}.example"),
            "Address": format!("{i} Main Street"), "City": CITIES[i % 4], "State": "IL", "ZipCodeStr": "62701", "Country": "United States",
            "Phone": format!("+1 555 01{i:02}"), "BusinessNumber": format!("BN-{i:04}"), "Notes": "Office hours 8-17.", "Links": null,
            "CreatedOn": "2025-01-01T09:00:00", "LastModified": "2026-01-01T09:00:00"}))
        .collect();
    let contacts: Vec<Value> = (1..=40)
        .map(|i| {
            let customer = (i % 5) + 1;
            json!({"EndUserID": 300 + i, "CustomerID": customer, "CustomerName": format!("Customer {customer:02} Ltd"),
                "Firstname": if i == 3 { "Dana" } else { "Sam" }, "Lastname": format!("Person{i}"), "JobTitle": "Office manager",
                "Email": if i == 3 { "dana@customer03.example".to_owned() } else { format!("user{i}@customer{customer:02}.example") },
                "Phone": format!("+1 555 02{i:02}"), "MobilePhone": null, "IsContactPerson": i % 5 == 0, "InIgnoreMode": false,
                "Archived": false, "CreatedOn": "2025-01-01T09:00:00", "LastModified": "2026-01-01T09:00:00"})
        })
        .collect();
    let agents: Vec<Value> = (1..=30)
        .map(|i| {
            let customer = (i % 3) + 2;
            json!({"AgentID": 500 + i, "DeviceGuid": format!("6b1e2c1a-0000-4000-8000-{i:012}"), "CustomerID": customer,
                "CustomerName": format!("Customer {customer:02} Ltd"), "AgentName": format!("WS-{i:03}"), "MachineName": format!("WS-{i:03}"),
                "DomainName": "CORP", "CurrentLoggedUsers": format!("CORP\\user{i}"), "OS": "Windows 11 Pro", "OSVersion": "10.0.22631",
                "DeviceType": if i % 6 == 0 { "Server" } else { "Workstation" }, "Online": i % 4 != 0, "LastSeen": "2026-05-31T23:00:00",
                "Vendor": "Dell Inc.", "VendorBrandModel": "OptiPlex 7010", "VendorSerialNumber": format!("DL{i:05}"),
                "Processor": "Intel Core i5-13500", "Memory": 16384, "IpAddresses": [format!("10.2.0.{i}")],
                "LastRebootTime": "2026-05-30T06:00:00", "LastLoginUser": format!("user{i}")})
        })
        .collect();
    let alerts: Vec<Value> = (1..=10)
        .map(|i| json!({"AlertID": 7000 + i, "Code": 1, "Source": "Agent", "Title": if i % 2 == 0 { "Disk space low" } else { "CPU usage high" },
            "Severity": if i % 3 == 0 { "Critical" } else { "Warning" }, "Created": "2026-05-31T10:00:00", "SnoozedEndDate": null,
            "DeviceGuid": format!("6b1e2c1a-0000-4000-8000-{i:012}"), "AgentId": 500 + i, "AdditionalInfo": "", "Archived": i > 8,
            "AlertMessage": "Threshold exceeded for 10 minutes", "DeviceName": format!("WS-{i:03}"), "CustomerID": (i % 3) + 2,
            "CustomerName": format!("Customer {:02} Ltd", (i % 3) + 2), "TicketID": null}))
        .collect();
    let tickets: Vec<Value> = (1..=30)
        .map(|i| {
            let customer = (i % 3) + 2;
            json!({"TicketID": 1000 + i, "TicketNumber": format!("{}", 1000 + i), "TicketTitle": if i % 4 == 0 { "Printer offline".to_owned() } else { format!("Issue {i}") },
                "TicketPriority": "Medium", "TicketImpact": "Minor", "TicketStatus": STATUSES[i % 4],
                "TicketSource": "Email", "TicketType": "Incident", "EndUserID": 300 + i, "EndUserEmail": format!("user{i}@customer{customer:02}.example"),
                "CustomerID": customer, "CustomerName": format!("Customer {customer:02} Ltd"), "TechnicianContactID": 11,
                "TechnicianFullName": "Alex Tech", "TicketCreatedDate": "2026-05-01T09:00:00", "TicketResolvedDate": null,
                "FirstComment": "It stopped working this morning.", "LastEndUserComment": "Still broken.", "LastTechnicianComment": "Looking into it.",
                "TotalDurationMinutes": 45})
        })
        .collect();
    let comments: Vec<Value> = (1..=3)
        .map(|i| json!({"TicketID": 1001, "Date": format!("2026-05-01T1{i}:00:00"), "Comment": format!("Comment {i}"), "CommentHtml": null,
            "EndUserID": if i == 1 { json!(301) } else { Value::Null }, "TechnicianContactID": if i == 1 { Value::Null } else { json!(11) },
            "Email": if i == 1 { "user1@customer02.example" } else { "tech@msp.example" }, "FirstName": if i == 1 { "Sam" } else { "Alex" },
            "LastName": if i == 1 { "Person1" } else { "Tech" }, "IsInternal": i == 3}))
        .collect();
    let work: Vec<Value> = (1..=2)
        .map(|i| json!({"TicketID": 1001, "WorkHoursID": 9000 + i, "StartWorkHour": "2026-05-01T10:00:00", "EndWorkHour": "2026-05-01T10:30:00",
            "TechnicianContactID": 11, "Billiable": true, "OnCustomerSite": i == 2, "Description": "Remote session", "TechnicianFullName": "Alex Tech",
            "TechnicianEmail": "tech@msp.example", "RateID": null, "RateAmount": null}))
        .collect();
    let kb: Vec<Value> = (1..=5)
        .map(|i| json!({"KBID": i, "KBContext": format!("How to fix problem {i}"), "KBProduct": "Windows", "KBKeywords": "printer, spooler",
            "SectionName": "Workstations", "CategoryName": "How-to", "KBIsPrivate": false, "KBLastModified": "2026-01-01T09:00:00"}))
        .collect();
    json!({"customers": customers, "contacts": contacts, "agents": agents, "alerts": alerts, "tickets": tickets,
        "comments": comments, "workhours": work, "kb": kb, "technicians": ["tech@msp.example"]})
}

/// A ProblemDetails answer, as Atera's 4xx carry.
fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    common::json(
        status,
        json!({"type": "https://tools.ietf.org/html/rfc7231", "title": title, "status": status.as_u16(), "detail": detail}),
    )
}

fn bad_request(detail: &str) -> Response {
    problem(StatusCode::BAD_REQUEST, "Bad Request", detail)
}

fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Not Found",
        "The requested entity was not found.",
    )
}

/// One page of `items` in Atera's paged shape; `extra` are the filters the route accepts.
fn paged(shared: &Shared, req: &Req, items: Vec<Value>, extra: &[&str]) -> Response {
    let allowed: Vec<&str> = PAGE.iter().chain(extra).copied().collect();
    if let Some(why) = strict::unexpected_param(req, &allowed) {
        return bad_request(&why);
    }
    let size = page_size(shared, req.query.get("itemsInPage"), 20).min(50);
    let number: usize = match req.query.get("page").map(|p| p.parse()) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => return bad_request("page must be a positive number."),
    };
    let total_pages = items.len().div_ceil(size).max(1);
    let link = |n: usize| {
        if n < 1 || n > total_pages {
            return String::new();
        }
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &req.query {
            if !PAGE.contains(&k.as_str()) {
                q.append_pair(k, v);
            }
        }
        q.append_pair("page", &n.to_string())
            .append_pair("itemsInPage", &size.to_string());
        format!("{}{}?{}", shared.public_origin, req.path, q.finish())
    };
    let page: Vec<Value> = items
        .iter()
        .skip((number - 1) * size)
        .take(size)
        .cloned()
        .collect();
    common::json(
        StatusCode::OK,
        json!({"items": page, "totalItemCount": items.len(), "page": number, "itemsInPage": size,
            "totalPages": total_pages, "prevLink": link(number - 1), "nextLink": link(number + 1)}),
    )
}

fn all(shared: &Shared, collection: &str) -> Vec<Value> {
    lock(&shared.data)[collection]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn one(shared: &Shared, req: &Req, collection: &str, key: &str, id: &str) -> Response {
    if let Some(why) = strict::unexpected_param(req, &[]) {
        return bad_request(&why);
    }
    all(shared, collection)
        .into_iter()
        .find(|i| id_is(&i[key], id))
        .map_or_else(not_found, |i| common::json(StatusCode::OK, i))
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if req.header("x-api-key") != Some(API_KEY) {
        // Atera answers a missing or wrong key with an empty 401.
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some(seg) = strict::segments_after(req, PREFIX) else {
        return not_found();
    };
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    let filtered = |collection: &str, key: &str, want: Option<&String>| -> Vec<Value> {
        all(shared, collection)
            .into_iter()
            .filter(|i| want.is_none_or(|w| id_is(&i[key], w) || i[key] == w.as_str()))
            .collect()
    };
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["customers"]) => paged(shared, req, all(shared, "customers"), &[]),
        ("GET", ["customers", id]) => one(shared, req, "customers", "CustomerID", id),
        ("GET", ["contacts"]) => {
            let email = req.query.get("Email").map(|e| e.to_lowercase());
            let items = all(shared, "contacts")
                .into_iter()
                .filter(|c| {
                    email.as_deref().is_none_or(|e| {
                        c["Email"].as_str().map(str::to_lowercase).as_deref() == Some(e)
                    })
                })
                .collect();
            paged(shared, req, items, &["Email"])
        }
        ("GET", ["agents"]) => paged(shared, req, all(shared, "agents"), &[]),
        ("GET", ["agents", "customer", customer]) => paged(
            shared,
            req,
            filtered("agents", "CustomerID", Some(&(*customer).to_owned())),
            &[],
        ),
        ("GET", ["agents", id]) => one(shared, req, "agents", "AgentID", id),
        ("GET", ["alerts"]) => {
            let status = req.query.get("alertStatus").map(String::as_str);
            if !status.is_none_or(|s| ["Open", "Resolved", "Snoozed"].contains(&s)) {
                return bad_request("alertStatus must be Open, Resolved or Snoozed.");
            }
            let items = all(shared, "alerts")
                .into_iter()
                .filter(|a| match status {
                    Some("Open") => a["Archived"] == false && a["SnoozedEndDate"].is_null(),
                    Some("Resolved") => a["Archived"] == true,
                    Some(_) => !a["SnoozedEndDate"].is_null(),
                    None => true,
                })
                .collect();
            paged(shared, req, items, &["alertStatus"])
        }
        ("GET", ["alerts", id]) => one(shared, req, "alerts", "AlertID", id),
        ("PUT", ["alerts", id]) => resolve_alert(shared, req, id),
        ("GET", ["tickets"]) => {
            let status = req.query.get("ticketStatus");
            let items = filtered("tickets", "CustomerID", req.query.get("customerId"))
                .into_iter()
                .filter(|t| status.is_none_or(|s| t["TicketStatus"] == s.as_str()))
                .collect();
            paged(shared, req, items, &["customerId", "ticketStatus"])
        }
        ("POST", ["tickets"]) => create_ticket(shared, req),
        ("GET", ["tickets", id]) => one(shared, req, "tickets", "TicketID", id),
        ("GET", ["tickets", id, "comments"]) => paged(
            shared,
            req,
            filtered("comments", "TicketID", Some(&(*id).to_owned())),
            &[],
        ),
        ("POST", ["tickets", id, "comments"]) => add_comment(shared, req, id),
        ("GET", ["tickets", id, "workhoursrecords"]) => paged(
            shared,
            req,
            filtered("workhours", "TicketID", Some(&(*id).to_owned())),
            &[],
        ),
        ("GET", ["knowledgebases"]) => paged(shared, req, all(shared, "kb"), &[]),
        _ => not_found(),
    }
}

fn resolve_alert(shared: &Shared, req: &Req, id: &str) -> Response {
    if !req.query.is_empty() || !req.body.is_empty() {
        return bad_request("Resolving an alert takes no parameters.");
    }
    let mut data = lock(&shared.data);
    match data["alerts"]
        .as_array_mut()
        .and_then(|a| a.iter_mut().find(|a| id_is(&a["AlertID"], id)))
    {
        Some(alert) if alert["Archived"] == true => bad_request("The alert is already resolved."),
        Some(alert) => {
            alert["Archived"] = json!(true);
            StatusCode::NO_CONTENT.into_response()
        }
        None => not_found(),
    }
}

const TICKET_MODEL: [&str; 13] = [
    "TicketTitle",
    "Description",
    "TicketPriority",
    "TicketImpact",
    "TicketStatus",
    "TicketType",
    "EndUserID",
    "EndUserFirstName",
    "EndUserLastName",
    "EndUserEmail",
    "EndUserPhone",
    "TechnicianContactID",
    "TechnicianEmail",
];

fn create_ticket(shared: &Shared, req: &Req) -> Response {
    let body = match strict::json_object(req) {
        Ok(b) => b,
        Err(why) => return bad_request(&why),
    };
    if let Some(why) = strict::unexpected_member(&body, &TICKET_MODEL) {
        return bad_request(&why);
    }
    let enums: [(&str, &[&str]); 3] = [
        ("TicketPriority", &["Low", "Medium", "High", "Critical"]),
        (
            "TicketImpact",
            &[
                "NoImpact",
                "SiteDown",
                "ServerIssue",
                "Minor",
                "Major",
                "Crisis",
            ],
        ),
        ("TicketType", &["Incident", "Problem", "Request", "Change"]),
    ];
    for (field, options) in enums {
        if body.get(field).is_some_and(|v| !strict::one_of(v, options)) {
            return bad_request(&format!("{field} is not a valid value."));
        }
    }
    if !body.get("TicketTitle").is_some_and(Value::is_string) {
        return bad_request("TicketTitle is required.");
    }
    let contacts = all(shared, "contacts");
    let Some(contact) = body
        .get("EndUserID")
        .and_then(|id| contacts.iter().find(|c| c["EndUserID"] == *id))
    else {
        return bad_request("EndUserID must name an existing contact.");
    };
    let mut data = lock(&shared.data);
    let Some(tickets) = data["tickets"].as_array_mut() else {
        return not_found();
    };
    let id = 1000 + tickets.len() + 1;
    let mut ticket = Value::Object(body.clone());
    ticket["TicketID"] = json!(id);
    ticket["TicketNumber"] = json!(id.to_string());
    ticket["TicketStatus"] = json!("Open");
    ticket["CustomerID"] = contact["CustomerID"].clone();
    ticket["CustomerName"] = contact["CustomerName"].clone();
    ticket["EndUserEmail"] = contact["Email"].clone();
    tickets.push(ticket);
    common::json(StatusCode::CREATED, json!({"ActionID": id.to_string()}))
}

fn add_comment(shared: &Shared, req: &Req, ticket: &str) -> Response {
    let body = match strict::json_object(req) {
        Ok(b) => b,
        Err(why) => return bad_request(&why),
    };
    let model = [
        "CommentText",
        "CommentTimestampUTC",
        "TechnicianCommentDetails",
        "EnduserCommentDetails",
    ];
    if let Some(why) = strict::unexpected_member(&body, &model) {
        return bad_request(&why);
    }
    let Some(text) = body.get("CommentText").and_then(Value::as_str) else {
        return bad_request("CommentText is required.");
    };
    let tech = body
        .get("TechnicianCommentDetails")
        .and_then(Value::as_object);
    if let Some(details) = tech {
        if let Some(why) =
            strict::unexpected_member(details, &["TechnicianId", "IsInternal", "TechnicianEmail"])
        {
            return bad_request(&why);
        }
    }
    let email = tech.and_then(|t| t.get("TechnicianEmail")).cloned();
    let mut data = lock(&shared.data);
    let known = data["technicians"]
        .as_array()
        .is_some_and(|t| email.as_ref().is_some_and(|e| t.contains(e)));
    if !known {
        return bad_request("TechnicianCommentDetails must name a technician of the account.");
    }
    if !data["tickets"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| id_is(&t["TicketID"], ticket)))
    {
        return not_found();
    }
    let internal = tech
        .and_then(|t| t.get("IsInternal"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let Some(comments) = data["comments"].as_array_mut() else {
        return not_found();
    };
    comments.push(json!({"TicketID": ticket.parse::<u64>().unwrap_or(0), "Date": "2026-06-01T12:00:00", "Comment": text,
        "Email": email, "FirstName": "Alex", "LastName": "Tech", "IsInternal": internal}));
    common::json(
        StatusCode::OK,
        json!({"ActionID": comments.len().to_string()}),
    )
}
