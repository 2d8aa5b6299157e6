//! ConnectWise PSA fake, the writes: service ticket creation (the initial description becomes
//! the first note), ticket notes (one of the three note flags must be true, as ConnectWise
//! requires) and time entries charged to a ticket (for the API member unless a member is
//! named). Bodies with unknown fields are refused with 400.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{json, Map, Value};

use crate::common::{self, lock, Req, Shared};
use crate::connectwise_psa::{error, info};

/// The JSON object body, with only `allowed` keys.
fn body(req: &Req, allowed: &[&str]) -> Result<Map<String, Value>, String> {
    let bad = |m: &str| m.to_owned();
    let Some(Value::Object(body)) = req
        .json()
        .filter(|_| req.header("content-type") == Some("application/json"))
    else {
        return Err(bad("A JSON object body is required."));
    };
    if let Some(k) = body.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad(&format!("Unknown field {k}")));
    }
    Ok(body)
}

/// The record `reference` (`{"id": n}`) points to in `key`.
fn referenced(data: &Value, key: &str, reference: Option<&Value>) -> Option<Value> {
    let id = reference?.get("id")?;
    data[key]
        .as_array()?
        .iter()
        .find(|i| i["id"] == *id)
        .cloned()
}

fn next_id(list: &[Value]) -> i64 {
    list.iter()
        .filter_map(|i| i["id"].as_i64())
        .max()
        .unwrap_or(0)
        + 1
}

pub(crate) fn create_ticket(shared: &Shared, req: &Req) -> Response {
    let invalid = |m: &str| error(StatusCode::BAD_REQUEST, "InvalidObject", m);
    let b = match body(
        req,
        &[
            "summary",
            "initialDescription",
            "company",
            "board",
            "contact",
            "priority",
        ],
    ) {
        Ok(b) => b,
        Err(m) => return error(StatusCode::BAD_REQUEST, "InvalidObject", &m),
    };
    let mut data = lock(&shared.data);
    let summary = b.get("summary").and_then(Value::as_str).unwrap_or("");
    if summary.is_empty() || summary.chars().count() > 100 {
        return invalid("summary is required (at most 100 characters).");
    }
    let Some(company) = referenced(&data, "company/companies", b.get("company")) else {
        return invalid("company: a valid company id is required.");
    };
    let board = match b
        .get("board")
        .and_then(|r| r.get("id"))
        .and_then(Value::as_i64)
    {
        Some(1) => json!({"id": 1, "name": "Help Desk"}),
        Some(2) => json!({"id": 2, "name": "Escalations"}),
        _ => return invalid("board: a valid board id is required."),
    };
    let contact = match b.get("contact") {
        None => Value::Null,
        Some(r) => match referenced(&data, "company/contacts", Some(r)) {
            Some(c) => {
                json!({"id": c["id"], "name": format!("{} {}", c["firstName"].as_str().unwrap_or(""), c["lastName"].as_str().unwrap_or(""))})
            }
            None => return invalid("contact: the contact id does not exist."),
        },
    };
    let priority = match b.get("priority") {
        None => json!({"id": 8, "name": "Priority 3 - Normal"}),
        Some(p) if p.get("id").and_then(Value::as_i64).is_some() => {
            json!({"id": p["id"], "name": "Priority"})
        }
        Some(_) => return invalid("priority: an id is required."),
    };
    let tickets = data["service/tickets"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let id = next_id(&tickets);
    let ticket = json!({"id": id, "summary": summary, "recordType": "ServiceTicket",
        "company": {"id": company["id"], "identifier": company["identifier"], "name": company["name"]},
        "contact": contact, "board": board, "status": {"id": 1, "name": "New"}, "priority": priority,
        "owner": null, "closedFlag": false, "_info": info(31)});
    if let Some(text) = b.get("initialDescription").and_then(Value::as_str) {
        let note_id = next_id(data["notes"].as_array().map_or(&[][..], Vec::as_slice));
        if let Some(notes) = data["notes"].as_array_mut() {
            notes.push(json!({"id": note_id, "ticketId": id, "text": text, "detailDescriptionFlag": true,
                "internalAnalysisFlag": false, "resolutionFlag": false, "member": {"identifier": "gatewayapi"},
                "dateCreated": "2026-06-01T12:00:00Z"}));
        }
    }
    if let Some(list) = data["service/tickets"].as_array_mut() {
        list.push(ticket.clone());
    }
    (StatusCode::CREATED, axum::Json(ticket)).into_response()
}

pub(crate) fn add_note(shared: &Shared, req: &Req, ticket: &str) -> Response {
    let invalid = |m: &str| error(StatusCode::BAD_REQUEST, "InvalidObject", m);
    let flags = [
        "detailDescriptionFlag",
        "internalAnalysisFlag",
        "resolutionFlag",
    ];
    let b = match body(req, &["text", flags[0], flags[1], flags[2]]) {
        Ok(b) => b,
        Err(m) => return error(StatusCode::BAD_REQUEST, "InvalidObject", &m),
    };
    let mut data = lock(&shared.data);
    if !data["service/tickets"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| common::id_is(&t["id"], ticket)))
    {
        return error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("ServiceTicket with id {ticket} was not found."),
        );
    }
    let Some(text) = b
        .get("text")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    else {
        return invalid("text is required.");
    };
    if flags
        .iter()
        .any(|f| b.get(*f).is_some_and(|v| !v.is_boolean()))
    {
        return invalid("The note flags are booleans.");
    }
    if !flags.iter().any(|f| b.get(*f) == Some(&Value::Bool(true))) {
        return invalid(
            "One of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true.",
        );
    }
    let id = next_id(data["notes"].as_array().map_or(&[][..], Vec::as_slice));
    let mut note = json!({"id": id, "ticketId": ticket.parse::<i64>().unwrap_or(0), "text": text,
        "member": {"id": 9, "identifier": "gatewayapi"}, "dateCreated": "2026-06-01T12:00:00Z"});
    for f in flags {
        note[f] = b.get(f).cloned().unwrap_or(Value::Bool(false));
    }
    if let Some(notes) = data["notes"].as_array_mut() {
        notes.push(note.clone());
    }
    (StatusCode::CREATED, axum::Json(note)).into_response()
}

pub(crate) fn add_time(shared: &Shared, req: &Req) -> Response {
    let invalid = |m: &str| error(StatusCode::BAD_REQUEST, "InvalidObject", m);
    let b = match body(
        req,
        &[
            "chargeToId",
            "chargeToType",
            "timeStart",
            "timeEnd",
            "notes",
            "member",
        ],
    ) {
        Ok(b) => b,
        Err(m) => return error(StatusCode::BAD_REQUEST, "InvalidObject", &m),
    };
    let mut data = lock(&shared.data);
    if b.get("chargeToType").and_then(Value::as_str) != Some("ServiceTicket") {
        return invalid("chargeToType must be ServiceTicket for a ticket.");
    }
    let ticket = b.get("chargeToId").cloned().unwrap_or(Value::Null);
    if !data["service/tickets"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t["id"] == ticket))
    {
        return invalid("chargeToId: the ticket does not exist.");
    }
    let time = |k: &str| b.get(k).and_then(Value::as_str).and_then(time_of);
    let (Some(start), Some(end)) = (time("timeStart"), time("timeEnd")) else {
        return invalid("timeStart and timeEnd are required (yyyy-MM-ddTHH:mm:ssZ).");
    };
    if end <= start {
        return invalid("timeEnd must be after timeStart.");
    }
    let member = match b.get("member") {
        None => "gatewayapi".to_owned(),
        Some(m) => match m.get("identifier").and_then(Value::as_str) {
            Some(who @ ("jsmith" | "gatewayapi")) => who.to_owned(),
            _ => return invalid("member: unknown member identifier."),
        },
    };
    let id = next_id(
        data["time/entries"]
            .as_array()
            .map_or(&[][..], Vec::as_slice),
    );
    let entry = json!({"id": id, "chargeToId": ticket, "chargeToType": "ServiceTicket",
        "member": {"identifier": member}, "timeStart": b["timeStart"], "timeEnd": b["timeEnd"],
        "actualHours": f64::from(end - start) / 3600.0, "billableOption": "Billable",
        "workType": {"id": 1, "name": "Remote"}, "notes": b.get("notes").cloned().unwrap_or(Value::Null)});
    if let Some(list) = data["time/entries"].as_array_mut() {
        list.push(entry.clone());
    }
    (StatusCode::CREATED, axum::Json(entry)).into_response()
}

/// Seconds since 2000-01-01 of a `yyyy-MM-ddTHH:mm:ssZ` time (enough to order and subtract
/// times within a month or so).
fn time_of(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text.get(r)?.parse::<u32>().ok();
    let (y, mo, d, h, mi, s) = (
        n(0..4)?,
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
    );
    Some((((y.checked_sub(2000)? * 12 + mo) * 31 + d) * 24 + h) * 3600 + mi * 60 + s)
}
