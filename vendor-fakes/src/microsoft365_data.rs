//! The Microsoft 365 fake's tenant (Contoso: users, groups, SKUs, sign-ins, mailbox settings)
//! and its Microsoft Graph v1.0 routes.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use crate::{
    common::{self, lock, Req, Shared},
    microsoft365::{bad_request, not_found, page, select, TENANT_DOMAIN, TENANT_ID},
};

const PEOPLE: [(&str, &str, &str, &str); 10] = [
    ("Adele", "Vance", "Retail Manager", "Retail"),
    ("Alex", "Wilber", "Marketing Assistant", "Marketing"),
    ("Diego", "Siciliani", "HR Manager", "HR"),
    ("Grady", "Archie", "Designer", "R&D"),
    ("Isaiah", "Langer", "Sales Rep", "Sales"),
    ("Johanna", "Lorenz", "Senior Engineer", "Engineering"),
    ("Lee", "Gu", "Director", "Manufacturing"),
    ("Megan", "Bowen", "Marketing Manager", "Marketing"),
    ("Nestor", "Wilke", "Director", "Operations"),
    ("Pradeep", "Gupta", "Accountant", "Finance"),
];

fn user_id(i: usize) -> String {
    format!("a1c2e3f4-0000-4000-8000-{i:012}")
}

/// The tenant's data plus the OAuth state the fake keeps.
pub(crate) fn seed() -> Value {
    let mut users: Vec<Value> = PEOPLE
        .iter()
        .enumerate()
        .map(|(i, (first, last, job, dept))| {
            let upn = format!("{}.{}@{TENANT_DOMAIN}", first.to_lowercase(), last.to_lowercase());
            json!({"id": user_id(i + 1), "displayName": format!("{first} {last}"), "givenName": first, "surname": last,
                "userPrincipalName": upn, "mail": upn, "mobilePhone": format!("+1 425 555 01{i:02}"), "businessPhones": [format!("+1 425 555 02{i:02}")],
                "jobTitle": job, "department": dept, "officeLocation": "18/2111", "accountEnabled": i != 4, "usageLocation": "US",
                "userType": "Member", "createdDateTime": "2024-03-01T09:00:00Z",
                "signInActivity": {"lastSignInDateTime": format!("2026-12-1{}T08:15:00Z", i % 5), "lastNonInteractiveSignInDateTime": "2026-12-14T22:01:00Z", "lastSuccessfulSignInDateTime": format!("2026-12-1{}T08:15:00Z", i % 5)}})
        })
        .collect();
    // A larger tenant: more members than one page.
    users.extend((11..=32).map(|i| {
        let upn = format!("user{i:02}@{TENANT_DOMAIN}");
        json!({"id": user_id(i), "displayName": format!("Shared Mailbox {i:02}"), "givenName": null, "surname": null,
            "userPrincipalName": upn, "mail": upn, "businessPhones": [], "jobTitle": null, "department": null,
            "accountEnabled": false, "usageLocation": null, "userType": "Member", "createdDateTime": "2025-01-10T12:00:00Z"})
    }));
    let groups: Vec<Value> = [
        ("All Company", true, false, "Unified"),
        ("Sales and Marketing", true, false, "Unified"),
        ("IT Admins", false, true, ""),
        ("VPN Users", false, true, ""),
        ("Finance Distribution", true, false, ""),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, mail, security, kind))| {
        json!({"id": format!("b5a1c2d3-0000-4000-8000-{:012}", i + 1), "displayName": name, "description": format!("{name} group"),
            "mail": mail.then(|| format!("{}@{TENANT_DOMAIN}", name.to_lowercase().replace(' ', ""))),
            "groupTypes": if kind.is_empty() { json!([]) } else { json!([kind]) }, "securityEnabled": security, "mailEnabled": mail,
            "createdDateTime": "2024-02-01T10:00:00Z"})
    })
    .collect();
    let skus = json!([
        {"skuId": "05e9a617-0261-4cee-bb44-138d3ef5d965", "skuPartNumber": "SPE_E3", "capabilityStatus": "Enabled", "consumedUnits": 9,
         "prepaidUnits": {"enabled": 12, "suspended": 0, "warning": 0, "lockedOut": 0}, "appliesTo": "User"},
        {"skuId": "f245ecc8-75af-4f8e-b61f-27d8114de5f3", "skuPartNumber": "O365_BUSINESS_PREMIUM", "capabilityStatus": "Warning", "consumedUnits": 5,
         "prepaidUnits": {"enabled": 5, "suspended": 0, "warning": 5, "lockedOut": 0}, "appliesTo": "User"}
    ]);
    let sign_ins: Vec<Value> = (0..40)
        .map(|i| {
            let (first, last, _, _) = PEOPLE[i % PEOPLE.len()];
            let failed = i % 7 == 3;
            json!({"id": format!("66ea54eb-6301-4ee5-be62-{i:012}"), "createdDateTime": format!("2026-12-14T{:02}:{:02}:00Z", 23 - i / 2, (i * 7) % 60),
                "userPrincipalName": format!("{}.{}@{TENANT_DOMAIN}", first.to_lowercase(), last.to_lowercase()),
                "appDisplayName": if i % 2 == 0 { "Office 365 Exchange Online" } else { "Microsoft Teams" }, "ipAddress": format!("203.0.113.{}", 10 + i),
                "clientAppUsed": "Browser", "conditionalAccessStatus": if failed { "failure" } else { "success" },
                "status": {"errorCode": if failed { 50126 } else { 0 }, "failureReason": if failed { "Invalid username or password." } else { "Other." }},
                "location": {"city": "Redmond", "state": "Washington", "countryOrRegion": "US"}})
        })
        .collect();
    json!({
        "organization": [{"id": TENANT_ID, "displayName": "Contoso", "countryLetterCode": "US", "tenantType": "AAD",
            "createdDateTime": "2019-06-01T08:00:00Z", "technicalNotificationMails": ["it@contoso.com"],
            "verifiedDomains": [{"name": TENANT_DOMAIN, "isDefault": true, "isInitial": true, "type": "Managed"}, {"name": "contoso.com", "isDefault": false, "isInitial": false, "type": "Managed"}]}],
        "users": users, "groups": groups, "subscribedSkus": skus, "signIns": sign_ins,
        "revoked": [], "codes": [], "access_tokens": [], "refresh_tokens": [], "issued": 0, "refreshes": 0, "refuse_refresh": false,
    })
}

fn find_user(data: &Value, id: &str) -> Option<(usize, Value)> {
    data["users"]
        .as_array()?
        .iter()
        .enumerate()
        .find_map(|(i, u)| {
            (u["id"] == id
                || u["userPrincipalName"]
                    .as_str()
                    .is_some_and(|p| p.eq_ignore_ascii_case(id)))
            .then(|| (i, u.clone()))
        })
}

/// The subset of OData `$filter` the fake understands; anything else is Graph's 400.
fn filter(expr: Option<&String>, item: &Value) -> Result<bool, String> {
    let Some(expr) = expr.map(|e| e.trim()) else {
        return Ok(true);
    };
    let unquote = |v: &str| v.trim().trim_matches('\'').to_owned();
    if let Some((field, value)) = expr.split_once(" eq ") {
        let path = format!("/{}", field.trim());
        return Ok(match value.trim() {
            "true" => item.pointer(&path) == Some(&json!(true)),
            "false" => item.pointer(&path) == Some(&json!(false)),
            v => item
                .pointer(&path)
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case(&unquote(v))),
        });
    }
    if let Some((field, value)) = expr.split_once(" ne ") {
        let path = format!("/{}", field.trim());
        return Ok(item
            .pointer(&path)
            .map(|v| v.to_string().trim_matches('"').to_owned())
            != Some(unquote(value)));
    }
    if let Some(args) = expr
        .strip_prefix("startswith(")
        .and_then(|r| r.strip_suffix(')'))
    {
        if let Some((field, value)) = args.split_once(',') {
            let prefix = unquote(value).to_lowercase();
            return Ok(item[field.trim()]
                .as_str()
                .is_some_and(|s| s.to_lowercase().starts_with(&prefix)));
        }
    }
    Err(format!("Invalid filter clause: {expr}"))
}

fn filtered(req: &Req, items: &Value) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for item in items.as_array().cloned().unwrap_or_default() {
        match filter(req.query.get("$filter"), &item) {
            Ok(true) => out.push(item),
            Ok(false) => {}
            Err(why) => return Err(why),
        }
    }
    Ok(out)
}

/// Graph v1.0 routes (after the bearer check); `rest` is the path after `/v1.0`.
pub(crate) fn graph(shared: &Shared, req: &Req, rest: &[&str]) -> Response {
    let data = lock(&shared.data).clone();
    let ok = |v: Value| common::json(StatusCode::OK, v);
    match (req.method.as_str(), rest) {
        ("GET", ["organization"]) => ok(json!({"value": data["organization"]})),
        ("GET", ["users"]) => match filtered(req, &data["users"]) {
            Ok(users) => page(
                shared,
                req,
                users
                    .into_iter()
                    .map(|mut u| {
                        if let Some(m) = u.as_object_mut() {
                            m.remove("signInActivity");
                        }
                        u
                    })
                    .collect(),
            ),
            Err(why) => bad_request(&why),
        },
        ("GET", ["users", id]) => match find_user(&data, id) {
            Some((_, mut user)) => {
                let selected = req
                    .query
                    .get("$select")
                    .is_some_and(|s| s.contains("signInActivity"));
                if !selected {
                    if let Some(m) = user.as_object_mut() {
                        m.remove("signInActivity");
                    }
                }
                ok(select(req, user))
            }
            None => not_found(id),
        },
        ("PATCH", ["users", id]) => {
            let Some(enabled) = req.json().and_then(|b| b["accountEnabled"].as_bool()) else {
                return bad_request("Expected a body with accountEnabled.");
            };
            let Some((index, _)) = find_user(&data, id) else {
                return not_found(id);
            };
            lock(&shared.data)["users"][index]["accountEnabled"] = json!(enabled);
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", ["users", id, "revokeSignInSessions"]) => {
            let Some((_, user)) = find_user(&data, id) else {
                return not_found(id);
            };
            if let Some(r) = lock(&shared.data)["revoked"].as_array_mut() {
                r.push(user["id"].clone());
            }
            ok(
                json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean", "value": true}),
            )
        }
        ("GET", ["users", id, "licenseDetails"]) => match find_user(&data, id) {
            Some((_, user)) => {
                let skus = data["subscribedSkus"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let assigned: Vec<Value> = if user["accountEnabled"] == true {
                    skus
                } else {
                    Vec::new()
                };
                let details: Vec<Value> = assigned.iter().map(|s| json!({"id": format!("{}_{}", user["id"].as_str().unwrap_or(""), s["skuId"].as_str().unwrap_or("")),
                    "skuId": s["skuId"], "skuPartNumber": s["skuPartNumber"],
                    "servicePlans": [{"servicePlanId": "efb87545-963c-4e0d-99df-69c6916d9eb0", "servicePlanName": "EXCHANGE_S_ENTERPRISE", "provisioningStatus": "Success", "appliesTo": "User"}]})).collect();
                ok(json!({"value": details}))
            }
            None => not_found(id),
        },
        ("GET", ["users", id, "mailboxSettings"]) => match find_user(&data, id) {
            Some((i, _)) => ok(
                json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('x')/mailboxSettings",
                "archiveFolder": "AAMkAGI2", "timeZone": "Pacific Standard Time", "dateFormat": "M/d/yyyy", "timeFormat": "h:mm tt", "userPurpose": "user",
                "automaticRepliesSetting": {"status": if i == 0 { "alwaysEnabled" } else { "disabled" }, "externalAudience": "all",
                    "internalReplyMessage": if i == 0 { "<html><body>I am out of the office until Monday.</body></html>" } else { "" }, "externalReplyMessage": ""},
                "language": {"locale": "en-US", "displayName": "English (United States)"},
                "workingHours": {"daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"], "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000",
                    "timeZone": {"name": "Pacific Standard Time"}}}),
            ),
            None => not_found(id),
        },
        ("GET", ["groups"]) => match filtered(req, &data["groups"]) {
            Ok(groups) => page(shared, req, groups),
            Err(why) => bad_request(&why),
        },
        ("GET", ["groups", id, "members"]) => {
            let Some(index) = data["groups"]
                .as_array()
                .and_then(|g| g.iter().position(|x| x["id"] == *id))
            else {
                return not_found(id);
            };
            // Group n has every n-th user (the first group: everyone).
            let members: Vec<Value> = data["users"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .filter(|(i, _)| i % (index + 1) == 0)
                .map(|(_, mut u)| {
                    u["@odata.type"] = json!("#microsoft.graph.user");
                    u
                })
                .collect();
            page(shared, req, members)
        }
        ("GET", ["subscribedSkus"]) => ok(json!({"value": data["subscribedSkus"]})),
        ("GET", ["auditLogs", "signIns"]) => match filtered(req, &data["signIns"]) {
            Ok(list) => page(shared, req, list),
            Err(why) => bad_request(&why),
        },
        _ => not_found(&req.path),
    }
}
