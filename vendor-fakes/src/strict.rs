//! Request-shape checks the fakes share: only the query parameters a route documents, only the
//! body members a model documents, a JSON body where one is expected. Each returns the message
//! the fake answers with its vendor's 400, so a definition that drifts from the vendor's
//! documented request fails its tests.

use serde_json::Value;

use crate::common::Req;

/// The first query parameter `req` carries that `allowed` does not name.
pub(crate) fn unexpected_param(req: &Req, allowed: &[&str]) -> Option<String> {
    req.query
        .keys()
        .find(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("The query parameter '{k}' is not supported by this endpoint."))
}

/// The JSON object body, or why there is none (wrong content type, not JSON, not an object).
pub(crate) fn json_object(req: &Req) -> Result<serde_json::Map<String, Value>, String> {
    let media = req
        .header("content-type")
        .and_then(|c| c.split(';').next())
        .map(str::trim);
    if media != Some("application/json") {
        return Err("Content-Type must be application/json.".into());
    }
    match req.json() {
        Some(Value::Object(map)) => Ok(map),
        _ => Err("The request body must be a JSON object.".into()),
    }
}

/// The first member of `object` that `allowed` does not name.
pub(crate) fn unexpected_member(
    object: &serde_json::Map<String, Value>,
    allowed: &[&str],
) -> Option<String> {
    object
        .keys()
        .find(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("The member '{k}' is not part of the request model."))
}

/// Whether `value` is one of `options` (a string enum member).
pub(crate) fn one_of(value: &Value, options: &[&str]) -> bool {
    value.as_str().is_some_and(|v| options.contains(&v))
}

/// The decoded path segments after `prefix` (which ends with `/`), or `None` outside it.
pub(crate) fn segments_after(req: &Req, prefix: &str) -> Option<Vec<String>> {
    let rest = req.path.strip_prefix(prefix)?;
    Some(
        rest.split('/')
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect(),
    )
}
