//! `/auth/not-onboarded`: a Microsoft user whose organisation's tenant is not onboarded yet, with
//! the consent link to forward to their Microsoft 365 administrator (status 403).

use leptos::prelude::*;
use leptos_meta::Title;

use super::outcome::{set_status, NoticePage, FORBIDDEN};
use crate::{
    components::{copy_button::CopyButton, toast::ToastRegion},
    routes,
    server_fns::auth::AuthNotice,
};

/// The "organisation not set up" page.
#[component]
pub fn NotOnboardedPage() -> impl IntoView {
    view! {
        <NoticePage
            title="Your organisation is not set up yet"
            render=|notice| match notice {
                AuthNotice::NotOnboarded { tenant_id, account, consent_link } => {
                    set_status(FORBIDDEN);
                    Some(view! { <NotOnboarded tenant_id account consent_link /> }.into_any())
                }
                _ => None,
            }
        />
        // The copy button confirms with a toast; this page is outside the portal's layout.
        <ToastRegion />
    }
}

#[component]
fn NotOnboarded(tenant_id: String, account: String, consent_link: String) -> impl IntoView {
    view! {
        <Title text="Your organisation is not set up yet" />
        <div class="card auth-card auth-card-wide">
            <h1>"Your organisation is not set up yet"</h1>
            <p>
                "You signed in as "
                <strong>{account}</strong>
                ". Your organisation's Microsoft tenant ("
                <code class="mono">{tenant_id}</code>
                ") has not been onboarded to this gateway."
            </p>
            <p>
                "Ask your Microsoft 365 administrator to open this link and grant consent. "
                "Only a Global Administrator or Privileged Role Administrator can grant it."
            </p>
            <div class="field">
                <label for="consent-link">"Consent link"</label>
                <div class="input-group">
                    <input
                        id="consent-link"
                        class="input mono"
                        type="text"
                        readonly
                        value=consent_link.clone()
                    />
                    <CopyButton
                        id="copy-consent-link"
                        value=consent_link
                        label="Copy consent link"
                        confirmation="Consent link copied"
                    />
                </div>
            </div>
            <a class="btn btn-secondary" href=routes::LOGIN>
                "Sign in with another account"
            </a>
        </div>
    }
}
