//! The signed-in portal's frame: top bar with navigation, the signed-in user, sign-out, toasts.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect, A},
    hooks::use_location,
};

use crate::{
    components::toast::ToastRegion,
    routes,
    server_fns::session::{get_current_user, UserView},
};

/// Layout route around every signed-in page.
#[component]
pub fn PortalLayout() -> impl IntoView {
    let user = Resource::new(|| (), |_| get_current_user());
    let location = use_location();
    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="topbar">
            <div class="topbar-inner">
                <a class="brand" href=routes::SETTINGS>
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span>"MCP Gateway"</span>
                </a>
                <nav class="mainnav" aria-label="Main">
                    <A href=routes::SETTINGS>"Settings"</A>
                    <A href=routes::CONNECTIONS>"Connections"</A>
                    <A href=routes::CATALOG>"Catalog"</A>
                    <A href=routes::ORGANISATION>"Organisation"</A>
                    // Only operators see the link (the page itself checks again, on every load).
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let is_operator = matches!(user.await, Ok(Some(user)) if user.is_operator);
                            is_operator.then(|| view! { <A href=routes::ADMIN>"Admin"</A> })
                        })}
                    </Suspense>
                </nav>
                <Suspense fallback=|| view! { <span class="topbar-user muted">"…"</span> }>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(user)) => view! { <UserMenu user /> }.into_any(),
                            // Signed out (or the session ended) while on a portal page.
                            Ok(None) => {
                                let next = format!(
                                    "{}{}",
                                    location.pathname.get_untracked(),
                                    location.search.get_untracked(),
                                );
                                let next = if next.is_empty() { routes::SETTINGS.to_owned() } else { next };
                                view! { <Redirect path=routes::login_with_next(&next) /> }.into_any()
                            }
                            Err(_) => view! { <span class="topbar-user muted">"Offline"</span> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </header>
        <main id="main" class="container" tabindex="-1">
            <Outlet />
        </main>
        <ToastRegion />
    }
}

#[component]
fn UserMenu(user: UserView) -> impl IntoView {
    let initial = user
        .display_name
        .chars()
        .next()
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_default();
    view! {
        <div class="topbar-user">
            <span class="avatar" aria-hidden="true">{initial}</span>
            <span class="topbar-name" title=user.email.clone().unwrap_or_default()>{user.display_name.clone()}</span>
            <form method="post" action=routes::LOGOUT>
                <button type="submit" class="btn btn-ghost btn-small">"Sign out"</button>
            </form>
        </div>
    }
}
