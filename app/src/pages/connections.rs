//! `/connections`: vendor connections (the credential vault fills this page in a later issue).

use leptos::prelude::*;
use leptos_meta::Title;

/// The connections page.
#[component]
pub fn ConnectionsPage() -> impl IntoView {
    view! {
        <Title text="Connections" />
        <div class="page-header">
            <h1>"Connections"</h1>
            <p class="muted">"The vendor accounts your AI client can use through the gateway."</p>
        </div>
        <section class="card empty-state" aria-labelledby="no-connections">
            <h2 id="no-connections">"No connections yet"</h2>
            <p>
                "Connecting Autotask, Datto RMM, ConnectWise, IT Glue, HaloPSA, NinjaOne or a remote MCP "
                "server is not available in this version of the gateway yet."
            </p>
        </section>
    }
}
