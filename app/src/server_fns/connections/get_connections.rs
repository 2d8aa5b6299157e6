use leptos::prelude::*;

use super::ConnectionsView;
use crate::error::PortalError;

/// The connections page's data for the signed-in user.
#[server(endpoint = "connections/get")]
pub async fn get_connections() -> Result<ConnectionsView, PortalError> {
    let (state, user, _, _) = crate::server_fns::organization::caller()?;
    let overview = domain::connections::overview(&state.db, user.id)
        .await
        .map_err(crate::state::db_error)?;
    Ok(ssr::view(
        &state.connections.catalog,
        &state.connections.oauth,
        overview,
    ))
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use domain::{
        connections::{vendor_oauth::VendorOAuth, ConnectionInfo, Overview, Tier},
        vendors::{Catalog, FieldKind, VendorDefinition},
    };

    use super::super::{
        ConnectionCard, ConnectionsView, EffectiveRow, FieldView, TeamConnections, VendorView,
    };
    use crate::server_fns::organization::rfc3339;

    /// The catalog as the page shows it.
    pub(crate) fn vendor_view(def: &VendorDefinition, oauth: &VendorOAuth) -> VendorView {
        let consent_provider = def.authorization_code().map(|c| c.provider.clone());
        VendorView {
            consent_configured: consent_provider.is_some() && oauth.is_configured(&def.slug),
            consent_provider,
            slug: def.slug.clone(),
            name: def.name.clone(),
            category: def.category.clone(),
            description: def.description.clone(),
            docs_url: def.docs_url.clone(),
            fields: def
                .form
                .iter()
                .map(|f| {
                    let (kind, options) = match &f.kind {
                        FieldKind::Secret => ("secret", Vec::new()),
                        FieldKind::Text => ("text", Vec::new()),
                        FieldKind::Url => ("url", Vec::new()),
                        FieldKind::Select { options } => ("select", options.clone()),
                    };
                    FieldView {
                        name: f.name.clone(),
                        label: f.label.clone(),
                        kind: kind.into(),
                        required: f.required,
                        help: f.help.clone(),
                        placeholder: f.placeholder.clone(),
                        default: f.default.clone(),
                        options,
                        pattern: f.pattern.as_ref().map(|p| html_pattern(&p.source)),
                    }
                })
                .collect(),
            tools: def
                .tools
                .iter()
                .map(|t| (t.name.clone(), t.title.clone(), t.destructive))
                .collect(),
        }
    }

    /// A definition's pattern as an HTML `pattern` attribute. Browsers compile that with the
    /// `v` flag, where a bare `-` at either end of a character class (`[A-Za-z0-9._-]`) is a
    /// syntax error: the browser then ignores the pattern and logs an error. Such hyphens are
    /// escaped (`\-`), which means the same in both syntaxes.
    pub(crate) fn html_pattern(source: &str) -> String {
        let chars: Vec<char> = source.chars().collect();
        let mut out = String::with_capacity(source.len() + 4);
        let (mut in_class, mut escaped) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if escaped {
                escaped = false;
                // `\-` outside a class is an invalid escape under the `v` flag browsers compile
                // `pattern` with; a bare `-` means the same there.
                if c == '-' && !in_class {
                    out.pop();
                }
                out.push(c);
                continue;
            }
            match c {
                '\\' => escaped = true,
                '[' if !in_class => in_class = true,
                ']' if in_class => in_class = false,
                '-' if in_class => {
                    let before = chars.get(i.wrapping_sub(1)).copied();
                    let first = before == Some('[')
                        || (before == Some('^') && chars.get(i.wrapping_sub(2)) == Some(&'['));
                    if first || chars.get(i + 1) == Some(&']') {
                        out.push('\\');
                    }
                }
                _ => {}
            }
            out.push(c);
        }
        out
    }

    /// A connection card (labels from the catalog; secrets never).
    pub(crate) fn card(catalog: &Catalog, c: &ConnectionInfo) -> ConnectionCard {
        let def = catalog.get(&c.vendor);
        let label_of = |name: &str| {
            def.and_then(|d| d.field(name))
                .map_or_else(|| name.to_owned(), |f| f.label.clone())
        };
        ConnectionCard {
            id: c.id.to_string(),
            tier: c.tier.as_str().into(),
            tier_label: c.tier.label().into(),
            team: c.team.as_ref().map(|t| t.name.clone()),
            vendor: c.vendor.clone(),
            vendor_name: def.map_or_else(|| c.vendor.clone(), |d| d.name.clone()),
            slug: c.slug.clone(),
            name: c.name.clone(),
            settings: c
                .settings
                .iter()
                .map(|(k, v)| (label_of(k), v.clone()))
                .collect(),
            setting_values: c.settings.clone().into_iter().collect(),
            secret_hint: c.secret_hint.clone(),
            status: c.status.clone(),
            last_checked_at: c.last_checked_at.map(rfc3339),
            last_check_message: c.last_check_message.clone(),
            created_by_name: c.created_by_name.clone(),
            created_at: rfc3339(c.created_at),
            can_manage: c.can_manage,
            consent: def.is_some_and(|d| d.authorization_code().is_some()),
        }
    }

    pub(crate) fn view(catalog: &Catalog, oauth: &VendorOAuth, o: Overview) -> ConnectionsView {
        let all: Vec<&ConnectionInfo> = o
            .personal
            .iter()
            .chain(o.teams.iter().flat_map(|(_, c)| c.iter()))
            .chain(o.organization_connections.iter())
            .collect();
        let effective = o
            .effective
            .iter()
            .map(|e| {
                let chosen = all.iter().find(|c| c.id == e.connection_id);
                EffectiveRow {
                    slug: e.slug.clone(),
                    connection_id: e.connection_id.to_string(),
                    connection_name: chosen.map(|c| c.name.clone()).unwrap_or_default(),
                    tier_label: e.tier.label().into(),
                    status: chosen.map(|c| c.status.clone()).unwrap_or_default(),
                    why: e.reason.explain(),
                    choices: e
                        .choices
                        .iter()
                        .map(|(id, team)| (id.to_string(), team.clone()))
                        .collect(),
                    chosen_default: e.chosen_default.map(|id| id.to_string()),
                }
            })
            .collect();
        let mut placements = vec![("personal".to_owned(), "Personal — only you".to_owned())];
        if o.shared_refusal.is_none() {
            placements.extend(o.teams.iter().map(|(t, _)| {
                (
                    format!("team:{}", t.id),
                    format!("Team “{}” — its members", t.name),
                )
            }));
            placements.push((
                "organization".into(),
                format!(
                    "{} — everyone in the organisation",
                    Tier::Organization.label()
                ),
            ));
        }
        ConnectionsView {
            vendors: catalog.iter().map(|d| vendor_view(d, oauth)).collect(),
            personal: o.personal.iter().map(|c| card(catalog, c)).collect(),
            teams: o
                .teams
                .iter()
                .map(|(t, cs)| TeamConnections {
                    id: t.id.to_string(),
                    name: t.name.clone(),
                    connections: cs.iter().map(|c| card(catalog, c)).collect(),
                })
                .collect(),
            organization: o.organization.clone(),
            organization_connections: o
                .organization_connections
                .iter()
                .map(|c| card(catalog, c))
                .collect(),
            effective,
            personal_limit: o.personal_limit,
            shared_refusal: o.shared_refusal.clone(),
            placements,
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::ssr::html_pattern;

    #[test]
    fn hyphens_at_the_ends_of_a_class_are_escaped_for_the_browser() {
        assert_eq!(
            html_pattern("ITG\\.[A-Za-z0-9._-]+"),
            "ITG\\.[A-Za-z0-9._\\-]+"
        );
        assert_eq!(html_pattern("[-a-z]"), "[\\-a-z]");
        assert_eq!(html_pattern("[^-a]"), "[^\\-a]");
        assert_eq!(html_pattern("[A-Za-z0-9-]{1,64}"), "[A-Za-z0-9\\-]{1,64}");
        // Ranges, escapes and hyphens outside classes stay as they are.
        assert_eq!(html_pattern("[^@\\s]+@[^@\\s]+"), "[^@\\s]+@[^@\\s]+");
        assert_eq!(html_pattern("a-b[\\-x]"), "a-b[\\-x]");
        // An escaped hyphen outside a class is invalid under the browser's `v` flag.
        assert_eq!(html_pattern("[0-9]{8}\\-[0-9]{4}"), "[0-9]{8}-[0-9]{4}");
    }
}
