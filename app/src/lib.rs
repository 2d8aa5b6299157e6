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
    lazy_route, path, Lazy, LazyRoute, SsrMode,
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
    view! {
        <Stylesheet id="leptos" href="/pkg/mcp-gateway.css" />
        <Title formatter=|text: String| {
            if text.is_empty() { "MCP Gateway".to_owned() } else { format!("{text} · MCP Gateway") }
        } />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/auth/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/auth/dev/login") view={Lazy::<DevLoginRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/auth/error") view={Lazy::<AuthErrorRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/auth/not-onboarded") view={Lazy::<NotOnboardedRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/auth/onboard") view={Lazy::<OnboardRoute>::new()} ssr=SsrMode::Async />
                <Route
                    path=path!("/auth/admin-consent/result")
                    view={Lazy::<OnboardingResultRoute>::new()}
                    ssr=SsrMode::Async
                />
                <Route path=path!("/signed-out") view={Lazy::<SignedOutRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/oauth/consent") view={Lazy::<ConsentRoute>::new()} ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=PortalLayout ssr=SsrMode::Async>
                    <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/connections") view={Lazy::<ConnectionsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/catalog") view={Lazy::<CatalogRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/organisation") view={Lazy::<OrganizationRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/organisation/audit") view={Lazy::<OrganizationAuditRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Marks `<body data-hydrated>` once the page is interactive: the marker tells tests (and curious
/// operators) that the wasm bundle is live. Called by each page's route view, so with lazily
/// loaded routes it is set after the page's own module has loaded and hydrated, not when the
/// main module starts (effects run only in the browser, after the view that created them).
pub fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// A portal page as a lazily loaded route: its view, and the code only it uses, are split into
/// their own WASM chunk (`cargo leptos build --split`), fetched when the page is first shown.
/// The shell, the router, the layout and the shared components stay in the main module.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),+ $(,)?) => {$(
        #[doc = concat!("[`", stringify!($page), "`] as a lazily loaded route.")]
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                mark_hydrated();
                view! { <$page /> }.into_any()
            }
        }
    )+};
}

lazy_pages! {
    AdminRoute => AdminPage,
    AuthErrorRoute => AuthErrorPage,
    CatalogRoute => CatalogPage,
    ConnectionsRoute => ConnectionsPage,
    ConsentRoute => ConsentPage,
    DevLoginRoute => DevLoginPage,
    InviteRoute => InvitePage,
    LoginRoute => LoginPage,
    NotOnboardedRoute => NotOnboardedPage,
    OnboardRoute => OnboardPage,
    OnboardingResultRoute => OnboardingResultPage,
    OrganizationAuditRoute => OrganizationAuditPage,
    OrganizationRoute => OrganizationPage,
    SettingsRoute => SettingsPage,
    SignedOutRoute => SignedOutPage,
}
