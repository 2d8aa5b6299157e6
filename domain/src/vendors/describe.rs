//! How the catalog describes vendors to people: the authentication scheme and the base URL in
//! words, and the catalog grouped by category and narrowed by a search. The catalog page and
//! the generated `docs/vendors.md` ([`super::catalog_markdown`]) both read these, so the page
//! and the document cannot say different things.

use std::sync::Arc;

use super::{AuthScheme, BaseUrl, Catalog, FieldKind, FormField, VendorDefinition, VendorKind};

/// Categories shown after the others, in this order: they are not vendors an MSP pays for.
const LAST_CATEGORIES: [&str; 2] = ["Other", "Sample"];

/// One category of the catalog with its vendors, ordered by name.
#[derive(Debug, Clone)]
pub struct CategoryGroup {
    /// The category ("PSA", "RMM", "Documentation").
    pub category: String,
    /// Its vendors that matched, by name.
    pub vendors: Vec<Arc<VendorDefinition>>,
}

/// The catalog grouped by category (alphabetical, "Other" and "Sample" last), vendors by name,
/// keeping only the vendors that match every word of `query` (case-insensitive, in the name,
/// slug, category, description or a tool's title). An empty query keeps every vendor.
pub fn browse(catalog: &Catalog, query: &str) -> Vec<CategoryGroup> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let mut matching: Vec<&Arc<VendorDefinition>> = catalog
        .iter()
        .filter(|def| words.iter().all(|w| mentions(def, w)))
        .collect();
    matching.sort_by(|a, b| {
        category_key(&a.category)
            .cmp(&category_key(&b.category))
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    let mut groups: Vec<CategoryGroup> = Vec::new();
    for def in matching {
        match groups.last_mut() {
            Some(group) if group.category == def.category => group.vendors.push(Arc::clone(def)),
            _ => groups.push(CategoryGroup {
                category: def.category.clone(),
                vendors: vec![Arc::clone(def)],
            }),
        }
    }
    groups
}

fn category_key(category: &str) -> (usize, String) {
    let last = LAST_CATEGORIES
        .iter()
        .position(|c| c.eq_ignore_ascii_case(category))
        .map_or(0, |i| i + 1);
    (last, category.to_lowercase())
}

/// Whether `word` (lower case) appears in what the catalog page shows of `def`.
fn mentions(def: &VendorDefinition, word: &str) -> bool {
    let has = |text: &str| text.to_lowercase().contains(word);
    has(&def.name)
        || has(&def.slug)
        || has(&def.category)
        || has(&def.description)
        || def.tools.iter().any(|t| has(&t.title))
}

/// How the gateway authenticates to the vendor, in one sentence (no secret values: only header
/// names and endpoints the definition names).
pub fn auth_in_words(def: &VendorDefinition) -> String {
    let spec = match &def.kind {
        VendorKind::Demo => return "None: the vendor runs inside the gateway.".into(),
        VendorKind::McpServer => {
            return "Optional: one header of your choice (such as Authorization) on every request \
                    to the MCP server."
                .into()
        }
        VendorKind::Http(spec) => spec,
    };
    match &spec.auth {
        AuthScheme::Headers(headers) => {
            let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
            format!("Headers {} on every request.", names.join(", "))
        }
        AuthScheme::Basic { .. } => "HTTP Basic authentication on every request.".into(),
        AuthScheme::Bearer { .. } => "A bearer token (Authorization: Bearer …).".into(),
        AuthScheme::ApiKeyHeader { header, .. } => {
            format!("An API key in the {header} header.")
        }
        AuthScheme::OAuth2ClientCredentials(token) => format!(
            "OAuth 2.0 client credentials: the gateway gets a token from {}{} and renews it \
             before it expires.",
            token.token_url.as_str(),
            scope_words(token.scope.as_deref()),
        ),
        AuthScheme::OAuth2Password(token) => format!(
            "OAuth 2.0 password grant: the gateway gets a token from {}{} and renews it before \
             it expires.",
            token.token_url.as_str(),
            scope_words(token.scope.as_deref()),
        ),
        AuthScheme::TokenExchange(x) => format!(
            "The form's credential is exchanged at {} for a short-lived token, sent in the {} \
             header and renewed before it expires.",
            x.url.as_str(),
            x.header,
        ),
        AuthScheme::OAuth2AuthorizationCode(code) => format!(
            "Sign in with {}: an administrator consents at {} (OAuth 2.0 authorization code \
             with PKCE); the gateway keeps the tokens sealed and renews them.",
            code.provider,
            code.authorize_url.as_str(),
        ),
    }
}

fn scope_words(scope: Option<&str>) -> String {
    scope.map_or_else(String::new, |s| format!(" (scope “{s}”)"))
}

/// Where the gateway sends requests, in words (`None` for vendors without a base URL).
pub fn base_url_in_words(def: &VendorDefinition) -> Option<String> {
    let VendorKind::Http(spec) = &def.kind else {
        return None;
    };
    Some(match &spec.base_url {
        BaseUrl::Template(url) => url.as_str().to_owned(),
        BaseUrl::Map { field, map } => {
            let hosts: Vec<String> = map.iter().map(|(k, v)| format!("{k} → {v}")).collect();
            format!("by {}: {}", field_label(def, field), hosts.join(", "))
        }
        BaseUrl::Discover {
            url, allowed_hosts, ..
        } => format!(
            "discovered from {} (only https on {})",
            url.as_str(),
            allowed_hosts.join(", ")
        ),
    })
}

fn field_label<'a>(def: &'a VendorDefinition, name: &'a str) -> &'a str {
    def.field(name).map_or(name, |f| f.label.as_str())
}

/// A form field's kind in words ("secret", "text", "https URL", "one of 3").
pub fn field_kind_in_words(field: &FormField) -> String {
    match &field.kind {
        FieldKind::Secret => "secret (stored encrypted, never shown again)".into(),
        FieldKind::Text => "text".into(),
        FieldKind::Url => "https URL".into(),
        FieldKind::Select { options } => {
            let labels: Vec<&str> = options.iter().map(|(_, label)| label.as_str()).collect();
            format!("one of: {}", labels.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn slugs(groups: &[CategoryGroup]) -> Vec<(String, Vec<String>)> {
        groups
            .iter()
            .map(|g| {
                (
                    g.category.clone(),
                    g.vendors.iter().map(|v| v.slug.clone()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn the_catalog_is_grouped_by_category_with_other_and_sample_last() {
        // Arrange
        let catalog = Catalog::load(None).unwrap();
        // Act
        let groups = browse(&catalog, "");
        // Assert
        let categories: Vec<&str> = groups.iter().map(|g| g.category.as_str()).collect();
        let position = |c: &str| categories.iter().position(|x| *x == c).unwrap();
        assert!(position("Documentation") < position("PSA"));
        assert!(position("PSA") < position("RMM"));
        assert_eq!(categories[categories.len() - 2..], ["Other", "Sample"]);
        let total: usize = groups.iter().map(|g| g.vendors.len()).sum();
        assert_eq!(total, catalog.iter().count(), "every vendor once");
        for group in &groups {
            let names: Vec<String> = group.vendors.iter().map(|v| v.name.clone()).collect();
            let mut sorted = names.clone();
            sorted.sort_by_key(|n| n.to_lowercase());
            assert_eq!(names, sorted);
            assert!(group.vendors.iter().all(|v| v.category == group.category));
        }
    }

    #[test]
    fn a_search_keeps_vendors_matching_every_word_anywhere_they_are_described() {
        let catalog = Catalog::load(None).unwrap();
        // By name, in any case.
        assert_eq!(
            slugs(&browse(&catalog, "  it GLUE ")),
            [("Documentation".to_owned(), vec!["itglue".to_owned()])]
        );
        // By category.
        let rmm = browse(&catalog, "rmm");
        assert!(slugs(&rmm)
            .iter()
            .any(|(_, s)| s.contains(&"ninjaone".into())));
        // By a tool's title only ("Reset an alert" is NinjaOne's).
        let by_tool = slugs(&browse(&catalog, "reset alert"));
        assert!(by_tool.iter().any(|(_, s)| s.contains(&"ninjaone".into())));
        assert!(!by_tool.iter().any(|(_, s)| s.contains(&"itglue".into())));
        // Every word must match.
        assert!(browse(&catalog, "glue ninja").is_empty());
        assert!(browse(&catalog, "no-such-vendor-anywhere").is_empty());
    }

    #[test]
    fn authentication_is_described_by_scheme_without_secret_values() {
        let catalog = Catalog::load(None).unwrap();
        let words = |slug: &str| auth_in_words(catalog.get(slug).unwrap());
        assert_eq!(words("itglue"), "An API key in the x-api-key header.");
        assert!(words("autotask").contains("ApiIntegrationCode, Secret, UserName"));
        let ninja = words("ninjaone");
        assert!(ninja.starts_with("OAuth 2.0 client credentials"), "{ninja}");
        assert!(ninja.contains("/ws/oauth/token"), "{ninja}");
        assert!(!ninja.contains("{client_secret}"), "{ninja}");
        assert!(words("demo").starts_with("None"));
        assert!(words("mcp-server").starts_with("Optional"));
        let itglue_hosts = base_url_in_words(catalog.get("itglue").unwrap()).unwrap();
        assert!(
            itglue_hosts.starts_with("by Data center: "),
            "{itglue_hosts}"
        );
        assert!(itglue_hosts.contains("eu → https://api.eu.itglue.com"));
        assert!(base_url_in_words(catalog.get("demo").unwrap()).is_none());
    }
}
