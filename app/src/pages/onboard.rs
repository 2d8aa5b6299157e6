//! `/auth/onboard`: asks a Microsoft 365 administrator for their organisation's name, then starts
//! admin consent (`GET /auth/admin-consent`).
//!
//! A plain HTML GET form (works before hydration and without JavaScript). The server validates the
//! name and, when it refuses it, comes back here with `error=` and what was typed; the query only
//! chooses between fixed messages, so a crafted link cannot put words on this page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::outcome::{set_status, NOT_FOUND};
use crate::{
    components::status::{ErrorPanel, Loading},
    routes,
    server_fns::auth::get_login_options,
};

/// The longest organisation name the server accepts (`domain::tenants::CustomerName`).
const MAX_NAME_CHARS: usize = 120;

/// The onboarding form.
#[component]
pub fn OnboardPage() -> impl IntoView {
    let query = use_query_map();
    let (customer_name, tenant, error) = query.with_untracked(|q| {
        (
            q.get("customer_name").unwrap_or_default(),
            q.get("tenant").filter(|t| !t.is_empty()),
            q.get("error").as_deref().and_then(field_error),
        )
    });
    let options = Resource::new(|| (), |_| get_login_options());
    view! {
        <Title text="Connect your Microsoft 365 organisation" />
        <main id="main" class="auth-page">
            <Suspense fallback=|| view! { <Loading label="Loading…" /> }>
                {
                    let (customer_name, tenant) = (customer_name.clone(), tenant.clone());
                    move || {
                        let (customer_name, tenant) = (customer_name.clone(), tenant.clone());
                        Suspend::new(async move {
                            match options.await {
                                Ok(options) if options.microsoft => {
                                    view! { <OnboardForm customer_name tenant error /> }.into_any()
                                }
                                Ok(_) => {
                                    set_status(NOT_FOUND);
                                    view! { <OnboardingUnavailable /> }.into_any()
                                }
                                Err(error) => view! { <ErrorPanel error /> }.into_any(),
                            }
                        })
                    }
                }
            </Suspense>
        </main>
    }
}

/// The message for the server's `error=` code (unknown codes are ignored).
fn field_error(code: &str) -> Option<&'static str> {
    match code {
        "missing" => Some("Enter the name of your organisation."),
        "too_long" => Some("Use at most 120 characters."),
        "invalid" => Some("The name contains characters that cannot be shown."),
        _ => None,
    }
}

#[component]
fn OnboardForm(
    customer_name: String,
    tenant: Option<String>,
    error: Option<&'static str>,
) -> impl IntoView {
    let submitting = RwSignal::new(false);
    let invalid = error.is_some();
    view! {
        <div class="card auth-card auth-card-wide">
            <h1>"Connect your Microsoft 365 organisation"</h1>
            <p>
                "You will be asked to sign in as a Microsoft 365 administrator and to grant this "
                "gateway permission to sign your users in (openid, profile, email: their name and "
                "email address only). Afterwards you sign in once more to confirm."
            </p>
            <form
                method="get"
                action=routes::ADMIN_CONSENT
                on:submit=move |_| submitting.set(true)
            >
                {tenant.map(|tenant| view! { <input type="hidden" name="tenant" value=tenant /> })}
                <div class="field" class:field-invalid=invalid>
                    <label for="customer_name">"Organisation name"</label>
                    <input
                        id="customer_name"
                        name="customer_name"
                        class="input"
                        type="text"
                        required
                        maxlength=MAX_NAME_CHARS.to_string()
                        autocomplete="organization"
                        value=customer_name
                        aria-invalid=invalid.to_string()
                        aria-describedby=invalid.then_some("customer_name-error")
                    />
                    {error
                        .map(|message| {
                            view! {
                                <p class="field-error" id="customer_name-error">
                                    {message}
                                </p>
                            }
                        })}
                </div>
                <button
                    type="submit"
                    class="btn btn-primary btn-block"
                    aria-busy=move || submitting.get().to_string()
                >
                    "Continue to Microsoft"
                </button>
            </form>
        </div>
    }
}

#[component]
fn OnboardingUnavailable() -> impl IntoView {
    view! {
        <div class="card auth-card">
            <h1>"Microsoft sign-in is not set up"</h1>
            <p class="muted">
                "This gateway does not offer sign-in with Microsoft, so organisations cannot be "
                "connected to it. Ask the gateway's operator."
            </p>
            <a class="btn btn-primary" href=routes::LOGIN>
                "Sign in"
            </a>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_servers_error_codes_show_a_message() {
        assert_eq!(
            field_error("missing"),
            Some("Enter the name of your organisation.")
        );
        assert_eq!(field_error("too_long"), Some("Use at most 120 characters."));
        assert!(field_error("invalid").is_some());
        assert_eq!(field_error("<script>"), None);
        assert_eq!(field_error(""), None);
    }
}
