//! Invite links: create (role, team, expiry, maximum uses), copy once, list with status,
//! revoke. Owners and admins of a Pro organisation.

use leptos::prelude::*;

use super::{OrganizationActions, Unavailable};
use crate::{
    components::{
        copy_button::CreatedValue,
        form::{action_error, FormError},
        timestamp::{readable_time, Timestamp},
    },
    server_fns::organization::{Capabilities, InvitationRow, TeamRow},
};

/// The invitations section.
#[component]
pub fn Invitations(
    invitations: Vec<InvitationRow>,
    teams: Vec<TeamRow>,
    can: Capabilities,
    actions: OrganizationActions,
) -> impl IntoView {
    let body = match can.manage_invitations {
        Some(reason) => view! { <Unavailable reason id="invitations-unavailable" /> }.into_any(),
        None => view! {
            <CreateInvitationForm teams actions />
            <InvitationList invitations actions />
        }
        .into_any(),
    };
    view! {
        <section class="card" aria-labelledby="invitations-title">
            <h2 id="invitations-title">"Invitations"</h2>
            {body}
        </section>
    }
}

#[component]
fn CreateInvitationForm(teams: Vec<TeamRow>, actions: OrganizationActions) -> impl IntoView {
    let action = actions.create_invitation;
    let error = action_error(action);
    let pending = action.pending();
    let created = Memo::new(move |_| action.value().get().and_then(Result::ok));
    view! {
        <ActionForm action attr:class="form-grid" attr:id="create-invitation">
            <div class="field">
                <label for="invite-role">"Role"</label>
                <select id="invite-role" name="role" class="input">
                    <option value="member" selected>"Member"</option>
                    <option value="admin">"Admin"</option>
                </select>
            </div>
            <div class="field">
                <label for="invite-team">"Team"</label>
                <select id="invite-team" name="team_id" class="input">
                    <option value="" selected>"None"</option>
                    {teams
                        .into_iter()
                        .map(|d| view! { <option value=d.id>{d.name}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="invite-expiry">"Expires after (days)"</label>
                <input id="invite-expiry" name="expires_in_days" class="input" type="number" min="1" max="30" value="7" required />
            </div>
            <div class="field">
                <label for="invite-max-uses">"Maximum uses"</label>
                <input
                    id="invite-max-uses"
                    name="max_uses"
                    class="input"
                    type="number"
                    min="1"
                    max="1000"
                    placeholder="No limit"
                />
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Creating…" } else { "Create invite link" }}
                </button>
            </div>
        </ActionForm>
        <FormError error id="invitation-error" />
        {move || {
            created
                .get()
                .map(|created| {
                    view! {
                        <CreatedValue
                            id="new-invite-link"
                            label="New invite link"
                            value=created.url
                            copy_label="Copy the invite link"
                            confirmation="Invite link copied"
                            hint=format!(
                                "Copy it now: it is shown only once. It expires {}.",
                                readable_time(&created.expires_at),
                            )
                        />
                    }
                })
        }}
    }
}

#[component]
fn InvitationList(invitations: Vec<InvitationRow>, actions: OrganizationActions) -> impl IntoView {
    let revoke_error = action_error(actions.revoke_invitation);
    if invitations.is_empty() {
        return view! { <p class="empty-note">"No invite links yet."</p> }.into_any();
    }
    view! {
        <FormError error=revoke_error id="revoke-error" />
        <div class="table-scroll" role="region" aria-label="Invite links" tabindex="0">
            <table class="table" id="invitations-table">
                <thead>
                    <tr>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Team"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Uses"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {invitations
                        .into_iter()
                        .map(|i| {
                            let (badge, label) = match i.status.as_str() {
                                "active" => ("badge badge-success", "Active"),
                                "expired" => ("badge badge-muted", "Expired"),
                                "revoked" => ("badge badge-muted", "Revoked"),
                                _ => ("badge badge-warning", "Used up"),
                            };
                            let revoke = (i.status == "active").then(|| {
                                let (id, label) = (i.id.clone(), format!("Revoke the {} link created {}", i.role_label.to_lowercase(), crate::components::timestamp::readable_time(&i.created_at)));
                                view! {
                                    <ActionForm action=actions.revoke_invitation>
                                        <input type="hidden" name="invitation_id" value=id />
                                        <button type="submit" class="btn btn-secondary btn-small" aria-label=label>"Revoke"</button>
                                    </ActionForm>
                                }
                            });
                            view! {
                                <tr data-invitation=i.id.clone()>
                                    <th scope="row">{i.role_label}</th>
                                    <td>{i.team.unwrap_or_else(|| "—".into())}</td>
                                    <td>
                                        <Timestamp rfc3339=i.created_at />
                                        <span class="cell-note">{format!("by {}", i.inviter)}</span>
                                    </td>
                                    <td><Timestamp rfc3339=i.expires_at /></td>
                                    <td>{i.uses}</td>
                                    <td><span class=badge>{label}</span></td>
                                    <td class="actions-cell">
                                        {revoke}
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
}
