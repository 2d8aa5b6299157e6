//! `/teams`: the organisation, its members and teams (filled in by the organisations issue).

use leptos::prelude::*;
use leptos_meta::Title;

/// The teams page.
#[component]
pub fn TeamsPage() -> impl IntoView {
    view! {
        <Title text="Teams" />
        <div class="page-header">
            <h1>"Teams"</h1>
            <p class="muted">"Share connections with your colleagues and manage who can use them."</p>
        </div>
        <section class="card empty-state" aria-labelledby="no-team">
            <h2 id="no-team">"You are not in a team yet"</h2>
            <p>"Creating a team and inviting colleagues is not available in this version of the gateway yet."</p>
        </section>
    }
}
