//! "Invite codes": codes that make an organisation Pro when entered at its creation (or by its owner).
//! A code is shown once, when created; the gateway keeps only its hash.

use leptos::prelude::*;

use super::Timestamp;
use crate::{
    components::{
        copy_button::CreatedValue,
        form::{action_error, FormError},
    },
    server_fns::admin::{CreateInviteCode, InviteCodeRow, RevokeInviteCode},
};

/// The invite codes section.
#[component]
pub fn InviteCodes(
    codes: Vec<InviteCodeRow>,
    create: ServerAction<CreateInviteCode>,
    revoke: ServerAction<RevokeInviteCode>,
) -> impl IntoView {
    let create_error = action_error(create);
    let revoke_error = action_error(revoke);
    let created = Memo::new(move |_| create.value().get().and_then(Result::ok));
    let list = if codes.is_empty() {
        view! { <p class="empty-note">"No invite codes yet."</p> }.into_any()
    } else {
        view! {
            <div class="table-scroll" role="region" aria-labelledby="codes-title" tabindex="0">
                <table class="table" id="invite-codes-table">
                    <thead>
                        <tr>
                            <th scope="col">"For"</th>
                            <th scope="col">"Uses"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {codes
                            .into_iter()
                            .map(|c| {
                                let status = match (&c.revoked_at, c.usable) {
                                    (Some(_), _) => view! { <span class="badge badge-muted">"Revoked"</span> }.into_any(),
                                    (None, true) => view! { <span class="badge badge-success">"Active"</span> }.into_any(),
                                    (None, false) => view! { <span class="badge badge-warning">"Used up"</span> }.into_any(),
                                };
                                let revoke_form = c.revoked_at.is_none().then(|| {
                                    let (id, label) = (c.id.clone(), format!("Revoke the code for {}", c.label));
                                    view! {
                                        <ActionForm action=revoke>
                                            <input type="hidden" name="code_id" value=id />
                                            <button type="submit" class="btn btn-secondary btn-small" aria-label=label>"Revoke"</button>
                                        </ActionForm>
                                    }
                                });
                                let (at, by) = c.created;
                                let data_label = c.label.clone();
                                view! {
                                    <tr data-code=data_label>
                                        <th scope="row">{c.label}</th>
                                        <td>{c.uses}</td>
                                        <td>
                                            <Timestamp rfc3339=at />
                                            <span class="cell-note">{format!("by {by}")}</span>
                                        </td>
                                        <td>{status}</td>
                                        <td class="actions-cell">{revoke_form}</td>
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
        <section class="card" aria-labelledby="codes-title">
            <h2 id="codes-title">"Invite codes"</h2>
            <p class="muted">"A code entered when an organisation is created (or later by its owner) makes it Pro."</p>
            <ActionForm action=create attr:class="form-grid">
                <div class="field">
                    <label for="code-label">"For (label)"</label>
                    <input id="code-label" name="label" class="input" type="text" required maxlength="100" />
                </div>
                <div class="field">
                    <label for="code-max-uses">"Maximum uses"</label>
                    <input id="code-max-uses" name="max_uses" class="input" type="number" min="1" placeholder="No limit" />
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary">"Create invite code"</button>
                </div>
            </ActionForm>
            <FormError error=create_error id="code-error" />
            {move || {
                created
                    .get()
                    .map(|code| {
                        view! {
                            <CreatedValue
                                id="new-invite-code"
                                label="New invite code"
                                value=code
                                copy_label="Copy the invite code"
                                confirmation="Invite code copied"
                                hint="Copy it now: it is shown only once."
                            />
                        }
                    })
            }}
            <FormError error=revoke_error id="code-revoke-error" />
            {list}
        </section>
    }
}
