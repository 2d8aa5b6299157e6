//! Members: name, email, role, teams, joined, last active; role changes and removal for
//! the owner and admins (never on the owner, never on oneself).

use leptos::prelude::*;

use super::{dom_id, OrganizationActions, Unavailable};
use crate::{
    components::{
        form::{action_error, FormError},
        timestamp::Timestamp,
    },
    server_fns::organization::{Capabilities, MemberRow},
};

/// The members section.
#[component]
pub fn Members(
    members: Vec<MemberRow>,
    can: Capabilities,
    actions: OrganizationActions,
) -> impl IntoView {
    let role_error = action_error(actions.change_role);
    let remove_error = action_error(actions.remove_member);
    let manage = can.manage_members.is_none();
    let count = members.len();
    view! {
        <section class="card" aria-labelledby="members-title">
            <h2 id="members-title">{format!("Members ({count})")}</h2>
            {can.manage_members.map(|reason| view! { <Unavailable reason id="members-unavailable" /> })}
            <FormError error=role_error id="role-error" />
            <FormError error=remove_error id="remove-error" />
            <div class="table-scroll" role="region" aria-labelledby="members-title" tabindex="0">
                <table class="table" id="members-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Teams"</th>
                            <th scope="col">"Joined"</th>
                            <th scope="col">"Last active"</th>
                            {manage.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                        </tr>
                    </thead>
                    <tbody>
                        {members
                            .into_iter()
                            .map(|member| view! { <MemberRowView member manage actions /> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn MemberRowView(member: MemberRow, manage: bool, actions: OrganizationActions) -> impl IntoView {
    let MemberRow {
        user_id,
        name,
        email,
        role,
        role_label,
        joined_at,
        last_active_at,
        teams,
        is_me,
    } = member;
    let id = dom_id(&user_id);
    let editable = manage && !is_me && role != "owner";
    let controls = manage.then(|| {
        if !editable {
            let why = if is_me {
                "Your own role is changed by another admin or the owner."
            } else {
                "The owner's role changes only by a transfer of ownership."
            };
            return view! {
                <td class="actions-cell">
                    <span class="muted" aria-hidden="true" title=why>"—"</span>
                    <span class="visually-hidden">{why}</span>
                </td>
            }
            .into_any();
        }
        let select_id = format!("role-{id}");
        let (role_uid, remove_uid) = (user_id.clone(), user_id.clone());
        let (role_label_text, save_label) = (format!("Role of {name}"), format!("Save role of {name}"));
        let (remove_summary, question, confirm) = (
            format!("Remove {name}…"),
            format!("Remove {name} from the organisation? Their access to shared connections ends at once."),
            format!("Remove {name}"),
        );
        let (is_member, is_admin) = (role == "member", role == "admin");
        view! {
            <td class="actions-cell">
                <ActionForm action=actions.change_role attr:class="inline-form">
                    <input type="hidden" name="user_id" value=role_uid />
                    <label class="visually-hidden" for=select_id.clone()>{role_label_text}</label>
                    <select id=select_id name="role" class="input input-small">
                        <option value="member" selected=is_member>"Member"</option>
                        <option value="admin" selected=is_admin>"Admin"</option>
                    </select>
                    <button type="submit" class="btn btn-secondary btn-small" aria-label=save_label>
                        "Save"
                    </button>
                </ActionForm>
                <details class="inline-confirm">
                    <summary class="btn btn-ghost btn-small" aria-label=remove_summary>"Remove…"</summary>
                    <ActionForm action=actions.remove_member attr:class="confirm">
                        <input type="hidden" name="user_id" value=remove_uid />
                        <p>{question}</p>
                        <button type="submit" class="btn btn-danger btn-small">{confirm}</button>
                    </ActionForm>
                </details>
            </td>
        }
        .into_any()
    });
    view! {
        <tr data-member=name.clone()>
            <th scope="row">
                {name.clone()}
                {is_me.then(|| view! { <span class="cell-note">" (you)"</span> })}
                {email.map(|e| view! { <span class="cell-note">{e}</span> })}
            </th>
            <td data-role=role.clone()>{role_label}</td>
            <td>
                {if teams.is_empty() {
                    view! { <span class="muted">"—"</span> }.into_any()
                } else {
                    teams.join(", ").into_any()
                }}
            </td>
            <td>
                <Timestamp rfc3339=joined_at />
            </td>
            <td>
                {match last_active_at {
                    Some(at) => view! { <Timestamp rfc3339=at /> }.into_any(),
                    None => view! { <span class="muted">"Never"</span> }.into_any(),
                }}
            </td>
            {controls}
        </tr>
    }
}
