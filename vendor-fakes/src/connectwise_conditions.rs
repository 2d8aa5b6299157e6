//! The subset of ConnectWise PSA's condition language the fake understands:
//! `field/path OP value` clauses joined by `and`, where OP is `=`, `!=`, `<`, `<=`, `>`, `>=`,
//! `like` (with `%` wildcards) or `contains`, and a value is a "quoted string", a number,
//! `true`, `false` or `null`. A path through an array (`communicationItems/value`) matches when
//! any element does. A field no record has is an error, as it is for ConnectWise. Also `orderBy`.

use std::cmp::Ordering;

use serde_json::Value;

/// One clause.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    path: Vec<String>,
    op: String,
    value: Value,
}

fn skip_ws(s: &str) -> &str {
    s.trim_start()
}

/// Parses a condition text; `items` are the records (to refuse unknown fields).
pub(crate) fn parse(text: &str, items: &[Value]) -> Result<Vec<Condition>, String> {
    let mut out = Vec::new();
    let mut rest = skip_ws(text);
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '/' || c == '_'))
            .unwrap_or(rest.len());
        let (field, after) = rest.split_at(end);
        if field.is_empty() {
            return Err(format!("Expected a field name at '{rest}'"));
        }
        let path: Vec<String> = field.split('/').map(str::to_owned).collect();
        if !items.is_empty() && !items.iter().any(|i| i.get(&path[0]).is_some()) {
            return Err(format!("Unknown field '{field}'"));
        }
        let after = skip_ws(after);
        let lower = after.to_ascii_lowercase();
        let op = ["!=", "<=", ">=", "=", "<", ">", "like ", "contains "]
            .into_iter()
            .find(|op| lower.starts_with(op))
            .ok_or_else(|| format!("Expected an operator after '{field}'"))?;
        let after = skip_ws(&after[op.len()..]);
        let (value, after) = literal(after)?;
        out.push(Condition {
            path,
            op: op.trim().to_owned(),
            value,
        });
        rest = skip_ws(after);
        if rest.is_empty() {
            break;
        }
        match rest.get(..4).map(str::to_ascii_lowercase).as_deref() {
            Some("and ") => rest = skip_ws(&rest[4..]),
            _ => {
                return Err(format!(
                    "Expected 'and' at '{rest}' (the fake knows 'and' only)"
                ))
            }
        }
    }
    Ok(out)
}

fn literal(text: &str) -> Result<(Value, &str), String> {
    if let Some(quoted) = text.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => return Ok((Value::String(value), &quoted[i + 1..])),
                other => value.push(other),
            }
        }
        return Err("Unterminated string".into());
    }
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    let (word, rest) = text.split_at(end);
    let value = match word {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        number => serde_json::from_str::<serde_json::Number>(number)
            .map(Value::Number)
            .map_err(|_| format!("Bad value '{word}' (strings are quoted)"))?,
    };
    Ok((value, rest))
}

/// The values at `path` in `item` (several when the path crosses an array).
fn values<'a>(item: &'a Value, path: &[String]) -> Vec<&'a Value> {
    let Some((first, rest)) = path.split_first() else {
        return vec![item];
    };
    match item {
        Value::Array(list) => list.iter().flat_map(|i| values(i, path)).collect(),
        Value::Object(map) => map.get(first).map_or_else(Vec::new, |v| values(v, rest)),
        _ => Vec::new(),
    }
}

fn like(text: &str, pattern: &str) -> bool {
    let (text, pattern) = (text.to_lowercase(), pattern.to_lowercase());
    let parts: Vec<&str> = pattern.split('%').collect();
    let mut at = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !text.starts_with(part) {
                return false;
            }
            at = part.len();
        } else if i == parts.len() - 1 {
            return text.len() >= at + part.len() && text.ends_with(part);
        } else {
            match text[at..].find(part) {
                Some(found) => at += found + part.len(),
                None => return false,
            }
        }
    }
    at == text.len()
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

fn holds(actual: &Value, c: &Condition) -> bool {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    match c.op.as_str() {
        "like" => matches!((text(actual), text(&c.value)), (Some(a), Some(p)) if like(&a, &p)),
        "contains" => {
            matches!((text(actual), text(&c.value)), (Some(a), Some(p)) if a.to_lowercase().contains(&p.to_lowercase()))
        }
        op => compare(actual, &c.value).is_some_and(|o| match op {
            "=" => o == Ordering::Equal,
            "!=" => o != Ordering::Equal,
            "<" => o == Ordering::Less,
            "<=" => o != Ordering::Greater,
            ">" => o == Ordering::Greater,
            _ => o != Ordering::Less,
        }),
    }
}

/// Whether `item` satisfies every clause.
pub(crate) fn matches_all(item: &Value, conditions: &[Condition]) -> bool {
    conditions.iter().all(|c| {
        let found = values(item, &c.path);
        if found.is_empty() {
            return holds(&Value::Null, c);
        }
        found.into_iter().any(|v| holds(v, c))
    })
}

/// Sorts by `orderBy` (`field/path [asc|desc]`); unknown fields are an error.
pub(crate) fn sort(items: &mut [Value], order_by: Option<&str>) -> Result<(), String> {
    let Some(order) = order_by else {
        return Ok(());
    };
    let mut words = order.split_whitespace();
    let field = words.next().unwrap_or("");
    let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => return Err(format!("Bad orderBy direction '{other}'")),
    };
    let path: Vec<String> = field.split('/').map(str::to_owned).collect();
    if !items.is_empty() && !items.iter().any(|i| i.get(&path[0]).is_some()) {
        return Err(format!("Unknown orderBy field '{field}'"));
    }
    items.sort_by(|a, b| {
        let (x, y) = (values(a, &path), values(b, &path));
        let o = match (x.first(), y.first()) {
            (Some(x), Some(y)) => compare(x, y).unwrap_or(Ordering::Equal),
            _ => Ordering::Equal,
        };
        if desc {
            o.reverse()
        } else {
            o
        }
    });
    Ok(())
}
