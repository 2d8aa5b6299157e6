//! `/admin`: the operators' page — consent links for new customers, the onboarded Microsoft
//! tenants (with offboarding) and the onboardings still in progress.
//!
//! Every server function behind it checks that the caller is an operator; a signed-in user who is
//! not one sees why (status 403) instead of an empty page.

mod onboard_customer;
mod pending;
mod tenants;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use self::{onboard_customer::OnboardCustomer, pending::PendingOnboardings, tenants::Tenants};
use super::outcome::{set_status, FORBIDDEN};
use crate::{
    components::status::{ErrorPanel, Loading},
    error::PortalError,
    routes,
    server_fns::admin::{get_admin_overview, AdminOverview, CreateConsentLink},
};

/// The overview as loaded (and reloaded after offboarding).
type OverviewResource = Resource<Result<AdminOverview, PortalError>>;

/// The operators' page.
#[component]
pub fn AdminPage() -> impl IntoView {
    let overview: OverviewResource = Resource::new(|| (), |_| get_admin_overview());
    // Created here, outside the part that reloads, so a consent link just created (and the name
    // typed) survive the reload that follows an offboarding.
    let create_link = ServerAction::<CreateConsentLink>::new();
    let customer_name = RwSignal::new(String::new());
    let focus_tenants = StoredValue::new(false);
    view! {
        <Title text="Administration" />
        <div class="page-header">
            <h1>"Administration"</h1>
            <p class="muted">"Customers' Microsoft tenants: onboarding, sign-ins and offboarding."</p>
        </div>
        // A transition, not a suspense: while the overview reloads the old one stays on screen.
        <Transition fallback=|| view! { <Loading label="Loading the administration page…" /> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(data) => {
                        view! {
                            <Overview data overview create_link customer_name focus_tenants />
                        }
                            .into_any()
                    }
                    Err(PortalError::Unauthorized) => {
                        view! { <Redirect path=routes::login_with_next(routes::ADMIN) /> }.into_any()
                    }
                    Err(PortalError::Forbidden) => {
                        set_status(FORBIDDEN);
                        view! { <OperatorsOnly /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Overview(
    data: AdminOverview,
    overview: OverviewResource,
    create_link: ServerAction<CreateConsentLink>,
    customer_name: RwSignal<String>,
    focus_tenants: StoredValue<bool>,
) -> impl IntoView {
    let AdminOverview {
        microsoft_configured,
        tenants,
        pending,
    } = data;
    view! {
        <div class="stack">
            <OnboardCustomer microsoft_configured create_link customer_name />
            <Tenants tenants overview focus_tenants />
            <PendingOnboardings pending />
        </div>
    }
}

#[component]
fn OperatorsOnly() -> impl IntoView {
    view! {
        <div class="alert alert-error" role="alert">
            <h2>"Operators only"</h2>
            <p>
                "This page is for the gateway's operators. Ask an operator to grant you access with "
                <code>"mcp-gateway admin grant"</code>
                "."
            </p>
        </div>
    }
}

/// A signal that turns true once the page is hydrated. Buttons whose only behaviour is in the
/// wasm bundle stay disabled until then, so a click before hydration is not silently lost.
fn hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

/// An RFC 3339 time as `<time datetime=…>` with a short readable text ("2026-11-26 09:30 UTC").
#[component]
fn Timestamp(rfc3339: String) -> impl IntoView {
    let text = readable_time(&rfc3339);
    view! { <time datetime=rfc3339>{text}</time> }
}

/// "YYYY-MM-DD HH:MM" plus the zone: "UTC" for `Z`/`+00:00` (what the server sends), else the
/// offset as written.
fn readable_time(rfc3339: &str) -> String {
    let minute: String = rfc3339
        .chars()
        .take(16)
        .collect::<String>()
        .replace('T', " ");
    if rfc3339.ends_with('Z') || rfc3339.ends_with('z') || rfc3339.ends_with("+00:00") {
        format!("{minute} UTC")
    } else {
        let offset: String = rfc3339
            .char_indices()
            .skip(19)
            .find(|(_, c)| *c == '+' || *c == '-')
            .map(|(i, _)| rfc3339[i..].to_owned())
            .unwrap_or_default();
        format!("{minute} {offset}").trim_end().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_to_the_minute_in_utc() {
        assert_eq!(
            readable_time("2026-11-26T09:30:12Z"),
            "2026-11-26 09:30 UTC"
        );
        assert_eq!(
            readable_time("2026-11-26T09:30:12.123456Z"),
            "2026-11-26 09:30 UTC"
        );
        assert_eq!(
            readable_time("2026-11-26T09:30:12+00:00"),
            "2026-11-26 09:30 UTC"
        );
    }

    #[test]
    fn another_offset_is_named_rather_than_called_utc() {
        assert_eq!(
            readable_time("2026-11-26T10:30:12+01:00"),
            "2026-11-26 10:30 +01:00"
        );
        assert_eq!(
            readable_time("2026-11-26T04:30:12.5-05:00"),
            "2026-11-26 04:30 -05:00"
        );
        assert_eq!(readable_time("not a time"), "not a time");
    }
}
