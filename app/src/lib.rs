//! The gateway portal: Leptos pages, components and server functions.
//!
//! Server-rendered (feature `ssr`, linked into the `server` binary) and hydrated in the browser
//! (feature `hydrate`, built to wasm by `frontend`). Server functions are thin adapters: they take
//! their dependencies from context ([`state::AppState`], the request's `CurrentUser`), make one
//! `domain` call and map the result into a [`error::PortalError`].

#![recursion_limit = "256"]

pub mod components;
pub mod error;
pub mod pages;
pub mod routes;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

use crate::{
    components::{layout::PortalLayout, toast::provide_toasts},
    pages::{
        admin::AdminPage, auth_error::AuthErrorPage, catalog::CatalogPage,
        connections::ConnectionsPage, consent::ConsentPage, dev_login::DevLoginPage,
        invite::InvitePage, login::LoginPage, not_found::NotFound, not_onboarded::NotOnboardedPage,
        onboard::OnboardPage, onboarding_result::OnboardingResultPage,
        organization::OrganizationPage, organization_audit::OrganizationAuditPage,
        settings::SettingsPage, signed_out::SignedOutPage,
    },
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    state::provide_request_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The portal application: routes and the shared layout.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let _ = provide_toasts();
    // Effects run only in the browser, after hydration: the marker tells tests (and curious
    // operators) that the wasm bundle is live.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/mcp-gateway.css" />
        <Title formatter=|text: String| {
            if text.is_empty() { "MCP Gateway".to_owned() } else { format!("{text} · MCP Gateway") }
        } />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/auth/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/auth/dev/login") view=DevLoginPage ssr=SsrMode::Async />
                <Route path=path!("/auth/error") view=AuthErrorPage ssr=SsrMode::Async />
                <Route path=path!("/auth/not-onboarded") view=NotOnboardedPage ssr=SsrMode::Async />
                <Route path=path!("/auth/onboard") view=OnboardPage ssr=SsrMode::Async />
                <Route
                    path=path!("/auth/admin-consent/result")
                    view=OnboardingResultPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/signed-out") view=SignedOutPage ssr=SsrMode::Async />
                <Route path=path!("/oauth/consent") view=ConsentPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=PortalLayout ssr=SsrMode::Async>
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/connections") view=ConnectionsPage ssr=SsrMode::Async />
                    <Route path=path!("/catalog") view=CatalogPage ssr=SsrMode::Async />
                    <Route path=path!("/organisation") view=OrganizationPage ssr=SsrMode::Async />
                    <Route path=path!("/organisation/audit") view=OrganizationAuditPage ssr=SsrMode::Async />
                    <Route path=path!("/invite/:token") view=InvitePage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
