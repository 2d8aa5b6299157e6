//! `/catalog`: every vendor of the catalog, grouped by category — what it offers, what its tools
//! do (writes marked), what a connection needs (the form's fields, where the credential is
//! created and what it must be allowed) and the vendor's API documentation — with a *Connect*
//! link to the connections page's form for that vendor. Server-rendered and usable before
//! hydration: the search is a GET form (`?q=`), the details are `<details>` elements and the
//! buttons are links.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, Redirect},
    hooks::use_query_map,
};

use crate::{
    components::status::{ErrorPanel, Loading},
    error::PortalError,
    routes,
    server_fns::{
        catalog::{get_catalog, CatalogGroup, CatalogTool, CatalogVendor, CatalogView},
        connections::FieldView,
    },
};

/// The catalog page.
#[component]
pub fn CatalogPage() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|q| q.get("q").unwrap_or_default()));
    let data = Resource::new(move || q.get(), get_catalog);
    view! {
        <Title text="Vendor catalog" />
        <div class="page-header">
            <h1>"Vendor catalog"</h1>
            <p class="muted">
                "Every vendor the gateway connects to: what its tools do, what a connection needs, and where the vendor documents its API. "
                <a href=routes::CONNECTIONS>"Your connections"</a>
            </p>
        </div>
        <Form method="GET" action=routes::CATALOG attr:class="card catalog-search" attr:role="search" attr:aria-label="Search the catalog">
            <label for="catalog-q">"Search vendors and tools"</label>
            <div class="input-group">
                <input id="catalog-q" name="q" class="input" type="search" maxlength="100"
                    placeholder="PSA, tickets, IT Glue…" value=move || q.get() />
                <button type="submit" class="btn btn-secondary">"Search"</button>
            </div>
        </Form>
        <Transition fallback=|| view! { <Loading label="Loading the catalog…" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <Catalog view /> }.into_any(),
                    Err(PortalError::Unauthorized) => {
                        view! { <Redirect path=routes::login_with_next(routes::CATALOG) /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Catalog(view: CatalogView) -> impl IntoView {
    let shown: usize = view.groups.iter().map(|g| g.vendors.len()).sum();
    let summary = if view.query.is_empty() {
        format!("{} vendors.", view.total)
    } else {
        format!("{shown} of {} vendors match “{}”.", view.total, view.query)
    };
    let body = if view.groups.is_empty() {
        view! {
            <p class="empty-note">
                "No vendor or tool matches your search. "
                <a href=routes::CATALOG>"Show every vendor"</a>
            </p>
        }
        .into_any()
    } else {
        view.groups
            .into_iter()
            .map(|group| view! { <Group group /> })
            .collect_view()
            .into_any()
    };
    view! {
        <p class="muted" id="catalog-summary" role="status">{summary}</p>
        <div class="stack">{body}</div>
    }
}

#[component]
fn Group(group: CatalogGroup) -> impl IntoView {
    let heading = format!("category-{}", slug_of(&group.category));
    let labelled_by = heading.clone();
    view! {
        <section class="catalog-group" aria-labelledby=labelled_by>
            <h2 id=heading>{group.category}</h2>
            <ul class="catalog-grid">
                {group.vendors.into_iter().map(|vendor| view! { <li><Vendor vendor /></li> }).collect_view()}
            </ul>
        </section>
    }
}

/// A documentation page's name from its URL: the last path segment without its extension, in
/// words (`…/REST_Security_Auth.htm` → "REST Security Auth"), else the host.
fn page_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let without_scheme = path.split_once("://").map_or(path, |(_, rest)| rest);
    let mut parts = without_scheme.split('/').filter(|p| !p.is_empty());
    let host = parts.next().unwrap_or(url);
    let name = parts
        .next_back()
        .map(|last| last.rsplit_once('.').map_or(last, |(stem, _)| stem))
        .unwrap_or(host);
    name.replace(['_', '-'], " ")
}

fn slug_of(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

#[component]
fn Vendor(vendor: CatalogVendor) -> impl IntoView {
    let CatalogVendor {
        slug,
        name,
        description,
        auth,
        fields,
        setup_location,
        permissions,
        docs,
        tools,
        tools_from_server,
    } = vendor;
    let heading = format!("vendor-{slug}-name");
    let labelled_by = heading.clone();
    let connect_label = format!("Connect {name}");
    let docs_label = format!("{name} API documentation");
    let more_docs = docs.iter().skip(1).cloned().collect::<Vec<_>>();
    let main_docs = docs.first().cloned();
    view! {
        <article class="card catalog-vendor" id=format!("vendor-{slug}") aria-labelledby=labelled_by>
            <div class="catalog-vendor-head">
                <h3 id=heading>{name.clone()}</h3>
                <a class="btn btn-primary btn-small" href=routes::connect_vendor(&slug) aria-label=connect_label>
                    "Connect"
                </a>
            </div>
            <p>{description}</p>
            <p class="cell-small"><span class="muted">"Authentication: "</span>{auth}</p>
            <Needs fields setup_location permissions />
            <Tools tools tools_from_server />
            {main_docs.map(|url| view! {
                <p class="catalog-docs">
                    <a href=url target="_blank" rel="noopener noreferrer">{docs_label}</a>
                    {more_docs.into_iter().map(|url| {
                        let label = page_name(&url);
                        view! { " · " <a href=url target="_blank" rel="noopener noreferrer">{label}</a> }
                    }).collect_view()}
                </p>
            })}
        </article>
    }
}

/// What a connection needs: the form's fields, where the credential is made, its permissions.
#[component]
fn Needs(
    fields: Vec<FieldView>,
    setup_location: Option<String>,
    permissions: Vec<String>,
) -> impl IntoView {
    view! {
        <details class="disclosure">
            <summary>"What a connection needs"</summary>
            <div>
                {setup_location.map(|location| view! {
                    <p><strong>"Where: "</strong>{location}</p>
                })}
                {(!permissions.is_empty()).then(|| view! {
                    <p><strong>"It must be allowed:"</strong></p>
                    <ul class="catalog-list">
                        {permissions.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                })}
                <p><strong>"The form asks for:"</strong></p>
                <dl class="facts">
                    {fields.into_iter().map(|f| view! { <FieldFact field=f /> }).collect_view()}
                </dl>
            </div>
        </details>
    }
}

#[component]
fn FieldFact(field: FieldView) -> impl IntoView {
    let kind = match field.kind.as_str() {
        "secret" => "secret, stored encrypted".to_owned(),
        "url" => "https URL".to_owned(),
        "select" => format!(
            "one of: {}",
            field
                .options
                .iter()
                .map(|(_, label)| label.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        _ => "text".to_owned(),
    };
    let label = if field.required {
        field.label
    } else {
        format!("{} (optional)", field.label)
    };
    view! {
        <dt>{label}</dt>
        <dd>
            <span class="muted">{kind}</span>
            {field.help.map(|help| view! { <br /> {help} })}
        </dd>
    }
}

#[component]
fn Tools(tools: Vec<CatalogTool>, tools_from_server: bool) -> impl IntoView {
    if tools_from_server {
        return view! {
            <p class="cell-small muted">"Tools: whatever the server lists, read when you connect it."</p>
        }
        .into_any();
    }
    let writes = tools.iter().filter(|t| t.writes).count();
    let summary = match writes {
        0 => format!("{} tools, all read-only", tools.len()),
        n => format!("{} tools, {n} of them write", tools.len()),
    };
    view! {
        <details class="disclosure">
            <summary>{summary}</summary>
            <ul class="catalog-tools">
                {tools.into_iter().map(|tool| view! {
                    <li>
                        <span class="catalog-tool-title">{tool.title}</span>
                        {tool.writes.then(|| view! { " " <span class="badge badge-warning">"writes"</span> })}
                        <br />
                        <span class="muted cell-small">{tool.description}</span>
                    </li>
                }).collect_view()}
            </ul>
        </details>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::page_name;

    #[test]
    fn documentation_pages_are_named_by_their_last_path_segment() {
        assert_eq!(
            page_name("https://ww1.autotask.net/help/Content/REST_Security_Auth.htm"),
            "REST Security Auth"
        );
        assert_eq!(
            page_name("https://app.ninjarmm.com/apidocs-beta/core-resources?x=1#top"),
            "core resources"
        );
        assert_eq!(page_name("https://api.itglue.com/"), "api.itglue.com");
    }
}
