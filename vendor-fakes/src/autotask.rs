//! Autotask PSA fake: zone discovery without authentication
//! (`GET /atservicesrest/v1.0/zoneInformation?user=`), the `UserName` / `Secret` /
//! `ApiIntegrationCode` headers on every other call, `GET <Entity>/query?search={json}` with
//! filters (`eq`, `gt`, `gte`, `contains`, `beginsWith`, `exist`) and `MaxRecords`, paging through
//! `pageDetails.nextPageUrl`, `GET <Entity>/<id>` (`{"item": null}` when absent, as Autotask
//! does), ticket creation and ticket notes.

use std::net::SocketAddr;

use axum::{http::StatusCode, response::Response};
use serde_json::{json, Value};

use crate::common::{self, lock, FakeVendor, Options, Req, Shared, Vendor};

/// The API user name the fake knows.
pub const USERNAME: &str = "api-user@msp.example";
/// Its secret.
pub const SECRET: &str = "fake-autotask-secret-0123456789";
/// Its API integration code (tracking identifier).
pub const INTEGRATION_CODE: &str = "FAKEINTEGRATIONCODE0001";
/// The zone URL discovery answers with (a real-looking host: map it to the fake too).
pub const ZONE_URL: &str = "https://webservices5.autotask.net/atservicesrest/";

const PREFIX: &str = "/atservicesrest/v1.0/";

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    spawn_on(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the fake on `addr`.
pub async fn spawn_on(options: Options, addr: SocketAddr) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            // The zone host first: next-page links are absolute URLs on it.
            real_origins: vec![
                "https://webservices5.autotask.net".into(),
                "https://webservices.autotask.net".into(),
            ],
            data: seed(),
            handle,
            exempt: |r| r.path.ends_with("/zoneInformation"),
            credential: |r| r.header("secret").map(str::to_owned),
        },
        options,
        addr,
    )
    .await
}

fn seed() -> Value {
    let mut companies = vec![
        json!({"id": 0, "companyName": "Example MSP Ltd", "companyType": 5, "isActive": true,
        "phone": "+1 555 0100", "city": "Springfield", "webAddress": "https://msp.example"}),
    ];
    companies.extend((1..=40).map(|i| json!({"id": 173 + i, "companyName": format!("Customer {i:02} Inc"), "companyType": 1,
        "isActive": i % 10 != 0, "phone": format!("+1 555 02{i:02}"), "city": "Springfield", "address1": "1 Main St",
        "state": "IL", "postalCode": "62701", "webAddress": null, "ownerResourceID": 29682885})));
    let contacts: Vec<Value> = (1..=15).map(|i| json!({"id": 30000 + i, "companyID": 174 + (i % 3), "firstName": "Dana",
        "lastName": format!("Smith{i}"), "emailAddress": if i == 1 { "dana@acme.example".to_owned() } else { format!("c{i}@acme.example") },
        "phone": "", "title": "Office manager", "isActive": 1})).collect();
    let tickets: Vec<Value> = (1..=30).map(|i| json!({"id": 9000 + i, "ticketNumber": format!("T20260101.{i:04}"),
        "title": if i % 3 == 0 { "Printer offline".to_owned() } else { format!("Issue {i}") }, "description": "Reported by phone.",
        "companyID": 174 + (i % 3), "contactID": null, "status": if i % 2 == 0 { 1 } else { 5 }, "priority": 2, "queueID": 8,
        "assignedResourceID": null, "createDate": "2026-01-01T09:00:00Z", "dueDateTime": "2026-01-02T09:00:00Z",
        "lastActivityDate": "2026-01-01T10:00:00Z"})).collect();
    let notes: Vec<Value> = (1..=3).map(|i| json!({"id": 70000 + i, "ticketID": 9001, "title": "Update", "description": format!("Note {i}"),
        "noteType": 1, "publish": 1, "createDateTime": "2026-01-01T10:00:00Z", "creatorResourceID": 29682885})).collect();
    json!({"Companies": companies, "Contacts": contacts, "Tickets": tickets, "TicketNotes": notes})
}

fn auth_ok(req: &Req) -> bool {
    req.header("username") == Some(USERNAME)
        && req.header("secret") == Some(SECRET)
        && req.header("apiintegrationcode") == Some(INTEGRATION_CODE)
}

fn errors(status: StatusCode, message: &str) -> Response {
    common::json(status, json!({"errors": [message]}))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string(),
    }
}

fn passes(item: &Value, filter: &Value) -> Result<bool, String> {
    let field = filter["field"].as_str().ok_or("filter field missing")?;
    let actual = item
        .as_object()
        .and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(field))
                .map(|(_, v)| v.clone())
        })
        .unwrap_or(Value::Null);
    let want = &filter["value"];
    let num = |v: &Value| {
        v.as_f64()
            .or_else(|| v.as_bool().map(|b| f64::from(u8::from(b))))
    };
    Ok(match filter["op"].as_str().unwrap_or("") {
        "eq" => text(&actual) == text(want) || num(&actual).is_some() && num(&actual) == num(want),
        "gt" => num(&actual) > num(want),
        "gte" => num(&actual) >= num(want),
        "contains" => text(&actual).contains(&text(want)),
        "beginsWith" => text(&actual).starts_with(&text(want)),
        "exist" => !actual.is_null(),
        other => return Err(format!("Unsupported filter operator '{other}'")),
    })
}

fn query(shared: &Shared, entity: &str, req: &Req, offset: usize) -> Response {
    let Some(search) = req
        .query
        .get("search")
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
    else {
        return errors(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The search parameter is missing or is not valid JSON.",
        );
    };
    let Some(filters) = search["filter"].as_array().filter(|f| !f.is_empty()) else {
        return errors(
            StatusCode::INTERNAL_SERVER_ERROR,
            "A query requires at least one filter.",
        );
    };
    let max = search["MaxRecords"].as_u64().unwrap_or(500).clamp(1, 500) as usize;
    let max = shared.options.max_page_size.map_or(max, |m| max.min(m));
    let data = lock(&shared.data);
    let mut found = Vec::new();
    for item in data[entity].as_array().cloned().unwrap_or_default() {
        let mut keep = true;
        for f in filters {
            match passes(&item, f) {
                Ok(ok) => keep &= ok,
                Err(e) => return errors(StatusCode::INTERNAL_SERVER_ERROR, &e),
            }
        }
        if keep {
            found.push(item);
        }
    }
    let items: Vec<Value> = found.iter().skip(offset).take(max).cloned().collect();
    let next = (offset + max < found.len()).then(|| {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("paging", &(offset + max).to_string())
            .append_pair("search", &search.to_string())
            .finish();
        format!("{}{PREFIX}{entity}/query/next?{q}", shared.public_origin)
    });
    common::json(
        StatusCode::OK,
        json!({"items": items, "pageDetails": {"count": items.len(), "requestCount": max,
        "prevPageUrl": null, "nextPageUrl": next}}),
    )
}

fn create(shared: &Shared, entity: &str, mut item: Value, required: &[&str]) -> Response {
    for r in required {
        if item[*r].is_null() {
            return errors(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Field {r} is required."),
            );
        }
    }
    let mut data = lock(&shared.data);
    let Some(list) = data[entity].as_array_mut() else {
        return errors(StatusCode::NOT_FOUND, "Unknown entity");
    };
    let id = list
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .max()
        .unwrap_or(0)
        + 1;
    item["id"] = json!(id);
    list.push(item);
    common::json(StatusCode::OK, json!({"itemId": id}))
}

fn handle(shared: &Shared, req: &Req) -> Response {
    let Some(rest) = req.path.strip_prefix(PREFIX) else {
        return errors(StatusCode::NOT_FOUND, "Not found");
    };
    if rest == "zoneInformation" {
        return match req.query.get("user") {
            Some(u) if u.eq_ignore_ascii_case(USERNAME) => common::json(
                StatusCode::OK,
                json!({"zoneName": "America East 5",
                "url": ZONE_URL, "webUrl": "https://ww5.autotask.net/", "ci": 12345}),
            ),
            _ => errors(
                StatusCode::NOT_FOUND,
                "Zone information could not be determined for this user.",
            ),
        };
    }
    if !auth_ok(req) {
        return errors(
            StatusCode::UNAUTHORIZED,
            "User authentication failed: check UserName, Secret and ApiIntegrationCode.",
        );
    }
    let seg = req.segments();
    let s: Vec<&str> = seg.iter().skip(2).map(String::as_str).collect();
    let known = |e: &str| ["Companies", "Contacts", "Tickets", "TicketNotes"].contains(&e);
    match (req.method.as_str(), s.as_slice()) {
        ("GET", [entity, "query"]) if known(entity) => query(shared, entity, req, 0),
        ("GET", [entity, "query", "next"]) if known(entity) => {
            let offset = req
                .query
                .get("paging")
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            query(shared, entity, req, offset)
        }
        ("GET", [entity, id]) if known(entity) => {
            let data = lock(&shared.data);
            let item = data[*entity]
                .as_array()
                .and_then(|a| a.iter().find(|i| common::id_is(&i["id"], id)).cloned());
            common::json(StatusCode::OK, json!({"item": item}))
        }
        ("POST", ["Tickets"]) => create(
            shared,
            "Tickets",
            req.json().unwrap_or(Value::Null),
            &["companyID", "title", "status", "priority"],
        ),
        ("POST", ["Tickets", id, "Notes"]) => {
            let mut note = req.json().unwrap_or(Value::Null);
            if !common::id_is(&note["ticketID"], id) {
                return errors(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "ticketID does not match the parent ticket.",
                );
            }
            note["createDateTime"] = json!("2026-01-01T11:00:00Z");
            create(
                shared,
                "TicketNotes",
                note,
                &["title", "description", "noteType", "publish"],
            )
        }
        _ => errors(StatusCode::NOT_FOUND, "Not found"),
    }
}
