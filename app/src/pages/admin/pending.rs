//! "Pending onboardings": consent links opened in the last 7 days that did not complete — where
//! each one stopped, so an operator can help the customer finish it — and, with
//! `onboarding = "operator-approved"`, the consented tenants awaiting approval, each with an
//! "Approve" button.

use leptos::prelude::*;

use super::{hydrated, OverviewResource, Timestamp};
use crate::{
    components::toast::{use_toasts, ToastKind},
    server_fns::admin::{approve_onboarding, PendingRow},
};

/// The pending onboardings section.
#[component]
pub fn PendingOnboardings(pending: Vec<PendingRow>, overview: OverviewResource) -> impl IntoView {
    let body = if pending.is_empty() {
        view! { <p class="empty-note">"No onboardings in progress."</p> }.into_any()
    } else {
        view! {
            <div class="table-scroll" role="region" aria-labelledby="pending-title" tabindex="0">
                <table class="table" aria-labelledby="pending-title">
                    <thead>
                        <tr>
                            <th scope="col">"Customer"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Tenant"</th>
                            <th scope="col">"Error"</th>
                            <th scope="col">"Opened"</th>
                            <th scope="col">
                                <span class="visually-hidden">"Actions"</span>
                            </th>
                        </tr>
                    </thead>
                    <tbody>
                        {pending
                            .into_iter()
                            .map(|row| view! { <PendingRowView row overview /> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card">
            <h2 id="pending-title">"Pending onboardings"</h2>
            {body}
        </section>
    }
}

/// The status in words (the server sends `started`, `consented` or `failed`).
fn status_text(status: &str) -> String {
    match status {
        "started" => "Waiting for consent".to_owned(),
        "consented" => "Waiting for the administrator's sign-in".to_owned(),
        "failed" => "Failed".to_owned(),
        "awaiting_approval" => "Consented, awaiting approval".to_owned(),
        other => other.to_owned(),
    }
}

#[component]
fn PendingRowView(row: PendingRow, overview: OverviewResource) -> impl IntoView {
    let PendingRow {
        id,
        customer_name,
        status,
        consented_by,
        tenant_id,
        error,
        created_at,
        expired,
    } = row;
    let approve = (status == "awaiting_approval").then(|| {
        let toasts = use_toasts();
        let name = customer_name.clone();
        let action = Action::new(move |_: &()| {
            let (id, name) = (id.clone(), name.clone());
            async move {
                match approve_onboarding(id).await {
                    Ok(()) => toasts.show(ToastKind::Success, format!("{name} approved")),
                    Err(error) => toasts.show(ToastKind::Error, error.to_string()),
                }
                overview.refetch();
            }
        });
        let ready = hydrated();
        let label = format!("Approve {customer_name}");
        view! {
            <button
                type="button"
                class="btn btn-primary btn-small"
                aria-label=label
                disabled=move || !ready.get() || action.pending().get()
                on:click=move |_| {
                    action.dispatch(());
                }
            >
                "Approve"
            </button>
        }
    });
    view! {
        <tr>
            <th scope="row">{customer_name}</th>
            <td>
                <span>{status_text(&status)}</span>
                {expired.then(|| view! { " " <span class="badge badge-muted">"Expired"</span> })}
                {consented_by
                    .map(|by| {
                        view! {
                            <span class="cell-note" title=by.clone()>
                                {format!("by {}", by.split(" (").next().unwrap_or_default())}
                            </span>
                        }
                    })}
            </td>
            <td>
                {match tenant_id {
                    Some(id) => view! { <code class="mono">{id}</code> }.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
            <td class="wrap">{error.unwrap_or_else(|| "—".to_owned())}</td>
            <td>
                <Timestamp rfc3339=created_at />
            </td>
            <td class="actions-cell">{approve}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_shown_in_words() {
        assert_eq!(status_text("started"), "Waiting for consent");
        assert_eq!(
            status_text("consented"),
            "Waiting for the administrator's sign-in"
        );
        assert_eq!(status_text("failed"), "Failed");
    }
}
