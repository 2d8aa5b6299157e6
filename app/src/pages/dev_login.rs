//! `/auth/dev/login`: the development sign-in form (name + email, no identity provider).
//!
//! A plain HTML form posting to the server (works before hydration and without JavaScript). A
//! refused submission comes back through a one-time flash with the typed values and an error
//! next to each wrong field.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    components::status::{ErrorPanel, Loading},
    routes,
    server_fns::auth::{get_dev_login_form, DevLoginFlash},
};

/// The development sign-in page.
#[component]
pub fn DevLoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.with_untracked(|q| q.get("next")).unwrap_or_default();
    let form = Resource::new(|| (), |_| get_dev_login_form());
    view! {
        <Title text="Development sign-in" />
        <main id="main" class="auth-page">
            <Suspense fallback=|| view! { <Loading label="Loading…" /> }>
                {
                    let next = next.clone();
                    move || {
                        let next = next.clone();
                        Suspend::new(async move {
                            match form.await {
                                Ok(form) if form.enabled => {
                                    view! { <DevLoginForm next flash=form.flash.unwrap_or_default() /> }.into_any()
                                }
                                Ok(_) => view! { <DevLoginDisabled /> }.into_any(),
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
fn DevLoginForm(next: String, flash: DevLoginFlash) -> impl IntoView {
    let submitting = RwSignal::new(false);
    let DevLoginFlash {
        name,
        email,
        name_error,
        email_error,
    } = flash;
    let has_errors = name_error.is_some() || email_error.is_some();
    view! {
        <div class="card auth-card">
            <p class="badge badge-warning">"Development sign-in"</p>
            <h1>"Sign in"</h1>
            <p class="muted">
                "For trying the gateway on this computer, without Microsoft Entra ID or Auth0. "
                "Anyone who can open this page can sign in as anyone: never turn it on for a shared server."
            </p>
            {has_errors
                .then(|| {
                    view! {
                        <div class="alert alert-error" role="alert">
                            "Please correct the fields marked below."
                        </div>
                    }
                })}
            <form
                method="post"
                action=routes::DEV_LOGIN
                novalidate
                on:submit=move |_| submitting.set(true)
            >
                <input type="hidden" name="next" value=next />
                <TextField
                    id="name"
                    label="Name"
                    value=name
                    error=name_error
                    autocomplete="name"
                    input_type="text"
                />
                <TextField
                    id="email"
                    label="Email"
                    value=email
                    error=email_error
                    autocomplete="email"
                    input_type="email"
                />
                <button
                    type="submit"
                    class="btn btn-primary btn-block"
                    id="sign-in"
                    aria-busy=move || submitting.get().to_string()
                    disabled=move || submitting.get()
                >
                    {move || if submitting.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </div>
    }
}

#[component]
fn TextField(
    id: &'static str,
    label: &'static str,
    value: String,
    error: Option<String>,
    autocomplete: &'static str,
    input_type: &'static str,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let invalid = error.is_some();
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                class="input"
                type=input_type
                required
                maxlength="254"
                autocomplete=autocomplete
                value=value
                aria-invalid=invalid.to_string()
                aria-describedby=invalid.then(|| error_id.clone())
            />
            {error.map(|message| view! { <p class="field-error" id=error_id.clone()>{message}</p> })}
        </div>
    }
}

#[component]
fn DevLoginDisabled() -> impl IntoView {
    view! {
        <div class="card auth-card">
            <h1>"Development sign-in is off"</h1>
            <p class="muted">"This gateway does not offer the development sign-in."</p>
            <a class="btn btn-primary" href=routes::LOGIN>"Other ways to sign in"</a>
        </div>
    }
}
