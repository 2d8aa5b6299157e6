//! `/auth/login`: chooses the sign-in method, and goes straight to it when there is only one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

use crate::{
    components::status::{ErrorPanel, Loading},
    routes,
    server_fns::auth::get_login_options,
};

/// The sign-in entry point.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.with_untracked(|q| q.get("next")).unwrap_or_default();
    // On the server the decision is made before rendering, so the answer is a real HTTP redirect.
    #[cfg(feature = "ssr")]
    if let Ok(state) = crate::state::app_state() {
        if state.settings.dev_login.enabled {
            leptos_axum::redirect(&routes::dev_login_with_next(&next));
        }
    }
    let options = Resource::new(|| (), |_| get_login_options());
    view! {
        <Title text="Sign in" />
        <main id="main" class="auth-page">
            <Suspense fallback=|| view! { <Loading label="Loading sign-in options…" /> }>
                {
                    let next = next.clone();
                    move || {
                        let next = next.clone();
                        Suspend::new(async move {
                            match options.await {
                                Ok(options) if options.dev_login => {
                                    view! { <Redirect path=routes::dev_login_with_next(&next) /> }.into_any()
                                }
                                Ok(_) => view! { <NoSignInMethod /> }.into_any(),
                                Err(error) => view! { <ErrorPanel error /> }.into_any(),
                            }
                        })
                    }
                }
            </Suspense>
        </main>
    }
}

#[component]
fn NoSignInMethod() -> impl IntoView {
    view! {
        <div class="card auth-card">
            <h1>"Sign-in is not set up"</h1>
            <p class="muted">
                "This gateway has no sign-in method configured. The operator needs to configure "
                "Microsoft Entra ID or Auth0 (see docs/configuration.md)."
            </p>
        </div>
    }
}
