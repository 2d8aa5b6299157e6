//! `docs/vendors.md`, generated from the definitions ([`catalog_markdown`]): every vendor's name,
//! slug, category, authentication in words, hosts, connect form, setup, tools (read or write)
//! and documentation links. A test compares it with the file and fails when it is stale;
//! `UPDATE_DOCS=1 cargo test -p domain vendors_md` rewrites it.

use std::fmt::Write as _;

use super::{
    describe::{auth_in_words, base_url_in_words, field_kind_in_words},
    Catalog, VendorDefinition, VendorKind,
};

/// The command that regenerates `docs/vendors.md` (printed by the staleness test).
pub const REGENERATE_VENDORS_MD: &str = "UPDATE_DOCS=1 cargo test -p domain vendors_md";

/// The catalog as Markdown, vendors ordered by slug (the order merges best when several people
/// add vendors at once). Deterministic: the same catalog gives the same text.
pub fn catalog_markdown(catalog: &Catalog) -> String {
    let mut out = String::new();
    out.push_str("# Vendors\n\n");
    let _ = writeln!(
        out,
        "<!-- Generated from vendors/*.toml by domain::vendors::catalog_markdown; do not edit \
         by hand. Regenerate: {REGENERATE_VENDORS_MD} -->\n"
    );
    out.push_str(
        "Every vendor built into the gateway, as its definition file says (the format: \
         [vendor-definitions.md](vendor-definitions.md)). Signed-in users see the same on the \
         catalog page (`/catalog`). Tools marked *write* change data at the vendor and need the \
         write scope.\n\n",
    );
    out.push_str("| Vendor | Slug | Category | Authentication | Tools (writes) |\n");
    out.push_str("|---|---|---|---|---|\n");
    for def in catalog.iter() {
        let writes = def.tools.iter().filter(|t| t.destructive).count();
        let tools = match def.kind {
            VendorKind::McpServer => "from the server".to_owned(),
            _ => format!("{} ({writes})", def.tools.len()),
        };
        let _ = writeln!(
            out,
            "| [{}](#{}) | `{}` | {} | {} | {} |",
            cell(&def.name),
            def.slug,
            def.slug,
            cell(&def.category),
            cell(&auth_in_words(def)),
            tools,
        );
    }
    for def in catalog.iter() {
        out.push('\n');
        vendor_section(&mut out, def);
    }
    out
}

fn vendor_section(out: &mut String, def: &VendorDefinition) {
    let _ = writeln!(out, "<a id=\"{}\"></a>", def.slug);
    let _ = writeln!(out, "## {}\n", def.name);
    let kind = match def.kind {
        VendorKind::Http(_) => "REST API, run by the generic engine",
        VendorKind::Demo => "sample data inside the gateway",
        VendorKind::McpServer => "remote MCP server",
    };
    let _ = writeln!(
        out,
        "Slug `{}` · category {} · {kind} · file `vendors/{}`\n",
        def.slug, def.category, def.source
    );
    let _ = writeln!(out, "{}\n", def.description.trim());
    let _ = writeln!(out, "**Authentication:** {}\n", auth_in_words(def));
    if let Some(hosts) = base_url_in_words(def) {
        let _ = writeln!(out, "**Requests go to:** {hosts}\n");
    }
    out.push_str(
        "**Connect form:**\n\n| Field | Label | Kind | Required | Help |\n|---|---|---|---|---|\n",
    );
    for field in &def.form {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            field.name,
            cell(&field.label),
            cell(&field_kind_in_words(field)),
            if field.required { "yes" } else { "no" },
            cell(field.help.as_deref().unwrap_or("")),
        );
    }
    out.push('\n');
    if let Some(setup) = &def.setup {
        let _ = writeln!(
            out,
            "**Where to create the credential:** {}\n",
            setup.location
        );
        out.push_str("**What it must be allowed:**\n\n");
        for permission in &setup.permissions {
            let _ = writeln!(out, "- {permission}");
        }
        out.push('\n');
    }
    tools_table(out, def);
    out.push_str("**Vendor documentation:**\n\n");
    for url in &def.docs {
        let _ = writeln!(out, "- <{url}>");
    }
}

fn tools_table(out: &mut String, def: &VendorDefinition) {
    if matches!(def.kind, VendorKind::McpServer) {
        out.push_str(
            "**Tools:** whatever the server lists (`tools/list`), read when connecting.\n\n",
        );
        return;
    }
    out.push_str("**Tools:**\n\n| Tool | Title | Access | What it does |\n|---|---|---|---|\n");
    for tool in &def.tools {
        let access = if tool.destructive {
            "*write*"
        } else if tool.read_only {
            "read"
        } else {
            "read/write"
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {access} | {} |",
            tool.name,
            cell(&tool.title),
            cell(&tool.description),
        );
    }
    out.push('\n');
}

/// Text made safe for one Markdown table cell: no line breaks, `|` escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const VENDORS_MD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/vendors.md");

    /// Fails when `docs/vendors.md` does not match the definitions; with `UPDATE_DOCS` set it
    /// rewrites the file instead.
    #[test]
    fn vendors_md_matches_the_definitions() {
        // Arrange
        let catalog = Catalog::load(None).unwrap();
        // Act
        let generated = catalog_markdown(&catalog);
        // Assert
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(VENDORS_MD, &generated).unwrap();
            return;
        }
        let on_disk = std::fs::read_to_string(VENDORS_MD).unwrap_or_default();
        assert!(
            on_disk == generated,
            "docs/vendors.md is stale (it differs from vendors/*.toml). Regenerate it with\n\n    \
             {REGENERATE_VENDORS_MD}\n\nand commit the result."
        );
    }

    #[test]
    fn every_vendor_is_described_with_its_form_setup_tools_and_docs() {
        let catalog = Catalog::load(None).unwrap();
        let md = catalog_markdown(&catalog);
        for def in catalog.iter() {
            assert!(md.contains(&format!("## {}\n", def.name)), "{}", def.slug);
            assert!(md.contains(&format!("Slug `{}`", def.slug)));
            for url in &def.docs {
                assert!(md.contains(&format!("- <{url}>")), "{url}");
            }
            for tool in &def.tools {
                assert!(
                    md.contains(&format!("| `{}` |", tool.name)),
                    "{}",
                    tool.name
                );
            }
            if let Some(setup) = &def.setup {
                assert!(md.contains(&setup.location));
            }
        }
        // Writes are marked; reads are not.
        assert!(md.contains("| `reset_alert` | Reset an alert | *write* |"));
        assert!(md.contains("| `list_devices` | List devices | read |"));
        // The connect form, with help text and the select's options.
        assert!(md.contains("| `api_key` | API key | secret"));
        assert!(md.contains("one of: United States (itglue.com); Europe (eu.itglue.com)"));
        // Deterministic.
        assert_eq!(md, catalog_markdown(&catalog));
    }

    #[test]
    fn table_cells_never_break_the_table() {
        assert_eq!(cell("a | b\nc  d"), "a \\| b c d");
    }
}
