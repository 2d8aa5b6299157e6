//! `/signed-out`: confirmation after sign-out.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::routes;

/// Shown after signing out.
#[component]
pub fn SignedOutPage() -> impl IntoView {
    view! {
        <Title text="Signed out" />
        <main id="main" class="auth-page">
            <div class="card auth-card">
                <h1>"You have signed out"</h1>
                <p class="muted">"Your session on this gateway has ended."</p>
                <a class="btn btn-primary" href=routes::LOGIN>"Sign in again"</a>
            </div>
        </main>
    }
}
