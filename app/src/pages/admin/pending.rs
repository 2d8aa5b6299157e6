//! "Pending onboardings": consent links opened in the last 7 days that did not complete — where
//! each one stopped, so an operator can help the customer finish it.

use leptos::prelude::*;

use super::Timestamp;
use crate::server_fns::admin::PendingRow;

/// The pending onboardings section.
#[component]
pub fn PendingOnboardings(pending: Vec<PendingRow>) -> impl IntoView {
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
                        </tr>
                    </thead>
                    <tbody>
                        {pending.into_iter().map(|row| view! { <PendingRowView row /> }).collect_view()}
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
        other => other.to_owned(),
    }
}

#[component]
fn PendingRowView(row: PendingRow) -> impl IntoView {
    let PendingRow {
        customer_name,
        status,
        tenant_id,
        error,
        created_at,
        expired,
    } = row;
    view! {
        <tr>
            <th scope="row">{customer_name}</th>
            <td>
                <span>{status_text(&status)}</span>
                {expired.then(|| view! { " " <span class="badge badge-muted">"Expired"</span> })}
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
