//! Refuses a JSON body with members the endpoint does not know (security.md WEB-8: strict
//! deserialisation), for the server functions that take JSON.
//!
//! Leptos generates their argument structs, and its macro forwards no `#[serde(...)]` container
//! attribute, so `deny_unknown_fields` cannot be put on them. The equivalent here: the body is
//! parsed into the generated struct, written back out, and every member of the body must appear
//! in that (recursively through objects and arrays). A body that does not parse at all is left to
//! the server function, which answers its own error.
//!
//! Not here, on purpose: `/register` (RFC 7591 §2: the server MUST ignore metadata it does not
//! understand; it keeps none of it) and `/v1/mcp` (JSON-RPC, whose params are each method's own).

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::server_fn::ServerFn;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use app::server_fns::connections::{CreateConnection, SetToolAllowlist, UpdateConnection};

/// A check of one endpoint's body: `Err(member path)` for the first unknown member.
type Check = fn(&[u8]) -> Result<(), String>;

/// The server functions that take JSON, each with its check.
fn check_for(path: &str) -> Option<Check> {
    [
        (
            CreateConnection::PATH,
            unknown_members::<CreateConnection> as Check,
        ),
        (UpdateConnection::PATH, unknown_members::<UpdateConnection>),
        (SetToolAllowlist::PATH, unknown_members::<SetToolAllowlist>),
    ]
    .into_iter()
    .find_map(|(p, check)| (p == path).then_some(check))
}

/// `Err` with the path of the first member of `body` that `T` does not have.
pub fn unknown_members<T: DeserializeOwned + Serialize>(body: &[u8]) -> Result<(), String> {
    let Ok(sent) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    let Ok(parsed) = serde_json::from_value::<T>(sent.clone()) else {
        return Ok(());
    };
    let Ok(known) = serde_json::to_value(&parsed) else {
        return Ok(());
    };
    match first_unknown(&sent, &known) {
        Some(path) => Err(path),
        None => Ok(()),
    }
}

fn first_unknown(sent: &Value, known: &Value) -> Option<String> {
    match (sent, known) {
        (Value::Object(sent), Value::Object(known)) => {
            sent.iter().find_map(|(key, value)| match known.get(key) {
                None => Some(key.clone()),
                Some(inner) => first_unknown(value, inner).map(|rest| format!("{key}.{rest}")),
            })
        }
        (Value::Array(sent), Value::Array(known)) => sent
            .iter()
            .zip(known)
            .enumerate()
            .find_map(|(i, (s, k))| first_unknown(s, k).map(|rest| format!("{i}.{rest}"))),
        _ => None,
    }
}

/// Middleware: applies the endpoint's check to `POST`s of the JSON server functions (`400` naming
/// the unknown member). The body limit of the portal applies before this reads it.
pub async fn refuse_unknown_fields(request: Request, next: Next) -> Response {
    let check = (request.method() == Method::POST)
        .then(|| check_for(request.uri().path()))
        .flatten();
    let Some(check) = check else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, crate::routes::PORTAL_BODY_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if let Err(member) = check(&bytes) {
        return (
            StatusCode::BAD_REQUEST,
            format!("Unknown member `{member}` in the request body."),
        )
            .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Args {
        name: String,
        fields: Vec<(String, String)>,
        nested: Inner,
    }

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Inner {
        on: bool,
    }

    #[test]
    fn known_members_pass_and_an_unknown_one_is_named_at_any_depth() {
        let ok = br#"{"name":"a","fields":[["k","v"]],"nested":{"on":true}}"#;
        assert_eq!(unknown_members::<Args>(ok), Ok(()));
        let top = br#"{"name":"a","fields":[],"nested":{"on":true},"admin":true}"#;
        assert_eq!(unknown_members::<Args>(top), Err("admin".into()));
        let deep = br#"{"name":"a","fields":[],"nested":{"on":true,"sudo":1}}"#;
        assert_eq!(unknown_members::<Args>(deep), Err("nested.sudo".into()));
    }

    #[test]
    fn a_body_that_does_not_parse_is_left_to_the_endpoint() {
        assert_eq!(unknown_members::<Args>(b"not json"), Ok(()));
        assert_eq!(unknown_members::<Args>(br#"{"name":1}"#), Ok(()));
    }

    #[test]
    fn every_json_server_function_is_checked() {
        for path in [
            "/api/connections/create",
            "/api/connections/update",
            "/api/connections/tool_allowlist",
        ] {
            assert!(check_for(path).is_some(), "{path}");
        }
        assert!(check_for("/api/connections/delete").is_none());
    }
}
