//! `/connections`: the vendor connections a user's AI clients use — which connection is in effect
//! for every slug and why, the user's personal connections, their teams' and their
//! organisation's, the vendor catalog with its connect form, and the organisation's tool access.
//! Every control the caller's role or plan does not allow says why; the server checks the same.

mod access;
mod card;
mod connect;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

use self::{access::ToolAccess, card::ConnectionList, connect::ConnectPanel};
use crate::{
    components::{
        form::{successes, toast_on_success},
        status::{ErrorPanel, Loading},
    },
    error::PortalError,
    routes,
    server_fns::connections::{
        get_connections, ConnectionCard, ConnectionsView, CreateConnection, DeleteConnection,
        EffectiveRow, SetConnectionDefault, UpdateConnection, VendorView,
    },
};

/// Every change the page makes; the data reloads after each success (a refusal reloads nothing,
/// so a form keeps what was typed).
#[derive(Clone, Copy)]
pub(crate) struct ConnectionActions {
    pub create: ServerAction<CreateConnection>,
    pub update: ServerAction<UpdateConnection>,
    /// Bumped after every re-test (cards run their own check).
    pub tested: RwSignal<usize>,
    pub delete: ServerAction<DeleteConnection>,
    pub set_default: ServerAction<SetConnectionDefault>,
    changes: [Memo<usize>; 4],
}

impl ConnectionActions {
    fn new() -> Self {
        let (create, update) = (ServerAction::new(), ServerAction::new());
        let (delete, set_default) = (ServerAction::new(), ServerAction::new());
        toast_on_success(create, || {
            "Connected: the vendor accepted the credential".into()
        });
        toast_on_success(update, || "Connection updated".into());
        toast_on_success(delete, || "Disconnected".into());
        toast_on_success(set_default, || "Default saved".into());
        Self {
            create,
            update,
            tested: RwSignal::new(0),
            delete,
            set_default,
            changes: [
                successes(create),
                successes(update),
                successes(delete),
                successes(set_default),
            ],
        }
    }

    fn versions(self) -> ([usize; 4], usize) {
        (self.changes.map(|c| c.get()), self.tested.get())
    }

    /// Nothing changed yet on this page (the data has not been reloaded).
    fn untouched(self) -> bool {
        self.changes.iter().all(|c| c.get_untracked() == 0) && self.tested.get_untracked() == 0
    }
}

/// What the connect panel is doing: connecting a vendor, or editing a connection of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectTarget {
    pub vendor: VendorView,
    pub editing: Option<ConnectionCard>,
}

/// The connections page. `?connect=<vendor>` (the catalog's *Connect* links) opens that
/// vendor's connect form when the page is shown, not again after a change reloads the data.
#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let actions = ConnectionActions::new();
    let connect = StoredValue::new(use_query_map().with_untracked(|q| q.get("connect")));
    let data = Resource::new(move || actions.versions(), |_| get_connections());
    view! {
        <Title text="Connections" />
        <div class="page-header">
            <h1>"Connections"</h1>
            <p class="muted">
                "The vendor accounts your AI clients use through the gateway. Credentials are checked with the vendor before they are saved, stored encrypted, and never shown again."
            </p>
        </div>
        <Transition fallback=|| view! { <Loading label="Loading your connections…" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => {
                        // Not consumed on reading: the server may render this part twice.
                        let open = connect.get_value().filter(|_| actions.untouched());
                        view! { <Connections view actions open /> }.into_any()
                    }
                    Err(PortalError::Unauthorized) => {
                        view! { <Redirect path=routes::login_with_next(routes::CONNECTIONS) /> }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Connections(
    view: ConnectionsView,
    actions: ConnectionActions,
    open: Option<String>,
) -> impl IntoView {
    let opened = open.and_then(|slug| {
        view.vendors
            .iter()
            .find(|v| v.slug == slug)
            .map(|vendor| ConnectTarget {
                vendor: vendor.clone(),
                editing: None,
            })
    });
    let target = RwSignal::new(opened);
    let vendors = StoredValue::new(view.vendors.clone());
    let edit = Callback::new(move |card: ConnectionCard| {
        let vendor = vendors.with_value(|v| v.iter().find(|v| v.slug == card.vendor).cloned());
        if let Some(vendor) = vendor {
            target.set(Some(ConnectTarget {
                vendor,
                editing: Some(card),
            }));
        }
    });
    let personal_note = match view.personal_limit {
        Some(limit) => format!(
            "{} of {limit} personal connections on your plan.",
            view.personal.len()
        ),
        None => "Only you use these; they override shared connections with the same slug.".into(),
    };
    let in_org = view.organization.is_some();
    let teams = view.teams.clone();
    let shared_refusal = view.shared_refusal.clone();
    // Each part is type-erased (`into_any`): as one nested type the page's hydration code
    // overflows the compiler's query depth limit.
    view! {
        {view! { <Effective rows=view.effective.clone() actions /> }.into_any()}
        {view! { <section class="card" aria-labelledby="personal-title">
            <h2 id="personal-title">"Your connections"</h2>
            <p class="muted">{personal_note}</p>
            <ConnectionList cards=view.personal.clone() actions edit empty="You have no personal connections yet. Connect a vendor from the catalog below." />
        </section> }.into_any()}
        {in_org.then(|| view! {
            <section class="card" aria-labelledby="team-connections-title">
                <h2 id="team-connections-title">"Team connections"</h2>
                <p class="muted">"Shared with a team's members. Owners and admins connect them."</p>
                {shared_refusal.clone().map(|reason| view! { <p class="muted unavailable" id="shared-unavailable">{reason}</p> })}
                {if teams.is_empty() {
                    view! { <p class="empty-note">"Your organisation has no teams you belong to."</p> }.into_any()
                } else {
                    teams.into_iter().map(|team| {
                        let heading = format!("team-{}", team.id);
                        let labelled_by = heading.clone();
                        view! {
                            <div class="team-connections" role="group" aria-labelledby=labelled_by>
                                <h3 id=heading>{team.name.clone()}</h3>
                                <ConnectionList cards=team.connections actions edit empty="No connections for this team." />
                            </div>
                        }
                    }).collect_view().into_any()
                }}
            </section>
            <section class="card" aria-labelledby="org-connections-title">
                <h2 id="org-connections-title">"Organisation connections"</h2>
                <p class="muted">"Shared with everyone in the organisation; used when nobody has a personal or team connection with the same slug."</p>
                <ConnectionList cards=view.organization_connections.clone() actions edit empty="No organisation connections." />
            </section>
        }.into_any())}
        {view! { <Catalog vendors=view.vendors.clone() target /> }.into_any()}
        {move || target.get().map(|t| view! {
            <ConnectPanel target=t placements=view.placements.clone() actions close=Callback::new(move |()| target.set(None)) />
        }.into_any())}
        {in_org.then(|| view! { <ToolAccess /> }.into_any())}
    }
}

/// Which connection serves each slug, why, and the choice between teams.
#[component]
fn Effective(rows: Vec<EffectiveRow>, actions: ConnectionActions) -> impl IntoView {
    let body = if rows.is_empty() {
        view! {
            <p class="empty-note">
                "Nothing yet: your AI clients see only the gateway's own tools until you connect a vendor."
            </p>
        }
        .into_any()
    } else {
        view! {
            <div class="table-scroll">
                <table class="table" id="effective">
                    <thead>
                        <tr>
                            <th scope="col">"Tool prefix"</th>
                            <th scope="col">"Connection used"</th>
                            <th scope="col">"Why"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|row| view! { <EffectiveLine row actions /> }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="effective-title">
            <h2 id="effective-title">"In effect for your AI clients"</h2>
            <p class="muted">
                "For each tool prefix, the one connection your tools use: yours first, then a team's, then the organisation's."
            </p>
            {body}
        </section>
    }
}

#[component]
fn EffectiveLine(row: EffectiveRow, actions: ConnectionActions) -> impl IntoView {
    let EffectiveRow {
        slug,
        connection_name,
        tier_label,
        status,
        why,
        choices,
        chosen_default,
        ..
    } = row;
    let select_id = format!("default-{slug}");
    let chooser = (!choices.is_empty()).then(|| {
        let slug = slug.clone();
        view! {
            <ActionForm action=actions.set_default attr:class="inline-form">
                <input type="hidden" name="slug" value=slug.clone() />
                <label for=select_id.clone() class="visually-hidden">{format!("Default for {slug}")}</label>
                <select id=select_id name="connection_id" class="input input-small">
                    <option value="" selected=chosen_default.is_none()>"No default (first by name)"</option>
                    {choices.into_iter().map(|(id, team)| {
                        let selected = chosen_default.as_deref() == Some(id.as_str());
                        view! { <option value=id selected=selected>{format!("Team “{team}”")}</option> }
                    }).collect_view()}
                </select>
                <button type="submit" class="btn btn-secondary btn-small">"Save default"</button>
            </ActionForm>
        }
    });
    view! {
        <tr>
            <td class="mono">{format!("{slug}__…")}</td>
            <td>
                {connection_name}
                " "
                <span class="badge badge-muted">{tier_label}</span>
                " "
                <card::StatusBadge status />
            </td>
            <td class="cell-wrap">{why} {chooser}</td>
        </tr>
    }
}

/// The vendor catalog, with a search box.
#[component]
fn Catalog(vendors: Vec<VendorView>, target: RwSignal<Option<ConnectTarget>>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let hydrated = crate::components::form::hydrated();
    let vendors = StoredValue::new(vendors);
    let shown = move || {
        let q = query.get().trim().to_lowercase();
        vendors.with_value(|all| {
            all.iter()
                .filter(|v| {
                    q.is_empty()
                        || v.name.to_lowercase().contains(&q)
                        || v.category.to_lowercase().contains(&q)
                        || v.description.to_lowercase().contains(&q)
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="card" aria-labelledby="catalog-title">
            <div class="section-header">
                <h2 id="catalog-title">"Connect a vendor"</h2>
                <a href=routes::CATALOG>"Browse the catalog: tools, setup and API docs of every vendor"</a>
                <div class="field">
                    <label for="catalog-search" class="visually-hidden">"Search vendors"</label>
                    <input id="catalog-search" class="input" type="search" placeholder="Search vendors…"
                        prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev)) />
                </div>
            </div>
            <ul class="vendor-grid" id="catalog">
                {move || {
                    let list = shown();
                    if list.is_empty() {
                        view! { <li class="empty-note">"No vendor matches your search."</li> }.into_any()
                    } else {
                        list.into_iter().map(|vendor| {
                            let label = format!("Connect {}", vendor.name);
                            let picked = vendor.clone();
                            view! {
                                <li class="vendor-tile">
                                    <div>
                                        <strong>{vendor.name.clone()}</strong>
                                        " "
                                        <span class="badge badge-muted">{vendor.category.clone()}</span>
                                    </div>
                                    <p class="muted cell-small">{vendor.description.clone()}</p>
                                    <p class="cell-small">{format!("{} tools", vendor.tools.len())}</p>
                                    <button type="button" class="btn btn-secondary btn-small" aria-label=label
                                        disabled=move || !hydrated.get()
                                        on:click=move |_| target.set(Some(ConnectTarget { vendor: picked.clone(), editing: None }))>
                                        "Connect"
                                    </button>
                                </li>
                            }
                        }).collect_view().into_any()
                    }
                }}
            </ul>
        </section>
    }
}
