//! ConnectWise PSA fake: REST 3.0 under `/v4_6_release/apis/3.0`, answering only requests with
//! `Authorization: Basic base64(company+publicKey:privateKey)`, the `clientId` header and a
//! versioned `Accept: application/vnd.connectwise.com+json; version=…`; companies, contacts,
//! configurations, service tickets, their notes and time entries, filtered by `conditions` /
//! `childConditions` (the subset of the condition language in `connectwise_conditions.rs`),
//! sorted by `orderBy`, paged by `page` / `pageSize` (answers are bare arrays, with a `Link`
//! header); ticket, note and time-entry creation. Unknown query parameters are refused with 400.

use std::net::SocketAddr;

use axum::{http::StatusCode, response::Response};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use serde_json::{json, Value};

use crate::common::{self, lock, FakeVendor, Options, Req, Shared, Vendor};
use crate::connectwise_conditions::{matches_all, parse, sort};
use crate::connectwise_writes::{add_note, add_time, create_ticket};

/// The company id the fake's API member signs in with.
pub const COMPANY_ID: &str = "examplemsp";
/// The API member's public key.
pub const PUBLIC_KEY: &str = "FakePublicKey0001";
/// The API member's private key.
pub const PRIVATE_KEY: &str = "fake-cw-private-key-0123456789";
/// The integration's clientId.
pub const CLIENT_ID: &str = "0f1e2d3c-4b5a-4978-8a7b-6c5d4e3f2a10";
/// The API version the fake expects in `Accept`.
pub const API_VERSION: &str = "2025.1";
/// The cloud region hosts the fake stands for.
pub const REGIONS: [&str; 4] = ["na", "eu", "au", "za"];

const PREFIX: &str = "/v4_6_release/apis/3.0/";

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
                .map(|r| format!("https://api-{r}.myconnectwise.net"))
                .collect(),
            data: seed(),
            handle,
            exempt: |_| false,
            credential: |r| r.header("authorization").map(str::to_owned),
        },
        options,
        addr,
    )
    .await
}

const COMPANIES: [&str; 8] = [
    "Acme Dental",
    "Acme Logistics",
    "Bluebird Cafe",
    "Cedar Law LLP",
    "Delta Farms",
    "Evergreen School",
    "Foxglove Clinic",
    "Granite Builders",
];

/// ConnectWise's `_info` dates of a record entered on day `day` of May 2026.
pub(crate) fn info(day: usize) -> Value {
    json!({"dateEntered": format!("2026-05-{day:02}T09:00:00Z"), "lastUpdated": format!("2026-05-{day:02}T10:00:00Z")})
}

fn seed() -> Value {
    let company = |n: usize| json!({"id": 18 + n, "identifier": COMPANIES[n - 1].replace(' ', ""), "name": COMPANIES[n - 1]});
    let companies: Vec<Value> = (1..=COMPANIES.len()).map(|n| {
        let mut c = company(n);
        let extra = json!({"status": {"id": 1, "name": "Active"}, "types": [{"id": 1, "name": "Client"}],
            "phoneNumber": format!("555-01{n:02}"), "addressLine1": format!("{n} Main St"), "city": "Springfield", "state": "IL",
            "zip": "62701", "website": format!("https://c{n}.example"), "territory": {"id": 1, "name": "North"},
            "defaultContact": {"id": 50 + n, "name": format!("Contact {n}")}, "deletedFlag": false, "_info": info(1)});
        merge(&mut c, extra);
        c
    }).collect();
    let contacts: Vec<Value> = (1..=15).map(|n| {
        let c = (n - 1) % 4 + 1;
        let email = if n == 1 { "dana@acme.example".to_owned() } else { format!("c{n}@client{c}.example") };
        let first = if n == 1 { "Dana" } else { ["Dana", "Sam", "Lee", "Kim"][n % 4] };
        json!({"id": 50 + n, "firstName": first, "lastName": if n == 1 { "Smith".to_owned() } else { format!("Smi{n}") },
            "title": "Office manager", "company": company(c), "inactiveFlag": false,
            "communicationItems": [{"type": {"id": 1, "name": "Email"}, "value": email, "defaultFlag": true, "communicationType": "Email"}]})
    }).collect();
    let configurations: Vec<Value> = (1..=12).map(|n| {
        let c = (n - 1) % 3 + 1;
        json!({"id": 3000 + n, "name": if n % 4 == 0 { format!("SRV-{n:02}") } else { format!("WS-{n:02}") },
            "type": {"id": 1, "name": if n % 4 == 0 { "Server" } else { "Workstation" }}, "status": {"id": 1, "name": "Active"},
            "company": company(c), "contact": {"id": 51, "name": "Dana Smith"}, "serialNumber": format!("CW{n:05}"),
            "modelNumber": "OptiPlex 7010", "tagNumber": format!("TAG{n}"), "ipAddress": format!("10.2.0.{n}"),
            "macAddress": format!("00:11:22:33:44:{n:02}"), "osType": "Windows 11", "osInfo": "23H2",
            "lastLoginName": "CORP\\dana", "warrantyExpirationDate": "2028-01-01T00:00:00Z", "notes": "Reception desk.", "activeFlag": true})
    }).collect();
    let tickets: Vec<Value> = (1..=14).map(|n| {
        let c = (n - 1) % 3 + 1;
        let closed = n % 5 == 0;
        json!({"id": 1000 + n, "summary": if n % 3 == 1 { format!("Printer offline #{n}") } else { format!("Issue {n}") },
            "recordType": "ServiceTicket", "company": company(c), "contact": {"id": 51, "name": "Dana Smith"},
            "contactEmailAddress": "dana@acme.example",
            "board": if n % 2 == 0 { json!({"id": 2, "name": "Escalations"}) } else { json!({"id": 1, "name": "Help Desk"}) },
            "status": {"id": if closed { 9 } else { 1 }, "name": if closed { "Closed" } else if n % 4 == 0 { "In Progress" } else { "New" }},
            "priority": {"id": 8, "name": "Priority 3 - Normal"}, "severity": "Medium", "impact": "Medium",
            "owner": {"id": 7, "identifier": "jsmith"}, "resources": "jsmith", "budgetHours": 2.0, "actualHours": 0.5,
            "closedFlag": closed, "_info": info(n)})
    }).collect();
    let notes: Vec<Value> = (1..=3).map(|n| json!({"id": 9000 + n, "ticketId": 1001, "text": format!("Note {n}"),
        "detailDescriptionFlag": n == 1, "internalAnalysisFlag": n != 1, "resolutionFlag": false,
        "member": {"id": 7, "identifier": "jsmith"}, "contact": null, "dateCreated": format!("2026-05-01T1{n}:00:00Z")})).collect();
    let entries: Vec<Value> = (1..=2).map(|n| json!({"id": 7000 + n, "chargeToId": 1001, "chargeToType": "ServiceTicket",
        "member": {"id": 7, "identifier": "jsmith"}, "timeStart": format!("2026-05-01T1{n}:00:00Z"), "timeEnd": format!("2026-05-01T1{n}:30:00Z"),
        "actualHours": 0.5, "billableOption": "Billable", "workType": {"id": 1, "name": "Remote"}, "notes": "Remote session."})).collect();
    json!({"company/companies": companies, "company/contacts": contacts, "company/configurations": configurations,
        "service/tickets": tickets, "notes": notes, "time/entries": entries})
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        a.extend(b);
    }
}

/// ConnectWise's error body.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    common::json(
        status,
        json!({"code": code, "message": message, "errors": null}),
    )
}

fn auth_problem(req: &Req) -> Option<Response> {
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{COMPANY_ID}+{PUBLIC_KEY}:{PRIVATE_KEY}"))
    );
    if req.header("authorization") != Some(basic.as_str()) {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "The company, public key or private key is not valid.",
        ));
    }
    if req.header("clientid") != Some(CLIENT_ID) {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "MissingClientId",
            "A valid clientId header is required: https://developer.connectwise.com/ClientID",
        ));
    }
    let accept = req.header("accept").unwrap_or("");
    if accept != format!("application/vnd.connectwise.com+json; version={API_VERSION}") {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "InvalidVersion",
            "Accept must be application/vnd.connectwise.com+json; version=<a supported version>",
        ));
    }
    None
}

/// A filtered, sorted page of `items` (CW answers lists as bare arrays).
fn list(shared: &Shared, req: &Req, items: Vec<Value>) -> Response {
    if let Some(k) = req.query.keys().find(|k| {
        ![
            "conditions",
            "childConditions",
            "orderBy",
            "page",
            "pageSize",
            "fields",
        ]
        .contains(&k.as_str())
    }) {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidObject",
            &format!("Unknown parameter {k}"),
        );
    }
    let mut kept = Vec::new();
    let conditions = match (
        parse(
            req.query.get("conditions").map_or("", String::as_str),
            &items,
        ),
        parse(
            req.query.get("childConditions").map_or("", String::as_str),
            &items,
        ),
    ) {
        (Ok(c), Ok(child)) => (c, child),
        (Err(e), _) | (_, Err(e)) => return error(StatusCode::BAD_REQUEST, "InvalidObject", &e),
    };
    for item in items {
        if matches_all(&item, &conditions.0) && matches_all(&item, &conditions.1) {
            kept.push(item);
        }
    }
    if let Err(e) = sort(&mut kept, req.query.get("orderBy").map(String::as_str)) {
        return error(StatusCode::BAD_REQUEST, "InvalidObject", &e);
    }
    let size = common::page_size(shared, req.query.get("pageSize"), 25).min(1000);
    let number: usize = req
        .query
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let out: Vec<Value> = kept
        .iter()
        .skip((number - 1) * size)
        .take(size)
        .cloned()
        .collect();
    let mut response = common::json(StatusCode::OK, Value::Array(out));
    if number * size < kept.len() {
        let link = format!(
            "<{}{}?page={}&pageSize={size}>; rel=\"next\"",
            shared.public_origin,
            req.path,
            number + 1
        );
        if let Ok(v) = link.parse() {
            response.headers_mut().insert("link", v);
        }
    }
    response
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if let Some(refused) = auth_problem(req) {
        return refused;
    }
    let Some(rest) = req.path.strip_prefix(PREFIX) else {
        return error(StatusCode::NOT_FOUND, "NotFound", "Not found");
    };
    let s: Vec<&str> = rest.split('/').collect();
    let data = lock(&shared.data).clone();
    let all = |key: &str| data[key].as_array().cloned().unwrap_or_default();
    let one = |key: &str, id: &str, what: &str| {
        all(key)
            .into_iter()
            .find(|i| common::id_is(&i["id"], id))
            .map_or_else(
                || {
                    error(
                        StatusCode::NOT_FOUND,
                        "NotFound",
                        &format!("{what} with id {id} was not found."),
                    )
                },
                |i| common::json(StatusCode::OK, i),
            )
    };
    match (req.method.as_str(), s.as_slice()) {
        ("GET", ["system", "info"]) => common::json(
            StatusCode::OK,
            json!({"version": "v2025.1.98765",
            "isCloud": true, "serverTimeZone": "Eastern Standard Time", "cloudRegion": "NA"}),
        ),
        ("GET", [group @ ("company" | "service" | "time"), kind]) => {
            let key = format!("{group}/{kind}");
            match data.get(&key) {
                Some(_) => list(shared, req, all(&key)),
                None => error(StatusCode::NOT_FOUND, "NotFound", "Not found"),
            }
        }
        ("GET", ["company", "companies", id]) => one("company/companies", id, "Company"),
        ("GET", ["company", "configurations", id]) => {
            one("company/configurations", id, "Configuration")
        }
        ("GET", ["service", "tickets", id]) => one("service/tickets", id, "ServiceTicket"),
        ("GET", ["service", "tickets", id, "notes"]) => {
            if !all("service/tickets")
                .iter()
                .any(|t| common::id_is(&t["id"], id))
            {
                return error(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    &format!("ServiceTicket with id {id} was not found."),
                );
            }
            let notes = all("notes")
                .into_iter()
                .filter(|n| common::id_is(&n["ticketId"], id))
                .collect();
            list(shared, req, notes)
        }
        ("POST", ["service", "tickets"]) => create_ticket(shared, req),
        ("POST", ["service", "tickets", id, "notes"]) => add_note(shared, req, id),
        ("POST", ["time", "entries"]) => add_time(shared, req),
        _ => error(StatusCode::NOT_FOUND, "NotFound", "Not found"),
    }
}
