//! `/settings`: greets the user, shows their account and how to connect an MCP client.

mod client_setup;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use self::client_setup::ClientSetup;
use crate::{
    components::{
        form::{action_error, successes, toast_on_success, FormError},
        status::{ErrorPanel, Loading},
        timestamp::Timestamp,
    },
    error::PortalError,
    routes,
    server_fns::{
        oauth::{get_authorized_apps, RevokeAuthorizedApp},
        organization::{CreateOrganization, LeaveOrganization, UpgradePlan},
        settings::{get_settings_overview, OrganizationSummary, SettingsOverview},
    },
};

/// The organisation section's actions; the overview reloads after each.
#[derive(Clone, Copy)]
struct OrganizationActions {
    create: ServerAction<CreateOrganization>,
    leave: ServerAction<LeaveOrganization>,
    upgrade: ServerAction<UpgradePlan>,
}

/// The settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let actions = OrganizationActions {
        create: ServerAction::new(),
        leave: ServerAction::new(),
        upgrade: ServerAction::new(),
    };
    toast_on_success(actions.create, || "Organisation created".into());
    toast_on_success(actions.leave, || "You left the organisation".into());
    toast_on_success(actions.upgrade, || {
        "Your organisation is on the Pro plan now".into()
    });
    let changes = [
        successes(actions.create),
        successes(actions.leave),
        successes(actions.upgrade),
    ];
    let overview = Resource::new(
        move || changes.map(|c| c.get()),
        |_| get_settings_overview(),
    );
    view! {
        <Title text="Settings" />
        <Transition fallback=|| view! { <Loading label="Loading your settings…" /> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Overview overview actions /> }.into_any(),
                    Err(PortalError::Unauthorized) => {
                        view! { <Redirect path=routes::login_with_next(routes::SETTINGS) /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Overview(overview: SettingsOverview, actions: OrganizationActions) -> impl IntoView {
    let SettingsOverview {
        display_name,
        email,
        member_since,
        mcp_url,
        organization,
        new_organization_plan,
    } = overview;
    view! {
        <div class="page-header">
            <h1 id="greeting">{format!("Welcome, {display_name}")}</h1>
            <p class="muted">"Your account and how to connect your AI client to the gateway."</p>
        </div>
        <div class="grid">
            <ClientSetup mcp_url />
            <section class="card" aria-labelledby="account-title">
                <h2 id="account-title">"Your account"</h2>
                <dl class="facts">
                    <dt>"Name"</dt>
                    <dd>{display_name.clone()}</dd>
                    <dt>"Email"</dt>
                    <dd>{email.unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Member since"</dt>
                    <dd>{member_since}</dd>
                </dl>
                <form method="post" action=routes::LOGOUT_EVERYWHERE class="account-actions">
                    <button type="submit" class="btn btn-secondary" aria-describedby="logout-everywhere-hint">
                        "Sign out everywhere"
                    </button>
                    <p id="logout-everywhere-hint">
                        "Ends your sessions in every browser, this one included — for a lost or shared device."
                    </p>
                </form>
            </section>
            {match organization {
                Some(organization) => view! { <OrganizationCard organization actions /> }.into_any(),
                None => view! { <NewOrganization new_organization_plan actions /> }.into_any(),
            }}
            {view! { <AuthorizedApps /> }.into_any()}
        </div>
    }
}

/// Settings → Authorized apps: the MCP clients the user approved, each with Revoke (its tokens
/// stop working at once).
#[component]
fn AuthorizedApps() -> impl IntoView {
    let revoke = ServerAction::<RevokeAuthorizedApp>::new();
    toast_on_success(revoke, || "Application revoked: it must ask again".into());
    let revoked = successes(revoke);
    let apps = Resource::new(move || revoked.get(), |_| get_authorized_apps());
    let error = action_error(revoke);
    view! {
        <section class="card" aria-labelledby="apps-title">
            <h2 id="apps-title">"Authorized apps"</h2>
            <p class="muted">"MCP clients you allowed to use the gateway as you."</p>
            <FormError error id="apps-error" />
            <Transition fallback=|| view! { <Loading label="Loading your authorized apps…" /> }>
                {move || Suspend::new(async move {
                    match apps.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="empty-note" id="no-apps">"No applications yet. Add the MCP server URL to a client to connect one."</p> }.into_any()
                        }
                        Ok(list) => view! {
                            <ul class="app-list" id="authorized-apps">
                                {list
                                    .into_iter()
                                    .map(|app| {
                                        let label = format!("Revoke {}", app.name);
                                        let used = app.last_used.clone().unwrap_or_else(|| app.first_used.clone());
                                        view! {
                                            <li class="app-item" data-app=app.name.clone()>
                                                <div>
                                                    <strong>{app.name.clone()}</strong>
                                                    {(!app.verified).then(|| view! { <span class="badge badge-warning">"Unverified"</span> })}
                                                    <span class="cell-note">{format!("Sends answers to {}", app.redirect_hosts.join(", "))}</span>
                                                    <span class="cell-note">
                                                        "Approved " <Timestamp rfc3339=app.first_used.clone() /> " · last used " <Timestamp rfc3339=used />
                                                        {format!(" · {}", app.scopes)}
                                                    </span>
                                                </div>
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="client_id" value=app.client_id.clone() />
                                                    <button type="submit" class="btn btn-secondary btn-small" aria-label=label>"Revoke"</button>
                                                </ActionForm>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// "Create an organisation": name and an optional invite code.
#[component]
fn NewOrganization(new_organization_plan: String, actions: OrganizationActions) -> impl IntoView {
    let error = action_error(actions.create);
    let pending = actions.create.pending();
    let invalid = move || error.with(Option::is_some);
    view! {
        <section class="card" aria-labelledby="organization-title">
            <h2 id="organization-title">"Organisation"</h2>
            <p>
                "You are not in an organisation. Create one to share connections with colleagues, or open "
                "an invite link a colleague sent you to join theirs."
            </p>
            <ActionForm action=actions.create>
                <div class="field" class:field-invalid=invalid>
                    <label for="organization-name">"Organisation name"</label>
                    <input
                        id="organization-name"
                        name="name"
                        class="input"
                        type="text"
                        required
                        maxlength="100"
                        autocomplete="organization"
                        aria-invalid=move || invalid().to_string()
                        aria-describedby=move || invalid().then_some("create-organization-error")
                    />
                </div>
                <div class="field">
                    <label for="invite-code">"Invite code " <span class="muted">"(optional)"</span></label>
                    <input
                        id="invite-code"
                        name="invite_code"
                        class="input mono"
                        type="text"
                        autocomplete="off"
                        spellcheck="false"
                        aria-describedby="invite-code-hint"
                    />
                    <p class="field-hint" id="invite-code-hint">
                        {format!("New organisations start on the {new_organization_plan} plan. A valid invite code makes it Pro.")}
                    </p>
                </div>
                <FormError error id="create-organization-error" />
                <button type="submit" class="btn btn-primary" aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Creating…" } else { "Create an organisation" }}
                </button>
            </ActionForm>
        </section>
    }
}

/// The user's organisation: name, plan, role, the way to manage it, upgrade, leave.
#[component]
fn OrganizationCard(
    organization: OrganizationSummary,
    actions: OrganizationActions,
) -> impl IntoView {
    let OrganizationSummary {
        name,
        plan,
        role,
        leave_refusal,
        can_upgrade,
    } = organization;
    let upgrade_error = action_error(actions.upgrade);
    let leave_error = action_error(actions.leave);
    let plan_badge = if plan == "Pro" {
        "badge badge-success"
    } else {
        "badge badge-muted"
    };
    view! {
        <section class="card" aria-labelledby="organization-title">
            <h2 id="organization-title">"Organisation"</h2>
            <dl class="facts">
                <dt>"Name"</dt>
                <dd id="organization-name-value">{name.clone()}</dd>
                <dt>"Plan"</dt>
                <dd>
                    <span class=plan_badge id="organization-plan">{plan}</span>
                </dd>
                <dt>"Your role"</dt>
                <dd id="organization-role">{role}</dd>
            </dl>
            <p>
                <a class="btn btn-secondary" href=routes::ORGANISATION>"Manage organisation"</a>
            </p>
            {can_upgrade
                .then(|| {
                    view! {
                        <ActionForm action=actions.upgrade>
                            <div class="field">
                                <label for="upgrade-code">"Upgrade to Pro with an invite code"</label>
                                <div class="input-group">
                                    <input
                                        id="upgrade-code"
                                        name="invite_code"
                                        class="input mono"
                                        type="text"
                                        required
                                        autocomplete="off"
                                        spellcheck="false"
                                    />
                                    <button type="submit" class="btn btn-secondary">"Upgrade"</button>
                                </div>
                                <FormError error=upgrade_error id="upgrade-error" />
                            </div>
                        </ActionForm>
                    }
                })}
            {match leave_refusal {
                Some(reason) => {
                    view! {
                        <div class="account-actions">
                            <button type="button" class="btn btn-secondary" disabled aria-describedby="leave-hint">
                                "Leave organisation"
                            </button>
                            <p id="leave-hint">{reason}</p>
                        </div>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <details class="disclosure">
                            <summary>"Leave organisation"</summary>
                            <ActionForm action=actions.leave>
                                <p>
                                    {format!(
                                        "Leave “{name}”? You lose its shared connections at once; an admin can invite you again.",
                                    )}
                                </p>
                                <button type="submit" class="btn btn-danger">
                                    {format!("Leave {name}")}
                                </button>
                                <FormError error=leave_error id="leave-error" />
                            </ActionForm>
                        </details>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
