//! `/oauth/consent?request=…`: the consent popup an MCP client opens. It names the application
//! (marked unverified unless the operator registered it), where the answer goes (with a warning
//! when that is only this computer), what access it asks for, and the account in use; Allow and
//! Deny post a form carrying a CSRF token bound to this session and this request. Nothing can
//! frame it (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

use super::outcome::{set_status, NOT_FOUND};
use crate::{
    components::status::Loading,
    error::PortalError,
    routes,
    server_fns::oauth::{get_consent, ConsentView},
};

/// The consent page.
#[component]
pub fn ConsentPage() -> impl IntoView {
    let query = use_query_map();
    let request = move || query.with(|q| q.get("request").unwrap_or_default());
    let consent = Resource::new(request, get_consent);
    view! {
        <main id="main" class="auth-page consent-page">
            <Suspense fallback=|| view! { <Loading label="Loading the request…" /> }>
                {move || Suspend::new(async move {
                    match consent.await {
                        Ok(view) => view! { <Consent view /> }.into_any(),
                        Err(PortalError::Unauthorized) => {
                            let here = format!("{}?request={}", routes::AUTHORIZE_CONTINUE, routes::encode_query_value(&request()));
                            view! { <Redirect path=routes::login_with_next(&here) /> }.into_any()
                        }
                        Err(error) => {
                            if matches!(error, PortalError::NotFound(_)) {
                                set_status(NOT_FOUND);
                            }
                            view! {
                                <Title text="Authorization request not found" />
                                <div class="card auth-card">
                                    <h1>"This request cannot be answered"</h1>
                                    <div class="alert alert-error" role="alert"><p>{error.to_string()}</p></div>
                                    <p>"You can close this window."</p>
                                </div>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn Consent(view: ConsentView) -> impl IntoView {
    let ConsentView {
        request,
        csrf,
        client_name,
        verified,
        redirect_host,
        loopback_only,
        scopes,
        account,
    } = view;
    let switch = routes::login_with_next(&format!(
        "{}?request={}",
        routes::AUTHORIZE_CONTINUE,
        routes::encode_query_value(&request)
    ));
    let title = format!("Allow {client_name} to use your MCP Gateway?");
    view! {
        <Title text=title.clone() />
        <div class="card auth-card consent-card">
            <h1 id="consent-title">
                "Allow "
                <strong>{client_name.clone()}</strong>
                " to use your MCP Gateway?"
            </h1>
            {if verified {
                view! { <p><span class="badge badge-success">"Registered by your gateway's operator"</span></p> }.into_any()
            } else {
                view! {
                    <p>
                        <span class="badge badge-warning" id="unverified">"Unverified application"</span>
                        " The name above is what the application calls itself; the gateway cannot confirm it."
                    </p>
                }
                    .into_any()
            }}
            <dl class="facts">
                <dt>"Sends the answer to"</dt>
                <dd><strong id="redirect-host">{redirect_host}</strong></dd>
                <dt>"Signed in as"</dt>
                <dd>
                    <span id="consent-account">{account}</span>
                    " · "
                    <a href=switch id="switch-account">"Use another account"</a>
                </dd>
            </dl>
            {loopback_only.then(|| view! {
                <div class="alert alert-warning" role="note" id="loopback-warning">
                    <p>
                        "This application receives the answer on this computer only. Any program on this computer "
                        "can claim that name: allow it only if you just started it yourself."
                    </p>
                </div>
            })}
            <h2>"It will be able to"</h2>
            <ul class="scope-list">
                {scopes
                    .into_iter()
                    .map(|(scope, words)| view! { <li data-scope=scope>{words}</li> })
                    .collect_view()}
            </ul>
            <p class="muted">
                "It acts as you, with the vendor connections you, your organisation and your teams share. "
                "You can revoke it at any time in Settings → Authorized apps."
            </p>
            <form method="post" action=routes::OAUTH_CONSENT class="consent-actions">
                <input type="hidden" name="request" value=request />
                <input type="hidden" name="csrf" value=csrf />
                <button type="submit" name="decision" value="deny" class="btn btn-secondary">"Deny"</button>
                <button type="submit" name="decision" value="allow" class="btn btn-primary">"Allow"</button>
            </form>
        </div>
    }
}
