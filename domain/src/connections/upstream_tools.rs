//! The tools an MCP-server connection stores: what its server listed, fitted into the
//! gateway's tool names and cleaned (MCP-7), kept in the row's `tools` column as JSON.
//!
//! A listed name must fit `{slug}__{name}` in 64 characters of `[a-zA-Z0-9_-]`. One that does
//! not is shortened deterministically — its first characters (others replaced by `_`), `_` and
//! six hex digits of its SHA-256 — and the original is kept in [`ToolInfo::upstream_name`] for
//! routing calls. Descriptions and titles lose control characters and are capped.

use sha2::{Digest, Sha256};

use super::{tools::clean_description, tools::ToolInfo, MAX_TOOL_NAME_CHARS};
use crate::vendors::{UpstreamTool, TOOL_DELIMITER};

/// Longest title kept.
const MAX_TITLE_CHARS: usize = 100;

fn valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// `name` as it is listed under `slug`: itself when it fits, else shortened with a hash.
pub(crate) fn fit_name(slug: &str, name: &str) -> String {
    let room = MAX_TOOL_NAME_CHARS.saturating_sub(slug.len() + TOOL_DELIMITER.len());
    if !name.is_empty() && name.len() <= room && name.chars().all(valid_char) {
        return name.to_owned();
    }
    let digest = Sha256::digest(name.as_bytes());
    let hash: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
    let keep = room.saturating_sub(hash.len() + 1);
    let head: String = name
        .chars()
        .map(|c| if valid_char(c) { c } else { '_' })
        .take(keep)
        .collect();
    format!("{head}_{hash}")
}

/// What a connection stores of its server's tools (in listing order; a later tool whose fitted
/// name repeats an earlier one is left out).
pub(crate) fn tool_infos(slug: &str, tools: Vec<UpstreamTool>) -> Vec<ToolInfo> {
    let mut seen = std::collections::HashSet::new();
    tools
        .into_iter()
        .filter_map(|tool| {
            let name = fit_name(slug, &tool.name);
            if !seen.insert(name.clone()) {
                return None;
            }
            let title = clean_description(tool.title.as_deref().unwrap_or(&tool.name));
            let title = match title.char_indices().nth(MAX_TITLE_CHARS) {
                Some((cut, _)) => format!("{}…", &title[..cut]),
                None => title,
            };
            Some(ToolInfo {
                upstream_name: (name != tool.name).then(|| tool.name.clone()),
                name,
                title,
                description: clean_description(&tool.description),
                input_schema: tool.input_schema,
                output_schema: tool.output_schema,
                destructive: tool.destructive,
                read_only: tool.read_only,
            })
        })
        .collect()
}

/// The `tools` column's value for the tools read by a check (`None`: not an MCP-server check).
pub(crate) fn column(slug: &str, tools: Option<Vec<UpstreamTool>>) -> Option<String> {
    tools.map(|t| serde_json::to_string(&tool_infos(slug, t)).unwrap_or_else(|_| "[]".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_fit_are_kept_and_others_shortened_deterministically() {
        assert_eq!(fit_name("files", "read_file"), "read_file");
        let long = "a".repeat(80);
        let fitted = fit_name("files", &long);
        assert_eq!(fitted, fit_name("files", &long));
        assert_eq!(fitted.len() + "files__".len(), MAX_TOOL_NAME_CHARS);
        assert!(fitted.starts_with("aaaa") && fitted.chars().all(valid_char));
        // Another long name with the same start gets another hash.
        let other = format!("{}b", "a".repeat(79));
        assert_ne!(fit_name("files", &other), fitted);
        // Odd characters are replaced, and the hash tells `a.b` from `a b`.
        let dotted = fit_name("files", "a.b");
        assert!(dotted.starts_with("a_b_") && dotted.chars().all(valid_char));
        assert_ne!(dotted, fit_name("files", "a b"));
        assert!(fit_name("files", "").starts_with('_'));
    }

    #[test]
    fn stored_tools_keep_the_upstream_name_and_clean_text() {
        let tool = UpstreamTool {
            name: "x.y".into(),
            title: None,
            description: "Reads\u{7} things\n\nfast".into(),
            input_schema: serde_json::json!({"type": "object"}),
            output_schema: None,
            read_only: true,
            destructive: false,
        };
        let infos = tool_infos("s", vec![tool.clone(), tool]);
        assert_eq!(infos.len(), 1);
        assert_eq!(infos[0].upstream_name.as_deref(), Some("x.y"));
        assert_eq!(infos[0].description, "Reads things fast");
        assert!(infos[0].read_only && !infos[0].destructive);
    }
}
