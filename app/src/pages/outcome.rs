//! Pieces shared by the pages that explain a sign-in or onboarding outcome (`/auth/error`,
//! `/auth/not-onboarded`, `/auth/admin-consent/result`) and by other pages that must answer with
//! an HTTP status other than 200.
//!
//! The outcome itself is read from the session (`get_auth_notice`), never from the URL: a page
//! opened without one (a bookmark, a shared link) shows [`NothingToShow`].

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::status::{ErrorPanel, Loading},
    routes,
    server_fns::auth::{get_auth_notice, AuthNotice},
};

/// 400: the outcome is the browser's (or the user's) answer, not a fault of the gateway.
pub const BAD_REQUEST: u16 = 400;
/// 403: signed in, but not allowed here.
pub const FORBIDDEN: u16 = 403;
/// 404: the feature this page belongs to is not configured.
pub const NOT_FOUND: u16 = 404;
/// 503: an identity provider could not be reached.
pub const SERVICE_UNAVAILABLE: u16 = 503;

/// Sets the HTTP status of the page being rendered on the server; does nothing in the browser.
///
/// Called inside a `Suspend` once the page's data is known: pages render in `SsrMode::Async`, so
/// the response's head is written only after the whole page has rendered.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// The internal response header by which a page asks the security-headers middleware to allow
/// one more `form-action` source (removed before the response leaves the server).
pub const FORM_ACTION_HEADER: &str = "x-gateway-form-action";

/// Lets this page's forms end at `uri`'s origin (or scheme, for an app's private-use scheme):
/// the consent popup's POST answers with a 303 to the client's redirect URI, and Chrome applies
/// `form-action` to the redirects after a submission.
pub fn allow_form_action(uri: &str) {
    #[cfg(feature = "ssr")]
    {
        let source = match url::Url::parse(uri) {
            Ok(url) if url.scheme() == "http" || url.scheme() == "https" => {
                url.origin().ascii_serialization()
            }
            Ok(url) => format!("{}:", url.scheme()),
            Err(_) => return,
        };
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(&source),
        ) {
            response.insert_header(http::HeaderName::from_static(FORM_ACTION_HEADER), value);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = uri;
}

/// The card shown when there is no outcome to explain (status 200).
#[component]
pub fn NothingToShow() -> impl IntoView {
    view! {
        <Title text="Nothing to show here" />
        <div class="card auth-card">
            <h1>"Nothing to show here"</h1>
            <p class="muted">
                "There is no recent sign-in or onboarding to explain in this browser. "
                "It may have been shown already, or your session has ended."
            </p>
            <a class="btn btn-primary" href=routes::LOGIN>
                "Sign in"
            </a>
        </div>
    }
}

/// The identity provider's own words, folded away: useful to an administrator, noise to others.
/// Shown as text (never as markup), so a provider's message cannot inject anything. Then the
/// failed request's id, which an operator finds in the logs with the gateway's own error (never
/// shown: it may name internal addresses or library errors).
#[component]
pub fn TechnicalDetails(detail: Option<String>, reference: Option<String>) -> impl IntoView {
    let detail = detail.filter(|d| !d.trim().is_empty()).map(|detail| {
        view! {
            <details class="disclosure">
                <summary>"Technical details"</summary>
                <p>
                    <code>{detail}</code>
                </p>
            </details>
        }
    });
    let reference = reference.filter(|r| !r.is_empty()).map(|reference| {
        view! {
            <p class="muted">
                "If this keeps happening, give your administrator this reference: "
                <code class="mono">{reference}</code>
            </p>
        }
    });
    view! {
        {detail}
        {reference}
    }
}

/// The frame of an outcome page: loads this browser's [`AuthNotice`] and shows it with `render`,
/// which returns `None` for notices the page does not explain ([`NothingToShow`] then).
#[component]
pub fn NoticePage<F>(
    /// Title shown when the notice cannot be loaded.
    title: &'static str,
    /// Renders the notices this page explains (and sets the page's status).
    render: F,
) -> impl IntoView
where
    F: Fn(AuthNotice) -> Option<AnyView> + Clone + Send + Sync + 'static,
{
    let notice = Resource::new(|| (), |_| get_auth_notice());
    view! {
        <main id="main" class="auth-page">
            <Suspense fallback=|| view! { <Loading label="Loading…" /> }>
                {move || {
                    let render = render.clone();
                    Suspend::new(async move {
                        match notice.await {
                            Ok(notice) => notice
                                .and_then(render)
                                .unwrap_or_else(|| view! { <NothingToShow /> }.into_any()),
                            Err(error) => view! {
                                <Title text=title />
                                <ErrorPanel error />
                            }
                            .into_any(),
                        }
                    })
                }}
            </Suspense>
        </main>
    }
}
