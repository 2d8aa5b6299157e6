//! The "Tenants" table: every onboarded (or offboarded) Microsoft tenant, with offboarding behind
//! an inline confirmation.

use leptos::{html, prelude::*};

use super::{hydrated, OverviewResource, Timestamp};
use crate::{
    components::toast::{use_toasts, ToastKind},
    server_fns::admin::{offboard_tenant, TenantRow},
};

/// Columns of the table (the confirmation row spans them all).
const COLUMNS: &str = "7";

/// The tenants section.
#[component]
pub fn Tenants(
    tenants: Vec<TenantRow>,
    overview: OverviewResource,
    focus_tenants: StoredValue<bool>,
) -> impl IntoView {
    let region = NodeRef::<html::Div>::new();
    // After an offboarding the table is rebuilt from the reloaded overview and the button that
    // had focus is gone: focus goes to the table instead of being dropped on the page.
    // (The effect tracks the node reference: it may run before the rebuilt table is in place.)
    Effect::new(move |_| {
        if let Some(region) = region.get() {
            if focus_tenants.get_value() {
                focus_tenants.set_value(false);
                let _ = region.focus();
            }
        }
    });
    let body = if tenants.is_empty() {
        view! { <p class="empty-note">"No tenants onboarded yet."</p> }.into_any()
    } else {
        view! {
            <div
                class="table-scroll"
                role="region"
                aria-labelledby="tenants-title"
                tabindex="0"
                node_ref=region
            >
                <table class="table" aria-labelledby="tenants-title">
                    <thead>
                        <tr>
                            <th scope="col">"Customer"</th>
                            <th scope="col">"Tenant ID"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Onboarded"</th>
                            <th scope="col" class="num">"Users"</th>
                            <th scope="col">"Last sign-in"</th>
                            <th scope="col">
                                <span class="visually-hidden">"Actions"</span>
                            </th>
                        </tr>
                    </thead>
                    <tbody>
                        {tenants
                            .into_iter()
                            .map(|tenant| view! { <TenantRowView tenant overview focus_tenants /> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card">
            <h2 id="tenants-title">"Tenants"</h2>
            {body}
        </section>
    }
}

#[component]
fn TenantRowView(
    tenant: TenantRow,
    overview: OverviewResource,
    focus_tenants: StoredValue<bool>,
) -> impl IntoView {
    let TenantRow {
        tenant_id,
        customer_name,
        onboarded,
        onboarded_at,
        onboarded_by,
        offboarded,
        user_count,
        last_sign_in,
    } = tenant;
    let offboarding = onboarded.then(|| {
        Offboarding::new(
            tenant_id.clone(),
            customer_name.clone(),
            overview,
            focus_tenants,
        )
    });
    let status = if onboarded {
        view! { <span class="badge badge-success">"Onboarded"</span> }.into_any()
    } else {
        view! {
            <span class="badge badge-muted">"Offboarded"</span>
            {offboarded
                .map(|(at, by)| {
                    view! {
                        <span class="cell-note">
                            <Timestamp rfc3339=at />
                            " by "
                            {by}
                        </span>
                    }
                })}
        }
        .into_any()
    };
    let trigger = offboarding.map(|o| o.trigger_view(&customer_name));
    let confirmation = offboarding.map(|o| o.confirmation_view(&customer_name, &tenant_id));
    view! {
        <tr>
            <th scope="row">{customer_name}</th>
            <td>
                <code class="mono">{tenant_id}</code>
            </td>
            <td>{status}</td>
            <td>
                <Timestamp rfc3339=onboarded_at />
                // "account (entra:tid/oid)": the account fits the table; the identity is the title.
                <span class="cell-note" title=onboarded_by.clone()>
                    {format!("by {}", onboarded_by.split(" (").next().unwrap_or_default())}
                </span>
            </td>
            <td class="num">{user_count}</td>
            <td>
                {match last_sign_in {
                    Some(at) => view! { <Timestamp rfc3339=at /> }.into_any(),
                    None => view! { <span class="muted">"Never"</span> }.into_any(),
                }}
            </td>
            <td class="actions-cell">{trigger}</td>
        </tr>
        {confirmation}
    }
}

/// Offboarding one tenant: the "Offboard {customer}" button in its row and, once pressed, a
/// confirmation row under it. The button is hidden while the confirmation is open, so there is
/// one "Offboard" button to press, and focus moves between the two so keyboard users follow.
#[derive(Clone, Copy)]
struct Offboarding {
    confirming: RwSignal<bool>,
    hydrated: ReadSignal<bool>,
    trigger: NodeRef<html::Button>,
    cancel: NodeRef<html::Button>,
    action: Action<(), ()>,
}

impl Offboarding {
    fn new(
        tenant_id: String,
        customer_name: String,
        overview: OverviewResource,
        focus_tenants: StoredValue<bool>,
    ) -> Self {
        let toasts = use_toasts();
        let action = Action::new(move |_: &()| {
            let tenant_id = tenant_id.clone();
            let customer_name = customer_name.clone();
            async move {
                match offboard_tenant(tenant_id).await {
                    Ok(()) => {
                        toasts.show(ToastKind::Success, format!("{customer_name} offboarded"));
                        focus_tenants.set_value(true);
                    }
                    Err(error) => toasts.show(ToastKind::Error, error.to_string()),
                }
                // Either way the table shows the truth now (an error may mean that another
                // operator offboarded it meanwhile).
                overview.refetch();
            }
        });
        Self {
            confirming: RwSignal::new(false),
            hydrated: hydrated(),
            trigger: NodeRef::new(),
            cancel: NodeRef::new(),
            action,
        }
    }

    fn open(self) {
        self.confirming.set(true);
        request_animation_frame(move || {
            if let Some(button) = self.cancel.get_untracked() {
                let _ = button.focus();
            }
        });
    }

    fn close(self) {
        self.confirming.set(false);
        request_animation_frame(move || {
            if let Some(button) = self.trigger.get_untracked() {
                let _ = button.focus();
            }
        });
    }

    fn trigger_view(self, customer_name: &str) -> impl IntoView {
        let Self {
            confirming,
            hydrated,
            trigger,
            ..
        } = self;
        view! {
            <button
                type="button"
                class="btn btn-secondary btn-small"
                node_ref=trigger
                aria-label=format!("Offboard {customer_name}")
                hidden=move || confirming.get()
                disabled=move || !hydrated.get()
                on:click=move |_| self.open()
            >
                "Offboard"
            </button>
        }
    }

    fn confirmation_view(self, customer_name: &str, tenant_id: &str) -> impl IntoView {
        let question_id = format!("offboard-question-{}", dom_id_part(tenant_id));
        let question = format!(
            "Offboard {customer_name}? Its users are signed out at once and cannot sign in until \
             the tenant is onboarded again."
        );
        let Self {
            confirming,
            cancel,
            action,
            ..
        } = self;
        let pending = action.pending();
        view! {
            <Show when=move || confirming.get()>
                <tr class="confirm-row">
                    <td colspan=COLUMNS>
                        <div class="confirm" role="group" aria-labelledby=question_id.clone()>
                            <p id=question_id.clone()>{question.clone()}</p>
                            <div class="actions">
                                <button
                                    type="button"
                                    class="btn btn-danger btn-small"
                                    aria-busy=move || pending.get().to_string()
                                    disabled=move || pending.get()
                                    on:click=move |_| {
                                        action.dispatch(());
                                    }
                                >
                                    {move || if pending.get() { "Offboarding…" } else { "Offboard" }}
                                </button>
                                <button
                                    type="button"
                                    class="btn btn-secondary btn-small"
                                    node_ref=cancel
                                    disabled=move || pending.get()
                                    on:click=move |_| self.close()
                                >
                                    "Cancel"
                                </button>
                            </div>
                        </div>
                    </td>
                </tr>
            </Show>
        }
    }
}

/// A tenant id reduced to characters that are safe in an HTML id (tenant ids are GUIDs anyway).
fn dom_id_part(tenant_id: &str) -> String {
    tenant_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}
