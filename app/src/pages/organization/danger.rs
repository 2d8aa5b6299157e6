//! Ownership and deletion: transfer ownership to another member; delete the organisation after
//! typing its name. Owner only.

use leptos::prelude::*;

use super::{OrganizationActions, Unavailable};
use crate::{
    components::form::{action_error, FormError},
    server_fns::organization::{Capabilities, MemberRow},
};

/// The "Ownership and deletion" section.
#[component]
pub fn DangerZone(
    name: String,
    members: Vec<MemberRow>,
    can: Capabilities,
    actions: OrganizationActions,
) -> impl IntoView {
    let transfer_error = action_error(actions.transfer);
    let delete_error = action_error(actions.delete_organization);
    let others: Vec<MemberRow> = members.into_iter().filter(|m| !m.is_me).collect();
    let transfer = match (can.transfer_ownership, others.is_empty()) {
        (Some(reason), _) => view! { <Unavailable reason id="transfer-unavailable" /> }.into_any(),
        (None, true) => view! { <p class="muted">"Invite a colleague first: ownership goes to another member."</p> }.into_any(),
        (None, false) => view! {
            <ActionForm action=actions.transfer>
                <div class="field">
                    <label for="new-owner">"New owner"</label>
                    <div class="input-group">
                        <select id="new-owner" name="user_id" class="input" aria-describedby="transfer-hint">
                            {others
                                .into_iter()
                                .map(|m| view! { <option value=m.user_id>{m.name}</option> })
                                .collect_view()}
                        </select>
                        <button type="submit" class="btn btn-secondary">"Transfer ownership"</button>
                    </div>
                    <p class="field-hint" id="transfer-hint">"You become an admin of the organisation."</p>
                    <FormError error=transfer_error id="transfer-error" />
                </div>
            </ActionForm>
        }
        .into_any(),
    };
    let delete = match can.delete_organization {
        Some(reason) => view! { <Unavailable reason id="delete-unavailable" /> }.into_any(),
        None => view! {
            <ActionForm action=actions.delete_organization>
                <div class="field">
                    <label for="confirm-name">{format!("Type “{name}” to delete the organisation")}</label>
                    <div class="input-group">
                        <input
                            id="confirm-name"
                            name="confirm_name"
                            class="input"
                            type="text"
                            required
                            autocomplete="off"
                            aria-describedby="delete-hint"
                        />
                        <button type="submit" class="btn btn-danger">"Delete organisation"</button>
                    </div>
                    <p class="field-hint" id="delete-hint">
                        "Removes every member, team, invite link and shared connection. The audit log is kept."
                    </p>
                    <FormError error=delete_error id="delete-error" />
                </div>
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <section class="card card-danger" aria-labelledby="danger-title">
            <h2 id="danger-title">"Ownership and deletion"</h2>
            <h3>"Transfer ownership"</h3>
            {transfer}
            <h3>"Delete organisation"</h3>
            {delete}
        </section>
    }
}
