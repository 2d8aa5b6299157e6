//! "Onboard a customer": creates the consent link an operator sends to a customer's Microsoft 365
//! administrator. The server validates the name (the same rule as `/auth/onboard`).

use leptos::{ev::SubmitEvent, prelude::*};

use super::hydrated;
use crate::{
    components::copy_button::CreatedValue, error::PortalError, server_fns::admin::CreateConsentLink,
};

/// The longest customer name the server accepts (`domain::tenants::CustomerName`).
const MAX_NAME_CHARS: &str = "120";

/// The card with the form and, once created, the link to copy.
#[component]
pub fn OnboardCustomer(
    microsoft_configured: bool,
    create_link: ServerAction<CreateConsentLink>,
    customer_name: RwSignal<String>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="onboard-title">
            <h2 id="onboard-title">"Onboard a customer"</h2>
            <p class="muted">
                "Create a consent link for the customer's Microsoft 365 administrator. When they "
                "grant consent, the users of their organisation can sign in with Microsoft."
            </p>
            {if microsoft_configured {
                view! { <ConsentLinkForm create_link customer_name /> }.into_any()
            } else {
                view! {
                    <div class="alert alert-warning">
                        <p>
                            <strong>"Microsoft sign-in is not configured. "</strong>
                            "Customers cannot be onboarded until the operator sets "
                            <code>"entra_client_id"</code>
                            " and "
                            <code>"entra_client_secret"</code>
                            " (see docs/configuration.md)."
                        </p>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn ConsentLinkForm(
    create_link: ServerAction<CreateConsentLink>,
    customer_name: RwSignal<String>,
) -> impl IntoView {
    let hydrated = hydrated();
    let pending = create_link.pending();
    let value = create_link.value();
    let error = Memo::new(move |_| match value.get() {
        Some(Err(PortalError::Invalid(message))) => Some(message),
        Some(Err(other)) => Some(other.to_string()),
        _ => None,
    });
    let link = Memo::new(move |_| value.get().and_then(Result::ok));
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !pending.get_untracked() {
            create_link.dispatch(CreateConsentLink {
                customer_name: customer_name.get_untracked(),
            });
        }
    };
    let invalid = move || error.with(Option::is_some);
    view! {
        // Validation is the server's (one rule, one set of messages), hence `novalidate`.
        <form on:submit=submit novalidate>
            <div class="field" class:field-invalid=invalid>
                <label for="customer-name">"Customer name"</label>
                <div class="input-group">
                    <input
                        id="customer-name"
                        class="input"
                        type="text"
                        required
                        maxlength=MAX_NAME_CHARS
                        autocomplete="off"
                        bind:value=customer_name
                        aria-invalid=move || invalid().to_string()
                        aria-describedby=move || invalid().then_some("customer-name-error")
                    />
                    <button
                        type="submit"
                        class="btn btn-primary"
                        aria-busy=move || pending.get().to_string()
                        disabled=move || !hydrated.get() || pending.get()
                    >
                        {move || if pending.get() { "Creating…" } else { "Create consent link" }}
                    </button>
                </div>
                {move || {
                    error
                        .get()
                        .map(|message| {
                            view! {
                                <p class="field-error" id="customer-name-error" role="alert">
                                    {message}
                                </p>
                            }
                        })
                }}
            </div>
        </form>
        {move || {
            link.get()
                .map(|link| {
                    view! {
                        <CreatedValue
                            id="new-consent-link"
                            label="Consent link"
                            value=link
                            copy_label="Copy new consent link"
                            confirmation="Consent link copied"
                            hint="Send this link to the customer's Microsoft 365 administrator."
                        />
                    }
                })
        }}
    }
}
