//! `/organisation`: the organisation — members and their roles, invite links, teams, ownership
//! and deletion. Every control the caller's role or plan does not allow is shown
//! disabled with the reason; the server checks the same rules on every call.

mod danger;
mod invitations;
mod members;
mod service_clients;
mod teams;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use self::{
    danger::DangerZone, invitations::Invitations, members::Members,
    service_clients::ServiceClients, teams::Teams,
};
use crate::{
    components::{
        form::{successes, toast_on_success},
        status::{ErrorPanel, Loading},
        timestamp::Timestamp,
    },
    error::PortalError,
    routes,
    server_fns::organization::{
        get_organization_overview, AddTeamMember, ChangeMemberRole, CreateInvitation,
        CreateServiceClient, CreateTeam, DeleteOrganization, DeleteServiceClient, DeleteTeam,
        OrganizationOverview, RemoveMember, RemoveTeamMember, RevokeInvitation,
        RotateServiceClient, TransferOwnership,
    },
};

/// Every change the page can make; the overview reloads after each.
#[derive(Clone, Copy)]
pub(crate) struct OrganizationActions {
    pub change_role: ServerAction<ChangeMemberRole>,
    pub remove_member: ServerAction<RemoveMember>,
    pub create_invitation: ServerAction<CreateInvitation>,
    pub revoke_invitation: ServerAction<RevokeInvitation>,
    pub create_team: ServerAction<CreateTeam>,
    pub delete_team: ServerAction<DeleteTeam>,
    pub add_to_team: ServerAction<AddTeamMember>,
    pub remove_from_team: ServerAction<RemoveTeamMember>,
    pub transfer: ServerAction<TransferOwnership>,
    pub delete_organization: ServerAction<DeleteOrganization>,
    pub create_service_client: ServerAction<CreateServiceClient>,
    pub rotate_service_client: ServerAction<RotateServiceClient>,
    pub delete_service_client: ServerAction<DeleteServiceClient>,
    /// Successful completions of each (a refusal reloads nothing, so forms keep their input).
    changes: [Memo<usize>; 13],
}

impl OrganizationActions {
    fn new() -> Self {
        let (change_role, remove_member) = (ServerAction::new(), ServerAction::new());
        let (create_invitation, revoke_invitation) = (ServerAction::new(), ServerAction::new());
        let (create_team, delete_team) = (ServerAction::new(), ServerAction::new());
        let (add_to_team, remove_from_team) = (ServerAction::new(), ServerAction::new());
        let (transfer, delete_organization) = (ServerAction::new(), ServerAction::new());
        let create_service_client = ServerAction::new();
        let (rotate_service_client, delete_service_client) =
            (ServerAction::new(), ServerAction::new());
        let changes = [
            successes(change_role),
            successes(remove_member),
            successes(create_invitation),
            successes(revoke_invitation),
            successes(create_team),
            successes(delete_team),
            successes(add_to_team),
            successes(remove_from_team),
            successes(transfer),
            successes(delete_organization),
            successes(create_service_client),
            successes(rotate_service_client),
            successes(delete_service_client),
        ];
        let actions = Self {
            change_role,
            remove_member,
            create_invitation,
            revoke_invitation,
            create_team,
            delete_team,
            add_to_team,
            remove_from_team,
            transfer,
            delete_organization,
            create_service_client,
            rotate_service_client,
            delete_service_client,
            changes,
        };
        toast_on_success(actions.change_role, || "Role changed".into());
        toast_on_success(actions.remove_member, || "Member removed".into());
        toast_on_success(actions.create_invitation, || "Invite link created".into());
        toast_on_success(actions.revoke_invitation, || "Invite link revoked".into());
        toast_on_success(actions.create_team, || "Team created".into());
        toast_on_success(actions.delete_team, || "Team deleted".into());
        toast_on_success(actions.add_to_team, || "Added to the team".into());
        toast_on_success(actions.remove_from_team, || "Removed from the team".into());
        toast_on_success(actions.transfer, || "Ownership transferred".into());
        toast_on_success(actions.delete_organization, || {
            "Organisation deleted".into()
        });
        toast_on_success(actions.create_service_client, || {
            "Service client created".into()
        });
        toast_on_success(actions.rotate_service_client, || "Secret rotated".into());
        toast_on_success(actions.delete_service_client, || {
            "Service client deleted".into()
        });
        actions
    }

    /// Changes whenever any action succeeds.
    fn versions(self) -> [usize; 13] {
        self.changes.map(|c| c.get())
    }
}

/// The organisation page.
#[component]
pub fn OrganizationPage() -> impl IntoView {
    let actions = OrganizationActions::new();
    let overview = Resource::new(move || actions.versions(), |_| get_organization_overview());
    view! {
        <Title text="Organisation" />
        <Transition fallback=|| view! { <Loading label="Loading your organisation…" /> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(Some(organization)) => view! { <Organization organization actions /> }.into_any(),
                    Ok(None) => view! { <NoOrganization /> }.into_any(),
                    Err(PortalError::Unauthorized) => {
                        view! { <Redirect path=routes::login_with_next(routes::ORGANISATION) /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NoOrganization() -> impl IntoView {
    view! {
        <div class="page-header">
            <h1>"Organisation"</h1>
            <p class="muted">"Share connections with your colleagues and manage who can use them."</p>
        </div>
        <section class="card empty-state" aria-labelledby="no-organization">
            <h2 id="no-organization">"You are not in an organisation yet"</h2>
            <p>
                "Create an organisation on the "
                <a href=routes::SETTINGS>"Settings page"</a>
                ", or open the invite link a colleague sent you to join theirs."
            </p>
        </section>
    }
}

#[component]
fn Organization(organization: OrganizationOverview, actions: OrganizationActions) -> impl IntoView {
    let OrganizationOverview {
        name,
        plan,
        created_at,
        my_role,
        can,
        members,
        teams,
        invitations,
        service_clients,
    } = organization;
    let plan_badge = if plan == "Pro" {
        "badge badge-success"
    } else {
        "badge badge-muted"
    };
    let audit = match can.view_audit_log.clone() {
        None => {
            view! { <a class="btn btn-secondary" href=routes::ORGANISATION_AUDIT>"Audit log"</a> }
                .into_any()
        }
        Some(reason) => view! { <p class="muted" id="audit-unavailable">{reason}</p> }.into_any(),
    };
    view! {
        <div class="page-header">
            <h1 id="organization-heading">{name.clone()}</h1>
            <p class="muted">
                <span class=plan_badge id="organization-plan">{plan}</span>
                " · You are "
                <strong id="my-role">{my_role}</strong>
                " · Created "
                <Timestamp rfc3339=created_at />
            </p>
            {audit}
        </div>
        <div class="stack">
            // Type-erased: the page's nested view types are otherwise too deep for the compiler.
            {view! { <Members members=members.clone() can=can.clone() actions /> }.into_any()}
            {view! { <Invitations invitations teams=teams.clone() can=can.clone() actions /> }.into_any()}
            {view! { <Teams teams members=members.clone() can=can.clone() actions /> }.into_any()}
            {view! { <ServiceClients clients=service_clients can=can.clone() actions /> }.into_any()}
            {view! { <DangerZone name members can actions /> }.into_any()}
        </div>
    }
}

/// A stable DOM id fragment for a UUID (or any text).
pub(crate) fn dom_id(value: &str) -> String {
    value.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// The reason an action is unavailable, shown where its controls would be.
#[component]
pub(crate) fn Unavailable(reason: String, #[prop(into)] id: String) -> impl IntoView {
    view! {
        <p class="muted unavailable" id=id>
            {reason}
        </p>
    }
}
