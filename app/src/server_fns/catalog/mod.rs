//! The catalog page: every vendor of the catalog grouped by category, with what its tools do,
//! what a connection needs and where its API is documented. Read-only; connecting happens on the
//! connections page.

mod get_catalog;

pub use get_catalog::*;

use serde::{Deserialize, Serialize};

use super::connections::FieldView;

/// One tool as the catalog shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogTool {
    /// Its name without a prefix (`list_organizations`).
    pub name: String,
    /// Human title.
    pub title: String,
    /// What it does.
    pub description: String,
    /// Writes or deletes vendor data.
    pub writes: bool,
}

/// One vendor as the catalog shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogVendor {
    /// Catalog slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// One paragraph.
    pub description: String,
    /// How the gateway authenticates, in words.
    pub auth: String,
    /// The connect form's fields.
    pub fields: Vec<FieldView>,
    /// Where the credential is created in the vendor's console.
    pub setup_location: Option<String>,
    /// What the credential must be allowed, one line each.
    pub permissions: Vec<String>,
    /// The vendor's API documentation pages (the first is the main one).
    pub docs: Vec<String>,
    /// Its tools, in the definition's order.
    pub tools: Vec<CatalogTool>,
    /// The tools come from the server itself (remote MCP servers), not from the definition.
    pub tools_from_server: bool,
}

/// A category and its vendors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogGroup {
    /// The category.
    pub category: String,
    /// Its vendors, by name.
    pub vendors: Vec<CatalogVendor>,
}

/// Everything the catalog page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogView {
    /// The search as the server understood it (trimmed).
    pub query: String,
    /// Vendors in the whole catalog.
    pub total: usize,
    /// Vendors matching the search, by category.
    pub groups: Vec<CatalogGroup>,
}
