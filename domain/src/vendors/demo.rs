//! The Demo vendor: in-process sample MSP data (companies, contacts, tickets, devices, alerts),
//! one copy per connection, so writes (new tickets, notes, acknowledged alerts) are seen by later
//! reads of the same connection and by no other. Lets anyone try the gateway without a vendor
//! account; its tools are declared in `vendors/demo.toml` like any vendor's.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use serde_json::{json, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    engine::{answer::Redactor, shape},
    CallError, CheckOutcome, ConnectionCredentials, ResponseShape, ToolDefinition, ToolOutput,
    VendorDefinition,
};

/// Tools the demo vendor implements; `vendors/demo.toml` may only declare these.
pub(super) const TOOLS: &[&str] = &[
    "list_companies",
    "get_company",
    "list_contacts",
    "list_tickets",
    "get_ticket",
    "list_devices",
    "list_alerts",
    "create_ticket",
    "add_ticket_note",
    "acknowledge_alert",
];

/// The detail its check reports.
pub(super) const DETAIL: &str = "Demo MSP (sample data)";

const COMPANIES: &[&str] = &[
    "Acme Dental",
    "Birch & Co Accountants",
    "Contoso Logistics",
    "Dunmore Veterinary",
    "Evergreen Schools Trust",
    "Fabrikam Legal",
    "Greenway Architects",
    "Harbor Credit Union",
];
const PEOPLE: &[&str] = &["Alex Morgan", "Sam Patel", "Jordan Lee", "Casey Kim"];
const TICKET_TITLES: &[&str] = &[
    "Printer offline on 2nd floor",
    "New starter laptop setup",
    "VPN drops every hour",
    "Outlook keeps asking for password",
    "Backup job failed overnight",
    "Replace failing disk in NAS",
];

const STATUSES: [&str; 3] = ["open", "in_progress", "closed"];
const PRIORITIES: [&str; 3] = ["low", "medium", "high"];
const SEVERITIES: [&str; 3] = ["critical", "major", "minor"];
const ALERTS: [&str; 3] = [
    "Disk space below 10%",
    "CPU above 95% for 15 minutes",
    "Antivirus definitions out of date",
];

/// Per-connection sample data.
#[derive(Default)]
pub(super) struct DemoStore {
    data: Mutex<HashMap<Uuid, Arc<Mutex<Data>>>>,
}

struct Data {
    companies: Vec<Value>,
    contacts: Vec<Value>,
    tickets: Vec<Value>,
    devices: Vec<Value>,
    alerts: Vec<Value>,
}

fn seed() -> Data {
    let companies = COMPANIES.iter().enumerate().map(|(i, name)| {
        json!({"id": i + 1, "name": name, "phone": format!("+1 555 01{:02}", i), "active": true})
    }).collect();
    let contacts = (0..COMPANIES.len() * 2).map(|i| {
        let person = PEOPLE[i % PEOPLE.len()];
        json!({"id": i + 1, "company_id": i / 2 + 1, "name": person,
            "email": format!("{}@{}.example", person.split(' ').next().unwrap_or("x").to_lowercase(), i / 2 + 1)})
    }).collect();
    let tickets = (0..30)
        .map(|i| {
            json!({"id": 1000 + i, "company_id": i % COMPANIES.len() + 1,
            "title": TICKET_TITLES[i % TICKET_TITLES.len()],
            "status": STATUSES[i % 3], "priority": PRIORITIES[i % 3],
            "notes": []})
        })
        .collect();
    let devices = (0..20).map(|i| {
        json!({"id": 500 + i, "company_id": i % COMPANIES.len() + 1, "name": format!("WS-{:03}", i + 1),
            "os": if i % 4 == 0 { "Windows Server 2022" } else { "Windows 11 Pro" }, "offline": i % 5 == 0})
    }).collect();
    let alerts = (0..10).map(|i| {
        json!({"id": format!("alert-{}", i + 1), "device_id": 500 + i * 2, "severity": SEVERITIES[i % 3],
            "message": ALERTS[i % 3],
            "acknowledged": false})
    }).collect();
    Data {
        companies,
        contacts,
        tickets,
        devices,
        alerts,
    }
}

/// The demo check: any non-empty API key works.
pub(super) fn check(def: &VendorDefinition, creds: &ConnectionCredentials) -> CheckOutcome {
    let has_key = def.form.iter().any(|f| creds.value(&f.name).is_some());
    if has_key {
        CheckOutcome::Authenticated {
            detail: Some(DETAIL.into()),
        }
    } else {
        CheckOutcome::Rejected {
            vendor_message: Some("The API key is empty.".into()),
        }
    }
}

fn arg_u64(args: &Value, name: &str) -> Option<u64> {
    args.get(name).and_then(Value::as_u64)
}

fn arg_str<'a>(args: &'a Value, name: &str) -> Option<&'a str> {
    args.get(name).and_then(Value::as_str)
}

fn matches(item: &Value, args: &Value) -> bool {
    let company_ok =
        arg_u64(args, "company_id").is_none_or(|c| item["company_id"].as_u64() == Some(c));
    let status_ok = arg_str(args, "status").is_none_or(|s| item["status"] == s);
    let query_ok = arg_str(args, "query").is_none_or(|q| {
        let q = q.to_lowercase();
        ["name", "title", "message"].iter().any(|k| {
            item[*k]
                .as_str()
                .is_some_and(|t| t.to_lowercase().contains(&q))
        })
    });
    let offline_ok = args
        .get("offline")
        .and_then(Value::as_bool)
        .is_none_or(|o| item["offline"] == o);
    let ack_ok = args
        .get("acknowledged")
        .and_then(Value::as_bool)
        .is_none_or(|a| item["acknowledged"] == a);
    company_ok && status_ok && query_ok && offline_ok && ack_ok
}

fn list(items: &[Value], args: &Value, limit: usize) -> ToolOutput {
    let page = arg_u64(args, "page").unwrap_or(1).max(1) as usize;
    let found: Vec<Value> = items.iter().filter(|i| matches(i, args)).cloned().collect();
    let start = (page - 1) * limit;
    let rest: Vec<Value> = found.into_iter().skip(start).collect();
    let more = rest.len() > limit;
    shape::list_output(
        rest,
        &ResponseShape::default(),
        limit,
        more,
        &Redactor::new(vec![]),
    )
}

fn one(items: &[Value], key: &str, id: &Value) -> Result<ToolOutput, CallError> {
    items
        .iter()
        .find(|i| &i[key] == id)
        .map(|v| shape::object_output(v, &ResponseShape::default(), &Redactor::new(vec![])))
        .ok_or(CallError::NotFound {
            vendor_message: Some(format!("No record with id {id}.")),
        })
}

impl DemoStore {
    pub(super) fn forget(&self, id: Uuid) {
        self.data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id);
    }

    /// Runs one demo tool (arguments already schema-checked).
    pub(super) fn call(
        &self,
        def: &VendorDefinition,
        creds: &ConnectionCredentials,
        tool: &ToolDefinition,
        args: &Value,
        now: OffsetDateTime,
    ) -> Result<ToolOutput, CallError> {
        if !check(def, creds).is_ok() {
            return Err(CallError::Rejected {
                vendor_message: Some("The API key is empty.".into()),
            });
        }
        let cell = self
            .data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(creds.connection_id)
            .or_insert_with(|| Arc::new(Mutex::new(seed())))
            .clone();
        let mut d = cell
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let limit = arg_u64(args, "limit").map_or(def.limits.default_items, |l| l as usize);
        let id = args.get("id").cloned().unwrap_or(Value::Null);
        let stamp = now.unix_timestamp();
        match tool.name.as_str() {
            "list_companies" => Ok(list(&d.companies, args, limit)),
            "get_company" => one(&d.companies, "id", &id),
            "list_contacts" => Ok(list(&d.contacts, args, limit)),
            "list_tickets" => Ok(list(&d.tickets, args, limit)),
            "get_ticket" => one(&d.tickets, "id", &id),
            "list_devices" => Ok(list(&d.devices, args, limit)),
            "list_alerts" => Ok(list(&d.alerts, args, limit)),
            "create_ticket" => {
                let company = args["company_id"].clone();
                if !d.companies.iter().any(|c| c["id"] == company) {
                    return Err(CallError::NotFound {
                        vendor_message: Some(format!("No company with id {company}.")),
                    });
                }
                let next = d
                    .tickets
                    .iter()
                    .filter_map(|t| t["id"].as_u64())
                    .max()
                    .unwrap_or(999)
                    + 1;
                let ticket = json!({"id": next, "company_id": company, "title": args["title"],
                    "description": args.get("description").cloned().unwrap_or(Value::Null),
                    "status": "open", "priority": args.get("priority").cloned().unwrap_or(json!("medium")),
                    "notes": [], "created_at": stamp});
                d.tickets.push(ticket.clone());
                Ok(shape::object_output(
                    &ticket,
                    &ResponseShape::default(),
                    &Redactor::new(vec![]),
                ))
            }
            "add_ticket_note" => {
                let ticket_id = args["ticket_id"].clone();
                let ticket = d.tickets.iter_mut().find(|t| t["id"] == ticket_id).ok_or(
                    CallError::NotFound {
                        vendor_message: Some(format!("No ticket with id {ticket_id}.")),
                    },
                )?;
                let note = json!({"text": args["text"], "created_at": stamp});
                if let Some(notes) = ticket["notes"].as_array_mut() {
                    notes.push(note.clone());
                }
                Ok(shape::object_output(
                    &json!({"ticket_id": ticket_id, "note": note}),
                    &ResponseShape::default(),
                    &Redactor::new(vec![]),
                ))
            }
            "acknowledge_alert" => {
                let alert =
                    d.alerts
                        .iter_mut()
                        .find(|a| a["id"] == id)
                        .ok_or(CallError::NotFound {
                            vendor_message: Some(format!("No alert with id {id}.")),
                        })?;
                alert["acknowledged"] = json!(true);
                Ok(shape::object_output(
                    alert,
                    &ResponseShape::default(),
                    &Redactor::new(vec![]),
                ))
            }
            _ => Err(CallError::UnknownTool),
        }
    }
}
