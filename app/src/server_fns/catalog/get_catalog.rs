use leptos::prelude::*;

use super::CatalogView;
use crate::error::PortalError;

/// The catalog for the signed-in user, narrowed by `q` (every word must match).
#[server(endpoint = "catalog/get")]
pub async fn get_catalog(q: String) -> Result<CatalogView, PortalError> {
    crate::state::current_user()?;
    let state = crate::state::app_state()?;
    let catalog = &state.connections.catalog;
    let query = q.trim().chars().take(100).collect::<String>();
    let groups = domain::vendors::browse(catalog, &query);
    Ok(ssr::view(
        catalog.iter().count(),
        query,
        groups,
        &state.connections.oauth,
    ))
}

#[cfg(feature = "ssr")]
mod ssr {
    use domain::{
        connections::vendor_oauth::VendorOAuth,
        vendors::{auth_in_words, CategoryGroup, VendorDefinition, VendorKind},
    };

    use super::super::{CatalogGroup, CatalogTool, CatalogVendor, CatalogView};
    use crate::server_fns::connections::vendor_view;

    pub(super) fn view(
        total: usize,
        query: String,
        groups: Vec<CategoryGroup>,
        oauth: &VendorOAuth,
    ) -> CatalogView {
        CatalogView {
            query,
            total,
            groups: groups
                .into_iter()
                .map(|g| CatalogGroup {
                    category: g.category,
                    vendors: g.vendors.iter().map(|d| vendor(d, oauth)).collect(),
                })
                .collect(),
        }
    }

    fn vendor(def: &VendorDefinition, oauth: &VendorOAuth) -> CatalogVendor {
        CatalogVendor {
            slug: def.slug.clone(),
            name: def.name.clone(),
            description: def.description.clone(),
            auth: auth_in_words(def),
            fields: vendor_view(def, oauth).fields,
            setup_location: def.setup.as_ref().map(|s| s.location.clone()),
            permissions: def
                .setup
                .as_ref()
                .map(|s| s.permissions.clone())
                .unwrap_or_default(),
            docs: def.docs.clone(),
            tools: def
                .tools
                .iter()
                .map(|t| CatalogTool {
                    name: t.name.clone(),
                    title: t.title.clone(),
                    description: t.description.clone(),
                    writes: t.destructive,
                })
                .collect(),
            tools_from_server: matches!(def.kind, VendorKind::McpServer),
        }
    }
}
