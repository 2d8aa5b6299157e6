//! `/auth/login`: chooses the sign-in method, and goes straight to it when there is only one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

use crate::{
    components::status::{ErrorPanel, Loading},
    routes,
    server_fns::auth::{get_login_options, LoginOptions},
};

/// The sign-in entry point.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.with_untracked(|q| q.get("next")).unwrap_or_default();
    // On the server the decision is made before rendering, so the answer is a real HTTP redirect.
    #[cfg(feature = "ssr")]
    if let Ok(state) = crate::state::app_state() {
        let options = crate::server_fns::auth::login_options(&state);
        if let Some(path) = options.only_method(&next) {
            leptos_axum::redirect(&path);
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
                                Ok(options) => view! { <SignInMethods options next /> }.into_any(),
                                Err(error) => view! { <ErrorPanel error /> }.into_any(),
                            }
                        })
                    }
                }
            </Suspense>
        </main>
    }
}

/// Goes to the only method, offers a choice, or explains that there is none.
#[component]
fn SignInMethods(options: LoginOptions, next: String) -> impl IntoView {
    match options.only_method(&next) {
        // The development form is a page of this app: the client router can show it.
        Some(path) if options.dev_login => view! { <Redirect path /> }.into_any(),
        // The Microsoft and Auth0 starts are server routes, unknown to the client router (it would
        // show its 404): the browser must load them.
        Some(path) => view! { <LeaveFor path /> }.into_any(),
        None if options.dev_login || options.microsoft || options.auth0 => {
            view! { <Chooser options next /> }.into_any()
        }
        None => view! { <NoSignInMethod /> }.into_any(),
    }
}

/// A full page load of a same-origin server route (reached only after client-side navigation:
/// on the server the page has already answered with a redirect).
#[component]
fn LeaveFor(path: String) -> impl IntoView {
    #[cfg(not(feature = "ssr"))]
    {
        let _ = window().location().replace(&path);
    }
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(&path);
    view! { <Loading label="Taking you to sign-in…" /> }
}

#[component]
fn Chooser(options: LoginOptions, next: String) -> impl IntoView {
    let LoginOptions {
        dev_login,
        microsoft,
        auth0,
    } = options;
    let microsoft_href = routes::with_next(routes::MICROSOFT_LOGIN, &next);
    let auth0_href = routes::with_next(routes::AUTH0_LOGIN, &next);
    let signup_href = routes::with_next(routes::AUTH0_SIGNUP, &next);
    let dev_href = routes::dev_login_with_next(&next);
    // `rel="external"`: the Microsoft and Auth0 starts are server routes, and the client router
    // takes over every same-origin link that is not marked external.
    view! {
        <div class="card auth-card">
            <h1>"Sign in"</h1>
            <p class="muted">"Choose how you sign in to the gateway."</p>
            <div class="auth-choices">
                {microsoft
                    .then(|| {
                        view! {
                            <div class="auth-choice">
                                <a class="btn btn-secondary btn-block" href=microsoft_href rel="external">
                                    <MicrosoftLogo />
                                    "Sign in with Microsoft"
                                </a>
                                <p class="auth-choice-note">
                                    "Your organisation must be onboarded by its Microsoft 365 administrator first."
                                </p>
                            </div>
                        }
                    })}
                {auth0
                    .then(|| {
                        view! {
                            <div class="auth-choice">
                                <a class="btn btn-secondary btn-block" href=auth0_href rel="external">
                                    "Sign in with Auth0"
                                </a>
                                <p class="auth-choice-note">
                                    "New here? "
                                    <a href=signup_href rel="external">
                                        "Create an account"
                                    </a>
                                    " with Auth0."
                                </p>
                            </div>
                        }
                    })}
                {dev_login
                    .then(|| {
                        view! {
                            <div class="auth-choice">
                                <a class="btn btn-ghost btn-block" href=dev_href>
                                    "Development sign-in"
                                </a>
                                <p class="auth-choice-note">
                                    "Name and email only, for trying the gateway on this computer."
                                </p>
                            </div>
                        }
                    })}
            </div>
        </div>
    }
}

/// Microsoft's four squares (decorative: the link's text names the provider).
#[component]
fn MicrosoftLogo() -> impl IntoView {
    view! {
        <svg
            class="provider-logo"
            aria-hidden="true"
            focusable="false"
            width="20"
            height="20"
            viewBox="0 0 21 21"
        >
            <rect x="1" y="1" width="9" height="9" fill="#f25022" />
            <rect x="11" y="1" width="9" height="9" fill="#7fba00" />
            <rect x="1" y="11" width="9" height="9" fill="#00a4ef" />
            <rect x="11" y="11" width="9" height="9" fill="#ffb900" />
        </svg>
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
