//! Service clients: machine identities for the API and automation (`client_credentials`; not
//! for Claude's connectors). Create, rotate the secret, delete. Owners and admins of a Pro
//! organisation.

use leptos::prelude::*;

use super::{OrganizationActions, Unavailable};
use crate::{
    components::{
        copy_button::CreatedValue,
        form::{action_error, FormError},
        timestamp::Timestamp,
    },
    server_fns::organization::{Capabilities, ServiceClientRow, ServiceCredentialView},
};

/// The service clients section.
#[component]
pub fn ServiceClients(
    clients: Vec<ServiceClientRow>,
    can: Capabilities,
    actions: OrganizationActions,
) -> impl IntoView {
    let body = match can.manage_service_clients {
        Some(reason) => {
            view! { <Unavailable reason id="service-clients-unavailable" /> }.into_any()
        }
        None => view! { <Manage clients actions /> }.into_any(),
    };
    view! {
        <section class="card" aria-labelledby="service-clients-title">
            <h2 id="service-clients-title">"Service clients"</h2>
            <p class="muted">
                "Machine identities for scripts and automation: they get tokens with the client-credentials grant and "
                "act for the organisation with its shared connections. They do not work in Claude's connectors."
            </p>
            {body}
        </section>
    }
}

#[component]
fn Manage(clients: Vec<ServiceClientRow>, actions: OrganizationActions) -> impl IntoView {
    let create_error = action_error(actions.create_service_client);
    let errors = [
        action_error(actions.rotate_service_client),
        action_error(actions.delete_service_client),
    ];
    let change_error = Signal::derive(move || errors.iter().find_map(|e| e.get()));
    let created = Memo::new(move |_| {
        let from_create = actions
            .create_service_client
            .value()
            .get()
            .and_then(Result::ok);
        let from_rotate = actions
            .rotate_service_client
            .value()
            .get()
            .and_then(Result::ok);
        from_rotate.or(from_create)
    });
    let list = if clients.is_empty() {
        view! { <p class="empty-note">"No service clients yet."</p> }.into_any()
    } else {
        view! {
            <div class="table-scroll" role="region" aria-label="Service clients" tabindex="0">
                <table class="table" id="service-clients-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Client ID"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {clients
                            .into_iter()
                            .map(|c| {
                                let (rotate_id, delete_id) = (c.client_id.clone(), c.client_id.clone());
                                let (rotate_label, delete_label) = (format!("Rotate the secret of {}", c.name), format!("Delete {}", c.name));
                                view! {
                                    <tr>
                                        <th scope="row">{c.name}</th>
                                        <td><code>{c.client_id}</code></td>
                                        <td><Timestamp rfc3339=c.created_at /></td>
                                        <td>
                                            {match c.last_used_at {
                                                Some(at) => view! { <Timestamp rfc3339=at /> }.into_any(),
                                                None => view! { <span class="muted">"Never"</span> }.into_any(),
                                            }}
                                        </td>
                                        <td class="actions-cell">
                                            <ActionForm action=actions.rotate_service_client attr:class="inline-form">
                                                <input type="hidden" name="client_id" value=rotate_id />
                                                <button type="submit" class="btn btn-secondary btn-small" aria-label=rotate_label>"Rotate secret"</button>
                                            </ActionForm>
                                            <ActionForm action=actions.delete_service_client attr:class="inline-form">
                                                <input type="hidden" name="client_id" value=delete_id />
                                                <button type="submit" class="btn btn-ghost btn-small" aria-label=delete_label>"Delete"</button>
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
        <ActionForm action=actions.create_service_client>
            <div class="field">
                <label for="service-client-name">"New service client"</label>
                <div class="input-group">
                    <input id="service-client-name" name="name" class="input" type="text" required maxlength="100" placeholder="e.g. Nightly ticket export" />
                    <button type="submit" class="btn btn-secondary">"Create service client"</button>
                </div>
                <FormError error=create_error id="service-client-error" />
            </div>
        </ActionForm>
        {move || created.get().map(|ServiceCredentialView { client_id, client_secret }| view! {
            <CreatedValue
                id="new-service-client-id"
                label="Client ID"
                value=client_id
                copy_label="Copy the client ID"
                confirmation="Client ID copied"
                hint="Use with the client-credentials grant at /token."
            />
            <CreatedValue
                id="new-service-client-secret"
                label="Client secret"
                value=client_secret
                copy_label="Copy the client secret"
                confirmation="Client secret copied"
                hint="Copy it now: it is shown only once. Rotating it stops the old one and its tokens at once."
            />
        })}
        <FormError error=change_error id="service-client-change-error" />
        {list}
    }
}
