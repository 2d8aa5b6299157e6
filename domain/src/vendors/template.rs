//! `{name}` templates of the definition format: parsed once at load (so a reference to an
//! undefined field or argument is a load error), rendered by the engine with the encoding the
//! position needs (path segment, query value, header, JSON).

use serde_json::Value;

/// A parsed template: literal text and `{name}` placeholders. No escapes: `{` and `}` are not
/// allowed as literal text (no vendor path or header needs them; JSON goes through
/// [`render_json`], whose braces are TOML structure, not text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Var(String),
}

fn is_var_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Template {
    /// Parses `text`; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find(['{', '}']) {
            if rest[open..].starts_with('}') {
                return Err(format!("unmatched `}}` in template `{text}`"));
            }
            if open > 0 {
                parts.push(Part::Lit(rest[..open].to_owned()));
            }
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("unclosed `{{` in template `{text}`"))?;
            let name = &after[..close];
            if !is_var_name(name) {
                return Err(format!(
                    "`{{{name}}}` in template `{text}` is not a field or argument name"
                ));
            }
            parts.push(Part::Var(name.to_owned()));
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_owned()));
        }
        Ok(Self {
            source: text.to_owned(),
            parts,
        })
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The placeholders' names.
    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v.as_str()),
            Part::Lit(_) => None,
        })
    }

    /// The one placeholder, when the template is exactly `{name}`.
    pub fn single_var(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Var(v)] => Some(v),
            _ => None,
        }
    }

    /// When the template is `{name}` followed by literal text only (`{url}/api/v1`): the name
    /// and that text.
    pub fn leading_var_then_text(&self) -> Option<(&str, &str)> {
        match self.parts.as_slice() {
            [Part::Var(v), Part::Lit(rest)] => Some((v, rest)),
            _ => None,
        }
    }

    /// Renders with `value(name, in_query)` (`in_query`: a literal `?` came before the
    /// placeholder, so the caller encodes a query value); `None` when any value is missing.
    pub fn render_with(
        &self,
        mut value: impl FnMut(&str, bool) -> Option<String>,
    ) -> Option<String> {
        let mut out = String::with_capacity(self.source.len());
        let mut in_query = false;
        for part in &self.parts {
            match part {
                Part::Lit(text) => {
                    in_query |= text.contains('?');
                    out.push_str(text);
                }
                Part::Var(name) => out.push_str(&value(name, in_query)?),
            }
        }
        Some(out)
    }

    /// Renders with `value(name)`, no position awareness (headers, form bodies).
    pub fn render(&self, mut value: impl FnMut(&str) -> Option<String>) -> Option<String> {
        self.render_with(|name, _| value(name))
    }
}

/// Every placeholder in a JSON template (strings anywhere in it).
pub fn json_vars(template: &Value) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    collect_json_vars(template, &mut out)?;
    Ok(out)
}

fn collect_json_vars(template: &Value, out: &mut Vec<String>) -> Result<(), String> {
    match template {
        Value::String(s) => out.extend(Template::parse(s)?.vars().map(str::to_owned)),
        Value::Array(items) => {
            for item in items {
                collect_json_vars(item, out)?;
            }
        }
        Value::Object(map) => {
            for item in map.values() {
                collect_json_vars(item, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Renders a JSON template. A string that is exactly `{name}` becomes the value itself (keeping
/// its JSON type); other strings interpolate the values as text. An object member naming an
/// absent value is left out; an array element that names one anywhere inside is left out whole,
/// so an optional filter (`{"op": "eq", "field": "x", "value": "{x}"}`) disappears with its
/// argument; a nested object whose members all named absent values is left out too. `None` when
/// the whole template is a string naming an absent value.
pub fn render_json(template: &Value, value: &dyn Fn(&str) -> Option<Value>) -> Option<Value> {
    render_json_inner(template, value).0
}

/// The rendered value and whether anything inside was left out.
fn render_json_inner(
    template: &Value,
    value: &dyn Fn(&str) -> Option<Value>,
) -> (Option<Value>, bool) {
    match template {
        Value::String(s) => {
            // Parsed at load already; a failure here cannot happen, and renders as absent.
            let Ok(t) = Template::parse(s) else {
                return (None, true);
            };
            let out = match t.single_var() {
                Some(name) => value(name),
                None => t
                    .render(|name| value(name).map(|v| as_text(&v)))
                    .map(Value::String),
            };
            let lost = out.is_none();
            (out, lost)
        }
        Value::Array(items) => {
            let kept = items
                .iter()
                .filter_map(|i| match render_json_inner(i, value) {
                    (Some(v), false) => Some(v),
                    _ => None,
                })
                .collect();
            (Some(Value::Array(kept)), false)
        }
        Value::Object(map) => {
            let mut lost = false;
            let kept = map
                .iter()
                .filter_map(|(k, v)| {
                    let (out, l) = render_json_inner(v, value);
                    lost |= l;
                    // A nested object all of whose members named absent values goes too
                    // (ConnectWise `contact = { id = "{contact_id}" }` without a contact).
                    let emptied = l
                        && matches!(&out, Some(Value::Object(m)) if m.is_empty())
                        && matches!(v, Value::Object(t) if !t.is_empty());
                    out.filter(|_| !emptied).map(|v| (k.clone(), v))
                })
                .collect();
            (Some(Value::Object(kept)), lost)
        }
        other => (Some(other.clone()), false),
    }
}

/// A JSON value as query or header text: strings bare, everything else as JSON.
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn templates_parse_placeholders_and_refuse_broken_braces() {
        let t = Template::parse("/organizations/{id}/configurations").unwrap();
        assert_eq!(t.vars().collect::<Vec<_>>(), ["id"]);
        assert!(Template::parse("/a/{id").is_err());
        assert!(Template::parse("/a/id}").is_err());
        assert!(Template::parse("/a/{}").is_err());
        assert!(Template::parse("/a/{a b}").is_err());
    }

    #[test]
    fn render_knows_whether_a_placeholder_is_in_the_query() {
        let t = Template::parse("https://h/{seg}?user={user}").unwrap();
        let out = t
            .render_with(|name, q| Some(format!("{name}:{q}")))
            .unwrap();
        assert_eq!(out, "https://h/seg:false?user=user:true");
    }

    #[test]
    fn json_templates_keep_types_and_drop_parts_naming_absent_arguments() {
        let t = json!({"MaxRecords": "{limit}", "filter": [
            {"op": "gt", "field": "id", "value": 0},
            {"op": "contains", "field": "companyName", "value": "{name}"}
        ], "title": "Ticket: {title}"});
        let args = json!({"limit": 5});
        let out = render_json(&t, &|n| args.get(n).cloned()).unwrap();
        assert_eq!(
            out,
            json!({"MaxRecords": 5, "filter": [{"op": "gt", "field": "id", "value": 0}]})
        );
    }

    #[test]
    fn a_nested_object_whose_members_are_all_absent_is_left_out() {
        let t = json!({"summary": "{summary}", "company": {"id": "{company_id}"},
            "contact": {"id": "{contact_id}"}, "flags": {}});
        let args = json!({"summary": "Printer", "company_id": 19});
        let out = render_json(&t, &|n| args.get(n).cloned()).unwrap();
        assert_eq!(
            out,
            json!({"summary": "Printer", "company": {"id": 19}, "flags": {}})
        );
    }
}
