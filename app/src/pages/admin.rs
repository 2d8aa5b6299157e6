//! `/admin`: the operators' page — consent links for new customers, the onboarded Microsoft
//! tenants (with offboarding) and the onboardings still in progress.
//!
//! Every server function behind it checks that the caller is an operator; a signed-in user who is
//! not one sees why (status 403) instead of an empty page.

mod invite_codes;
mod onboard_customer;
mod organizations;
mod pending;
mod tenants;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use self::{
    invite_codes::InviteCodes, onboard_customer::OnboardCustomer, organizations::Organizations,
    pending::PendingOnboardings, tenants::Tenants,
};
use super::outcome::{set_status, FORBIDDEN};
use crate::components::form::successes;
pub(crate) use crate::components::{form::hydrated, timestamp::Timestamp};
use crate::{
    components::status::{ErrorPanel, Loading},
    error::PortalError,
    routes,
    server_fns::admin::{
        get_admin_overview, AdminOverview, CreateConsentLink, CreateInviteCode, RevokeInviteCode,
        SetDefaultPlan, SetOrganizationPlan,
    },
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
    let (set_plan, set_default) = (ServerAction::new(), ServerAction::new());
    let (create_code, revoke_code) = (ServerAction::new(), ServerAction::new());
    let actions = AdminActions {
        set_plan,
        set_default,
        create_code,
        revoke_code,
        changes: [
            successes(set_plan),
            successes(set_default),
            successes(create_code),
            successes(revoke_code),
        ],
    };
    // The page shows the truth after each change.
    Effect::new(move |previous: Option<[usize; 4]>| {
        let versions = actions.versions();
        if previous.is_some_and(|p| p != versions) {
            overview.refetch();
        }
        versions
    });
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
                            <Overview data overview create_link customer_name focus_tenants actions />
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
    actions: AdminActions,
) -> impl IntoView {
    let AdminOverview {
        microsoft_configured,
        tenants,
        pending,
        organizations,
        invite_codes,
        default_plan,
    } = data;
    view! {
        <div class="stack">
            <OnboardCustomer microsoft_configured create_link customer_name />
            <Tenants tenants overview focus_tenants />
            <PendingOnboardings pending overview />
            // Type-erased: the page's nested view types are otherwise too deep for the compiler.
            {view! {
                <Organizations
                    organizations
                    default_plan
                    set_plan=actions.set_plan
                    set_default=actions.set_default
                />
            }
                .into_any()}
            {view! {
                <InviteCodes codes=invite_codes create=actions.create_code revoke=actions.revoke_code />
            }
                .into_any()}
        </div>
    }
}

/// The changes to organisations' plans and invite codes.
#[derive(Clone, Copy)]
struct AdminActions {
    set_plan: ServerAction<SetOrganizationPlan>,
    set_default: ServerAction<SetDefaultPlan>,
    create_code: ServerAction<CreateInviteCode>,
    revoke_code: ServerAction<RevokeInviteCode>,
    changes: [Memo<usize>; 4],
}

impl AdminActions {
    /// Changes whenever one of them succeeds (a refusal keeps the forms as typed).
    fn versions(self) -> [usize; 4] {
        self.changes.map(|c| c.get())
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
