//! A small JSON Schema validator for the subset tool definitions use: `type`, `properties`,
//! `required`, `additionalProperties` (boolean), `enum`, `minimum`/`maximum`,
//! `minLength`/`maxLength`, `pattern`, `items`, plus annotations (`description`, `title`,
//! `default`, `examples`, `format`).
//!
//! Why not the `jsonschema` crate: even with default features off it brings a large tree
//! (referencing, fancy-regex, its own URL resolution) to build on every developer's two cores,
//! to validate a few flat argument objects. A schema using anything outside the subset is
//! refused at load ([`check_schema`]), so a definition can never rely on a keyword this
//! validator would silently ignore.

use serde_json::{Map, Value};

const KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "items",
    "description",
    "title",
    "default",
    "examples",
    "format",
];
const TYPES: &[&str] = &[
    "object", "string", "integer", "number", "boolean", "array", "null",
];

/// Checks that `schema` only uses the supported subset, correctly typed; the error names the
/// keyword's location.
pub fn check_schema(schema: &Value) -> Result<(), String> {
    check_at(schema, "#")
}

fn check_at(schema: &Value, at: &str) -> Result<(), String> {
    let map = schema
        .as_object()
        .ok_or_else(|| format!("{at}: a schema must be a table"))?;
    for (key, value) in map {
        if !KEYWORDS.contains(&key.as_str()) {
            return Err(format!("{at}: unsupported JSON Schema keyword `{key}`"));
        }
        let ok = match key.as_str() {
            "type" => match value {
                Value::String(t) => TYPES.contains(&t.as_str()),
                Value::Array(ts) => ts
                    .iter()
                    .all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t))),
                _ => false,
            },
            "properties" => {
                let Some(props) = value.as_object() else {
                    return Err(format!("{at}: `properties` must be a table"));
                };
                for (name, sub) in props {
                    check_at(sub, &format!("{at}/properties/{name}"))?;
                }
                true
            }
            "items" => {
                check_at(value, &format!("{at}/items"))?;
                true
            }
            "required" => value
                .as_array()
                .is_some_and(|r| r.iter().all(Value::is_string)),
            "additionalProperties" => value.is_boolean(),
            "enum" | "examples" => value.is_array(),
            "minimum" | "maximum" => value.is_number(),
            "minLength" | "maxLength" => value.is_u64(),
            "pattern" => match value.as_str() {
                Some(p) => regex::Regex::new(p).is_ok(),
                None => false,
            },
            "description" | "title" | "format" => value.is_string(),
            _ => true,
        };
        if !ok {
            return Err(format!("{at}: `{key}` has an invalid value"));
        }
    }
    if let (Some(required), Some(props)) = (
        map.get("required").and_then(Value::as_array),
        map.get("properties").and_then(Value::as_object),
    ) {
        for r in required.iter().filter_map(Value::as_str) {
            if !props.contains_key(r) {
                return Err(format!(
                    "{at}: required property `{r}` is not in `properties`"
                ));
            }
        }
    }
    Ok(())
}

/// Validates `value` against a schema accepted by [`check_schema`]; the error names the first
/// failing location (`limit: must be at most 50`).
pub fn validate(schema: &Value, value: &Value) -> Result<(), String> {
    validate_at(schema, value, "")
}

fn type_matches(t: &str, value: &Value) -> bool {
    match t {
        "object" => value.is_object(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn name(at: &str) -> &str {
    if at.is_empty() {
        "arguments"
    } else {
        at
    }
}

fn validate_at(schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let Some(s) = schema.as_object() else {
        return Ok(());
    };
    match s.get("type") {
        Some(Value::String(t)) if !type_matches(t, value) => {
            return Err(format!("{}: must be of type {t}", name(at)))
        }
        Some(Value::Array(ts))
            if !ts
                .iter()
                .filter_map(Value::as_str)
                .any(|t| type_matches(t, value)) =>
        {
            return Err(format!("{}: has the wrong type", name(at)))
        }
        _ => {}
    }
    if let Some(options) = s.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            let list: Vec<String> = options.iter().map(Value::to_string).collect();
            return Err(format!("{}: must be one of {}", name(at), list.join(", ")));
        }
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
            if n < min {
                return Err(format!("{}: must be at least {min}", name(at)));
            }
        }
        if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
            if n > max {
                return Err(format!("{}: must be at most {max}", name(at)));
            }
        }
    }
    if let Some(text) = value.as_str() {
        validate_string(s, text, at)?;
    }
    if let (Some(items), Some(list)) = (s.get("items"), value.as_array()) {
        for (i, item) in list.iter().enumerate() {
            validate_at(items, item, &format!("{}[{i}]", name(at)))?;
        }
    }
    if let Some(obj) = value.as_object() {
        validate_object(s, obj, at)?;
    }
    Ok(())
}

fn validate_string(s: &Map<String, Value>, text: &str, at: &str) -> Result<(), String> {
    let len = text.chars().count() as u64;
    if let Some(min) = s.get("minLength").and_then(Value::as_u64) {
        if len < min {
            return Err(format!("{}: must be at least {min} characters", name(at)));
        }
    }
    if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
        if len > max {
            return Err(format!("{}: must be at most {max} characters", name(at)));
        }
    }
    if let Some(p) = s.get("pattern").and_then(Value::as_str) {
        // Compiled at load already (check_schema); an error here cannot happen.
        if regex::Regex::new(p).is_ok_and(|re| !re.is_match(text)) {
            return Err(format!("{}: must match the pattern {p}", name(at)));
        }
    }
    Ok(())
}

fn validate_object(
    s: &Map<String, Value>,
    obj: &Map<String, Value>,
    at: &str,
) -> Result<(), String> {
    let props = s.get("properties").and_then(Value::as_object);
    if let Some(required) = s.get("required").and_then(Value::as_array) {
        for r in required.iter().filter_map(Value::as_str) {
            if !obj.contains_key(r) {
                return Err(format!("{}: `{r}` is required", name(at)));
            }
        }
    }
    for (key, item) in obj {
        let sub_at = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        match props.and_then(|p| p.get(key)) {
            Some(sub) => validate_at(sub, item, &sub_at)?,
            None if s.get("additionalProperties") == Some(&Value::Bool(false)) => {
                return Err(format!("{}: unknown argument `{key}`", name(at)))
            }
            None => {}
        }
    }
    Ok(())
}

/// Fills absent top-level properties that declare a `default`.
pub fn apply_defaults(schema: &Value, value: &mut Value) {
    let (Some(props), Some(obj)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object_mut(),
    ) else {
        return;
    };
    for (key, sub) in props {
        if let Some(default) = sub.get("default") {
            obj.entry(key.clone()).or_insert_with(|| default.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "additionalProperties": false, "required": ["id"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "name": {"type": "string", "maxLength": 5, "pattern": "^[a-z]+$"},
            "tags": {"type": "array", "items": {"type": "string"}}
        }})
    }

    #[test]
    fn the_subset_is_enforced_on_arguments() {
        let s = schema();
        check_schema(&s).unwrap();
        validate(
            &s,
            &json!({"id": 3, "status": "open", "name": "abc", "tags": ["x"]}),
        )
        .unwrap();
        for bad in [
            json!({}),
            json!({"id": "3"}),
            json!({"id": 0}),
            json!({"id": 1, "status": "gone"}),
            json!({"id": 1, "name": "toolong"}),
            json!({"id": 1, "name": "ABC"}),
            json!({"id": 1, "tags": [1]}),
            json!({"id": 1, "other": true}),
            json!([1]),
        ] {
            assert!(validate(&s, &bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn schemas_outside_the_subset_are_refused() {
        assert!(check_schema(&json!({"type": "object", "oneOf": []})).is_err());
        assert!(check_schema(&json!({"type": "objekt"})).is_err());
        assert!(
            check_schema(&json!({"type": "object", "required": ["x"], "properties": {}})).is_err()
        );
        assert!(check_schema(&json!({"properties": {"a": {"pattern": "("}}})).is_err());
    }
}
