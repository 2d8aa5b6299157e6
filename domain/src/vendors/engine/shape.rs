//! Response shaping: selected fields, item caps, long strings cut, secrets redacted, and a note
//! saying what was left out, so a tool result stays small and honest (MCP-7; Claude routines
//! time out on large answers, product.md §5.16).

use serde_json::{json, Map, Value};

use super::answer::Redactor;
use crate::vendors::{ResponseShape, ToolOutput};

/// Longest string value kept (descriptions, notes); longer ones end in `…`.
const MAX_STRING: usize = 2000;
/// Largest JSON text returned.
const MAX_TEXT: usize = 64 * 1024;

/// Selects the definition's fields of one item (all of it when none are named).
pub(crate) fn select(item: &Value, shape: &ResponseShape) -> Value {
    if shape.fields.is_empty() {
        return item.clone();
    }
    let mut out = Map::new();
    for (alias, path) in &shape.fields {
        let mut at = Some(item);
        for seg in path {
            at = at.and_then(|v| match v {
                Value::Object(m) => m.get(seg),
                Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            });
        }
        if let Some(v) = at {
            out.insert(alias.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// Cuts long strings and redacts secrets everywhere in `value`; true when something was cut.
fn clean(value: &mut Value, redactor: &Redactor, max_string: usize) -> bool {
    match value {
        Value::String(s) => {
            let mut cut = false;
            let red = redactor.apply(s);
            *s = if red.chars().count() > max_string {
                cut = true;
                let mut t: String = red.chars().take(max_string).collect();
                t.push('…');
                t
            } else {
                red
            };
            cut
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |acc, v| clean(v, redactor, max_string) | acc),
        Value::Object(map) => map
            .values_mut()
            .fold(false, |acc, v| clean(v, redactor, max_string) | acc),
        _ => false,
    }
}

/// A list result: at most `limit` items; `more` says the vendor has more than were fetched
/// (no cursor: the in-process demo vendor pages with its own argument).
pub(crate) fn list_output(
    items: Vec<Value>,
    shape: &ResponseShape,
    limit: usize,
    more: bool,
    redactor: &Redactor,
) -> ToolOutput {
    let total = items.len();
    build_list(items, shape, limit, redactor, &|shown| {
        (shown < total || more, None)
    })
}

/// A list result of a paged vendor call: at most `limit` items, and `next_cursor(shown)` — the
/// sealed cursor that resumes right after the first `shown` items, if more may exist — once it
/// is known how many items fit.
pub(crate) fn list_output_paged(
    items: Vec<Value>,
    shape: &ResponseShape,
    limit: usize,
    redactor: &Redactor,
    next_cursor: &dyn Fn(usize) -> Option<String>,
) -> ToolOutput {
    build_list(items, shape, limit, redactor, &|shown| {
        let cursor = next_cursor(shown);
        (cursor.is_some(), cursor)
    })
}

/// `after(shown)`: whether more items exist after the first `shown`, and the cursor to them.
fn build_list(
    items: Vec<Value>,
    shape: &ResponseShape,
    limit: usize,
    redactor: &Redactor,
    after: &dyn Fn(usize) -> (bool, Option<String>),
) -> ToolOutput {
    let mut selected: Vec<Value> = items.iter().take(limit).map(|i| select(i, shape)).collect();
    let mut cut_strings = selected
        .iter_mut()
        .fold(false, |acc, v| clean(v, redactor, MAX_STRING) | acc);
    let mut shortened_once = false;
    loop {
        let (more, cursor) = after(selected.len());
        let truncated = more || cut_strings;
        let mut out = json!({"items": selected, "count": selected.len(), "truncated": truncated});
        if truncated {
            out["note"] = Value::String(note(selected.len(), more, cursor.is_some(), cut_strings));
        }
        if let Some(c) = cursor {
            out["next_cursor"] = Value::String(c);
        }
        let text = out.to_string();
        // One item alone may stay over the cap once its strings are short (as before paging).
        if text.len() <= MAX_TEXT || (selected.len() <= 1 && shortened_once) {
            return ToolOutput {
                text,
                structured: Some(out),
                truncated,
                is_error: false,
            };
        }
        if selected.len() <= 1 {
            // One item alone is too large: keep its strings short.
            for v in &mut selected {
                clean(v, redactor, 200);
            }
            cut_strings = true;
            shortened_once = true;
            continue;
        }
        let keep = (selected.len() * MAX_TEXT / text.len()).clamp(1, selected.len() - 1);
        selected.truncate(keep);
    }
}

fn note(shown: usize, more: bool, cursor: bool, cut_strings: bool) -> String {
    let mut parts = Vec::new();
    if more && cursor {
        parts.push(format!(
            "Showing {shown} items; more exist. To continue, call this tool again with `cursor` set to `next_cursor`, or narrow the search (filters)."
        ));
    } else if more {
        parts.push(format!(
            "Showing the first {shown} items; more exist. Narrow the search (filters) or raise `limit`."
        ));
    }
    if cut_strings {
        parts.push("Long text values were shortened (they end in …).".to_owned());
    }
    parts.join(" ")
}

/// A single-object result (after the definition's `object` pointer).
pub(crate) fn object_output(
    value: &Value,
    shape: &ResponseShape,
    redactor: &Redactor,
) -> ToolOutput {
    let mut selected = match value {
        Value::Object(_) => select(value, shape),
        Value::Null => json!({"result": "done"}),
        other => json!({"result": other}),
    };
    let mut cut = clean(&mut selected, redactor, MAX_STRING);
    if selected.to_string().len() > MAX_TEXT {
        cut |= clean(&mut selected, redactor, 200);
    }
    if cut {
        if let Value::Object(m) = &mut selected {
            m.insert(
                "note".into(),
                Value::String("Long text values were shortened (they end in …).".into()),
            );
        }
    }
    let mut text = selected.to_string();
    if text.len() > MAX_TEXT {
        selected = json!({"note": "The answer was too large to show; ask for a narrower record."});
        text = selected.to_string();
        cut = true;
    }
    ToolOutput {
        text,
        structured: Some(selected),
        truncated: cut,
        is_error: false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn fields_are_selected_by_dotted_path_with_aliases() {
        let shape = ResponseShape {
            items: Some("/data".into()),
            object: None,
            fields: vec![
                ("id".into(), vec!["id".into()]),
                ("name".into(), vec!["attributes".into(), "name".into()]),
                ("first_email".into(), vec!["emails".into(), "0".into()]),
            ],
        };
        let item =
            json!({"id": "1", "attributes": {"name": "Acme", "secret": "x"}, "emails": ["a@b"]});
        assert_eq!(
            select(&item, &shape),
            json!({"id": "1", "name": "Acme", "first_email": "a@b"})
        );
    }

    #[test]
    fn lists_are_capped_and_say_so() {
        let items: Vec<Value> = (0..30).map(|i| json!({"id": i})).collect();
        let out = list_output(
            items,
            &ResponseShape::default(),
            20,
            false,
            &Redactor::new(vec![]),
        );
        let v = out.structured.unwrap();
        assert!(out.truncated);
        assert_eq!(v["count"], 20);
        assert!(v["note"].as_str().unwrap().contains("more exist"));
    }
}
