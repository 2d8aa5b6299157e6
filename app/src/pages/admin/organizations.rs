//! "Organisations": every organisation with its plan (changeable), owner, members and creation
//! date; and the plan new organisations start on.

use leptos::prelude::*;

use super::Timestamp;
use crate::{
    components::form::{action_error, FormError},
    pages::organization::dom_id,
    server_fns::admin::{OrganizationRow, SetDefaultPlan, SetOrganizationPlan},
};

/// The organisations section.
#[component]
pub fn Organizations(
    organizations: Vec<OrganizationRow>,
    default_plan: String,
    set_plan: ServerAction<SetOrganizationPlan>,
    set_default: ServerAction<SetDefaultPlan>,
) -> impl IntoView {
    let plan_error = action_error(set_plan);
    let default_error = action_error(set_default);
    let is_pro = default_plan == "pro";
    let table = if organizations.is_empty() {
        view! { <p class="empty-note">"No organisations yet."</p> }.into_any()
    } else {
        view! {
            <div class="table-scroll" role="region" aria-labelledby="organizations-title" tabindex="0">
                <table class="table" id="organizations-table">
                    <thead>
                        <tr>
                            <th scope="col">"Organisation"</th>
                            <th scope="col">"Owner"</th>
                            <th scope="col" class="num">"Members"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Plan"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {organizations
                            .into_iter()
                            .map(|o| {
                                let select_id = format!("plan-{}", dom_id(&o.id));
                                let label = format!("Plan of {}", o.name);
                                let (free, pro) = (o.plan == "free", o.plan == "pro");
                                let data_name = o.name.clone();
                                view! {
                                    <tr data-organization=data_name>
                                        <th scope="row">{o.name}</th>
                                        <td>{o.owner.unwrap_or_else(|| "—".into())}</td>
                                        <td class="num">{o.members}</td>
                                        <td><Timestamp rfc3339=o.created_at /></td>
                                        <td>
                                            <ActionForm action=set_plan attr:class="inline-form">
                                                <input type="hidden" name="organization_id" value=o.id />
                                                <label class="visually-hidden" for=select_id.clone()>{label.clone()}</label>
                                                <select id=select_id name="plan" class="input input-small">
                                                    <option value="free" selected=free>"Free"</option>
                                                    <option value="pro" selected=pro>"Pro"</option>
                                                </select>
                                                <button type="submit" class="btn btn-secondary btn-small" aria-label=format!("Save {label}")>
                                                    "Save"
                                                </button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="organizations-title">
            <h2 id="organizations-title">"Organisations"</h2>
            <ActionForm action=set_default attr:class="inline-form default-plan">
                <label for="default-plan">"New organisations start on"</label>
                <select id="default-plan" name="plan" class="input input-small" aria-describedby="default-plan-hint">
                    <option value="free" selected=!is_pro>"Free"</option>
                    <option value="pro" selected=is_pro>"Pro"</option>
                </select>
                <button type="submit" class="btn btn-secondary btn-small">"Save default plan"</button>
            </ActionForm>
            <p class="field-hint" id="default-plan-hint">
                "Pro makes every new organisation limit-free (for a self-hosted gateway). Existing organisations keep their plan."
            </p>
            <FormError error=default_error id="default-plan-error" />
            <FormError error=plan_error id="plan-error" />
            {table}
        </section>
    }
}
