//! The 404 page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::routes;

/// Shown for any path no route matches (with status 404).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    crate::mark_hydrated();
    view! {
        <Title text="Page not found" />
        <main id="main" class="auth-page">
            <div class="card auth-card">
                <h1>"Page not found"</h1>
                <p class="muted">"There is nothing at this address."</p>
                <a class="btn btn-primary" href=routes::SETTINGS>"Go to settings"</a>
            </div>
        </main>
    }
}
