//! A connection card: vendor, slug, tier, status, last check and its message, who connected it,
//! and Re-test, Edit and Disconnect (confirmed in place).

use leptos::prelude::*;

use super::ConnectionActions;
use crate::{
    components::{
        form::{action_error, hydrated, FormError},
        timestamp::Timestamp,
        toast::{use_toasts, ToastKind},
    },
    server_fns::connections::{reconnect_connection, test_connection, ConnectionCard},
};

/// The cards of one section, or `empty` when there are none.
#[component]
pub(crate) fn ConnectionList(
    cards: Vec<ConnectionCard>,
    actions: ConnectionActions,
    edit: Callback<ConnectionCard>,
    #[prop(into)] empty: String,
) -> impl IntoView {
    if cards.is_empty() {
        return view! { <p class="empty-note">{empty}</p> }.into_any();
    }
    view! {
        <ul class="connection-list">
            {cards.into_iter().map(|card| view! { <Card card actions edit /> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// `ok`, `failing`, `unchecked` as a badge.
#[component]
pub(crate) fn StatusBadge(#[prop(into)] status: String) -> impl IntoView {
    let (class, label) = match status.as_str() {
        "ok" => ("badge badge-success", "Working"),
        "failing" => ("badge badge-warning", "Failing"),
        "unchecked" => ("badge badge-muted", "Not checked"),
        "needs_reconnect" => ("badge badge-warning", "Needs reconnecting"),
        _ => ("badge badge-muted", "Unknown"),
    };
    view! { <span class=class>{label}</span> }
}

#[component]
fn Card(
    card: ConnectionCard,
    actions: ConnectionActions,
    edit: Callback<ConnectionCard>,
) -> impl IntoView {
    let hydrated = hydrated();
    let id = card.id.clone();
    // The card itself is `connection-<id>` (the anchor of the "reconnect at" links); its heading names it.
    let heading = format!("connection-{}-name", card.id);
    let labelled_by = heading.clone();
    // Each card runs its own check; the page reloads afterwards and the card shows the new status
    // and message. The outcome is also announced as a toast.
    let toasts = use_toasts();
    let test = Action::new(move |id: &String| {
        let id = id.clone();
        async move {
            let result = test_connection(id).await;
            match &result {
                Ok(r) if r.ok => toasts.show(ToastKind::Success, r.message.clone()),
                Ok(r) => toasts.show(ToastKind::Error, r.message.clone()),
                Err(e) => toasts.show(ToastKind::Error, e.to_string()),
            }
            actions.tested.update(|n| *n += 1);
            result
        }
    });
    let testing = test.pending();
    let delete_error = action_error(actions.delete);
    let settings = card.settings.clone();
    let team = card.team.clone();
    let edit_card = card.clone();
    let (confirm_name, confirm_slug) = (card.name.clone(), card.slug.clone());
    // Connections made by signing in are renewed by consenting again, never edited.
    let reconnect = Action::new(move |id: &String| {
        let id = id.clone();
        async move {
            match reconnect_connection(id).await {
                Ok(url) => {
                    let _ = window().location().set_href(&url);
                }
                Err(e) => toasts.show(ToastKind::Error, e.to_string()),
            }
        }
    });
    let reconnecting = reconnect.pending();
    let reconnect_button = (card.consent && card.can_manage).then(|| {
        let id = card.id.clone();
        let urgent = card.status == "needs_reconnect";
        view! {
            <button type="button" class=if urgent { "btn btn-primary btn-small" } else { "btn btn-secondary btn-small" }
                aria-label=format!("Reconnect {}", card.name)
                disabled=move || !hydrated.get() || reconnecting.get()
                on:click=move |_| { reconnect.dispatch(id.clone()); }>
                {move || if reconnecting.get() { "Opening the sign-in…" } else { "Reconnect" }}
            </button>
        }
    });
    let editable = !card.consent;
    let manage = card.can_manage.then(|| {
        let (id, name) = (card.id.clone(), card.name.clone());
        let summary_label = format!("Disconnect {name}…");
        let question = format!("Disconnect “{confirm_name}”? Tools with the prefix {confirm_slug}__ stop working for everyone who uses it.");
        view! {
            {editable.then(|| view! {
                <button type="button" class="btn btn-ghost btn-small" disabled=move || !hydrated.get()
                    aria-label=format!("Edit {name}")
                    on:click=move |_| edit.run(edit_card.clone())>"Edit"</button>
            })}
            <details class="inline-confirm">
                <summary class="btn btn-ghost btn-small" aria-label=summary_label>"Disconnect…"</summary>
                <ActionForm action=actions.delete attr:class="confirm">
                    <input type="hidden" name="id" value=id />
                    <p>{question}</p>
                    <button type="submit" class="btn btn-danger btn-small">"Disconnect"</button>
                </ActionForm>
            </details>
        }
    });
    view! {
        <li class="connection-card" aria-labelledby=labelled_by id=format!("connection-{}", card.id)>
            <div class="connection-head">
                <h3 id=heading>{card.name.clone()}</h3>
                <StatusBadge status=card.status.clone() />
            </div>
            <dl class="facts">
                <dt>"Vendor"</dt><dd>{card.vendor_name.clone()}</dd>
                <dt>"Tool prefix"</dt><dd class="mono">{format!("{}__", card.slug)}</dd>
                <dt>"Tier"</dt>
                <dd>{card.tier_label.clone()}{team.map(|t| format!(" — {t}"))}</dd>
                {settings.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
                <dt>"Secret"</dt><dd class="mono">{card.secret_hint.clone()}</dd>
                <dt>"Last check"</dt>
                <dd>
                    {match card.last_checked_at.clone() {
                        Some(at) => view! { <Timestamp rfc3339=at /> }.into_any(),
                        None => view! { "never" }.into_any(),
                    }}
                    {card.last_check_message.clone().map(|m| view! { <span class="cell-note">{format!(" — {m}")}</span> })}
                </dd>
                <dt>"Connected by"</dt>
                <dd>{card.created_by_name.clone()} " · " <Timestamp rfc3339=card.created_at.clone() /></dd>
            </dl>
            <div class="actions">
                <button type="button" class="btn btn-secondary btn-small"
                    aria-label=format!("Re-test {}", card.name)
                    disabled=move || !hydrated.get() || testing.get()
                    on:click={
                        let id = id.clone();
                        move |_| { test.dispatch(id.clone()); }
                    }>
                    {move || if testing.get() { "Testing…" } else { "Re-test" }}
                </button>
                {reconnect_button}
                {manage}
            </div>
            <FormError error=delete_error id=format!("delete-error-{}", card.id) />
        </li>
    }
}
