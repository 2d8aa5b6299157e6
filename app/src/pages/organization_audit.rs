//! `/organisation/audit`: the organisation's audit log (owner and admins, Pro) — filters by person, action and
//! dates (a GET form: the filter is in the URL, shareable and working without JavaScript),
//! pages of 50, and the same filter as a CSV download.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, Redirect, A},
    hooks::use_query_map,
};

use crate::{
    components::{
        status::{ErrorPanel, Loading},
        timestamp::Timestamp,
    },
    error::PortalError,
    routes,
    server_fns::organization::{get_audit_log, AuditLogView},
};

/// The filter as it is in the URL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Query {
    actor: String,
    action: String,
    from: String,
    to: String,
    page: u64,
}

impl Query {
    /// The query string for `page` (empty values left out).
    fn for_page(&self, page: u64) -> String {
        let mut pairs: Vec<String> = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", routes::encode_query_value(v)))
        .collect();
        if page > 1 {
            pairs.push(format!("page={page}"));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }
}

/// The audit page.
#[component]
pub fn OrganizationAuditPage() -> impl IntoView {
    let query = use_query_map();
    let current = Memo::new(move |_| {
        query.with(|q| Query {
            actor: q.get("actor").unwrap_or_default(),
            action: q.get("action").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        })
    });
    let log = Resource::new(
        move || current.get(),
        |q| get_audit_log(q.actor, q.action, q.from, q.to, q.page),
    );
    view! {
        <Title text="Audit log" />
        <div class="page-header">
            <h1>"Audit log"</h1>
            <p class="muted">
                "Security events of your organisation: sign-ins, membership and role changes, invitations, plan changes. "
                "Never secrets or tool arguments."
            </p>
            <p><a href=routes::ORGANISATION>"← Back to the organisation"</a></p>
        </div>
        <Transition fallback=|| view! { <Loading label="Loading the audit log…" /> }>
            {move || Suspend::new(async move {
                let q = current.get_untracked();
                match log.await {
                    Ok(view) => view! { <Log view q /> }.into_any(),
                    Err(PortalError::Unauthorized) => {
                        view! { <Redirect path=routes::login_with_next(routes::ORGANISATION_AUDIT) /> }.into_any()
                    }
                    Err(PortalError::Invalid(message)) => view! {
                        <Filters q actors=Vec::new() actions=Vec::new() />
                        <div class="alert alert-error" role="alert"><p>{message}</p></div>
                    }
                    .into_any(),
                    Err(PortalError::Refused(message)) => view! {
                        <div class="alert alert-warning" role="alert" id="audit-refused"><p>{message}</p></div>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Filters(
    q: Query,
    actors: Vec<(String, String)>,
    actions: Vec<(String, String)>,
) -> impl IntoView {
    let Query {
        actor,
        action,
        from,
        to,
        ..
    } = q;
    view! {
        <Form method="GET" action=routes::ORGANISATION_AUDIT attr:class="card form-grid filters" attr:aria-label="Filter events">
            <div class="field">
                <label for="filter-actor">"Person"</label>
                <select id="filter-actor" name="actor" class="input">
                    <option value="" selected=actor.is_empty()>"Anyone"</option>
                    {actors
                        .into_iter()
                        .map(|(id, name)| {
                            let selected = id == actor;
                            view! { <option value=id selected=selected>{name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-action">"Action"</label>
                <select id="filter-action" name="action" class="input">
                    <option value="" selected=action.is_empty()>"Any action"</option>
                    {actions
                        .into_iter()
                        .map(|(value, label)| {
                            let selected = value == action;
                            let text = format!("{label} ({value})");
                            view! { <option value=value selected=selected>{text}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-from">"From"</label>
                <input id="filter-from" name="from" class="input" type="date" value=from />
            </div>
            <div class="field">
                <label for="filter-to">"To"</label>
                <input id="filter-to" name="to" class="input" type="date" value=to />
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">"Apply filters"</button>
                <a class="btn btn-ghost" href=routes::ORGANISATION_AUDIT>"Clear"</a>
            </div>
        </Form>
    }
}

#[component]
fn Log(view: AuditLogView, q: Query) -> impl IntoView {
    let AuditLogView {
        events,
        page,
        pages,
        total,
        actors,
        actions,
    } = view;
    let export = format!(
        "{}{}",
        routes::ORGANISATION_AUDIT_EXPORT,
        Query {
            page: 1,
            ..q.clone()
        }
        .for_page(1)
    );
    let previous = (page > 1).then(|| q.for_page(page - 1));
    let next = (page < pages).then(|| q.for_page(page + 1));
    let rows = if events.is_empty() {
        view! { <p class="empty-note">"No events match these filters."</p> }.into_any()
    } else {
        view! {
            <div class="table-scroll" role="region" aria-labelledby="events-title" tabindex="0">
                <table class="table" id="audit-table">
                    <thead>
                        <tr>
                            <th scope="col">"When"</th>
                            <th scope="col">"Who"</th>
                            <th scope="col">"Action"</th>
                            <th scope="col">"Outcome"</th>
                            <th scope="col">"Details"</th>
                            <th scope="col">"Target"</th>
                            <th scope="col">"From"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {events
                            .into_iter()
                            .map(|e| {
                                let data_action = e.action.clone();
                                let badge = if e.outcome == "success" { "badge badge-success" } else { "badge badge-warning" };
                                view! {
                                    <tr data-action=data_action>
                                        <td><Timestamp rfc3339=e.occurred_at /></td>
                                        <td>{e.actor}</td>
                                        <td><code>{e.action}</code></td>
                                        <td><span class=badge>{e.outcome}</span></td>
                                        <td class="cell-wrap">{e.detail.unwrap_or_default()}</td>
                                        <td class="cell-wrap mono cell-small">{e.target}</td>
                                        <td>
                                            {e.ip.unwrap_or_default()}
                                            {e.request_id.map(|r| view! { <span class="cell-note mono" title="Request id">{format!("request {r}")}</span> })}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <Filters q actors actions />
        <section class="card" aria-labelledby="events-title">
            <div class="section-header">
                <h2 id="events-title">{format!("Events ({total})")}</h2>
                <a class="btn btn-secondary" href=export download="audit-log.csv" rel="external">"Export CSV"</a>
            </div>
            {rows}
            <nav class="pagination" aria-label="Pages">
                {previous.map(|href| view! { <A href=format!("{}{href}", routes::ORGANISATION_AUDIT)>"← Newer"</A> })}
                <span aria-current="page">{format!("Page {page} of {pages}")}</span>
                {next.map(|href| view! { <A href=format!("{}{href}", routes::ORGANISATION_AUDIT)>"Older →"</A> })}
            </nav>
        </section>
    }
}
