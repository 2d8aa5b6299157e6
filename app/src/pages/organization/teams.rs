//! Teams (groups of the organisation's members): create, delete, add and remove members. They
//! scope shared connections and tool access.

use leptos::prelude::*;

use super::{dom_id, OrganizationActions, Unavailable};
use crate::{
    components::form::{action_error, FormError},
    server_fns::organization::{Capabilities, MemberRow, TeamRow},
};

/// The teams section.
#[component]
pub fn Teams(
    teams: Vec<TeamRow>,
    members: Vec<MemberRow>,
    can: Capabilities,
    actions: OrganizationActions,
) -> impl IntoView {
    let manage = can.manage_teams.is_none();
    let create_error = action_error(actions.create_team);
    let errors = [
        action_error(actions.delete_team),
        action_error(actions.add_to_team),
        action_error(actions.remove_from_team),
    ];
    let error = Signal::derive(move || errors.iter().find_map(|e| e.get()));
    // A created team empties the name field for the next one (a refusal keeps it).
    let create_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if actions
            .create_team
            .value()
            .with(|v| matches!(v, Some(Ok(()))))
        {
            if let Some(form) = create_form.get_untracked() {
                form.reset();
            }
        }
    });
    let list = if teams.is_empty() {
        view! { <p class="empty-note">"No teams yet."</p> }.into_any()
    } else {
        view! {
            <ul class="team-list" id="teams">
                {teams
                    .into_iter()
                    .map(|team| {
                        view! { <TeamView team members=members.clone() manage actions /> }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="teams-title">
            <h2 id="teams-title">"Teams"</h2>
            <p class="muted">
                "Teams group members so connections and tool access can be shared with just them."
            </p>
            {match can.manage_teams {
                Some(reason) => view! { <Unavailable reason id="teams-unavailable" /> }.into_any(),
                None => {
                    view! {
                        <ActionForm action=actions.create_team node_ref=create_form>
                            <div class="field">
                                <label for="team-name">"New team"</label>
                                <div class="input-group">
                                    <input id="team-name" name="name" class="input" type="text" required maxlength="100" />
                                    <button type="submit" class="btn btn-secondary">"Create team"</button>
                                </div>
                                <FormError error=create_error id="team-error" />
                            </div>
                        </ActionForm>
                    }
                        .into_any()
                }
            }}
            <FormError error id="team-change-error" />
            {list}
        </section>
    }
}

#[component]
fn TeamView(
    team: TeamRow,
    members: Vec<MemberRow>,
    manage: bool,
    actions: OrganizationActions,
) -> impl IntoView {
    let TeamRow {
        id,
        name,
        members: inside,
    } = team;
    let outside: Vec<MemberRow> = members
        .into_iter()
        .filter(|m| !inside.iter().any(|(uid, _)| *uid == m.user_id))
        .collect();
    let select_id = format!("add-to-{}", dom_id(&id));
    let heading_id = format!("team-{}", dom_id(&id));
    let labelled_by = heading_id.clone();
    let data_name = name.clone();
    let delete = if manage {
        let (team_id, question, confirm) = (
            id.clone(),
            format!("Delete “{name}”? Its members stay in the organisation."),
            format!("Delete {name}"),
        );
        Some(view! {
            <details class="inline-confirm">
                <summary class="btn btn-ghost btn-small" aria-label=format!("Delete team {name}…")>"Delete…"</summary>
                <ActionForm action=actions.delete_team attr:class="confirm">
                    <input type="hidden" name="team_id" value=team_id />
                    <p>{question}</p>
                    <button type="submit" class="btn btn-danger btn-small">{confirm}</button>
                </ActionForm>
            </details>
        })
    } else {
        None
    };
    let chips = if inside.is_empty() {
        view! { <p class="empty-note">"No members yet."</p> }.into_any()
    } else {
        let chips: Vec<_> = inside
            .into_iter()
            .map(|(uid, member)| {
                let remove = if manage {
                    let (team_id, label) = (id.clone(), format!("Remove {member} from {name}"));
                    Some(view! {
                        <ActionForm action=actions.remove_from_team attr:class="inline-form">
                            <input type="hidden" name="team_id" value=team_id />
                            <input type="hidden" name="user_id" value=uid />
                            <button type="submit" class="chip-remove" aria-label=label>
                                "×"
                            </button>
                        </ActionForm>
                    })
                } else {
                    None
                };
                view! { <li class="chip">{member} {remove}</li> }
            })
            .collect();
        view! { <ul class="chips">{chips}</ul> }.into_any()
    };
    let add = if manage && !outside.is_empty() {
        let (team_id, label, button) = (
            id.clone(),
            format!("Member to add to {name}"),
            format!("Add to {name}"),
        );
        let options = outside
            .into_iter()
            .map(|m| view! { <option value=m.user_id>{m.name}</option> })
            .collect_view();
        Some(view! {
            <ActionForm action=actions.add_to_team attr:class="inline-form">
                <input type="hidden" name="team_id" value=team_id />
                <label class="visually-hidden" for=select_id.clone()>{label}</label>
                <select id=select_id name="user_id" class="input input-small">
                    {options}
                </select>
                <button type="submit" class="btn btn-secondary btn-small" aria-label=button>"Add"</button>
            </ActionForm>
        })
    } else {
        None
    };
    view! {
        <li class="team" aria-labelledby=labelled_by data-team=data_name>
            <div class="team-header">
                <h3 id=heading_id>{name}</h3>
                {delete}
            </div>
            {chips}
            {add}
        </li>
    }
}
