//! `/invite/<token>`: the "Accept & Join Organisation" page of an invite link. Signed-out visitors are
//! sent to sign-in first and come back here. Each reason a link cannot be used has its own page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Redirect,
    hooks::{use_navigate, use_params_map},
};

use super::outcome::set_status;
use crate::{
    components::{
        form::{action_error, FormError},
        status::{ErrorPanel, Loading},
        timestamp::Timestamp,
    },
    error::PortalError,
    routes,
    server_fns::organization::{
        get_invitation, AcceptInvitation, InvitationProblemKind, InvitationView,
    },
};

/// The invite page.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let invitation = Resource::new(token, get_invitation);
    view! {
        <Suspense fallback=|| view! { <Loading label="Opening the invite link…" /> }>
            {move || Suspend::new(async move {
                match invitation.await {
                    Ok(InvitationView::Open { organization, inviter, role, team, expires_at }) => {
                        view! { <Accept token=token() organization inviter role team expires_at /> }.into_any()
                    }
                    Ok(InvitationView::Problem { kind, message }) => {
                        // A link that never existed is a 404; the others are real links whose
                        // page explains why they cannot be used.
                        if kind == InvitationProblemKind::NotFound {
                            set_status(404);
                        }
                        view! { <Problem kind message /> }.into_any()
                    }
                    Err(PortalError::Unauthorized) => {
                        let here = format!("{}/{}", routes::INVITE, token());
                        view! { <Redirect path=routes::login_with_next(&here) /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Accept(
    token: String,
    organization: String,
    inviter: String,
    role: String,
    team: Option<String>,
    expires_at: String,
) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let error = action_error(accept);
    let pending = accept.pending();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if accept.value().with(|v| matches!(v, Some(Ok(())))) {
            navigate(routes::ORGANISATION, Default::default());
        }
    });
    let title = format!("Join {organization}");
    view! {
        <Title text=title />
        <section class="card invite-card" aria-labelledby="invite-title">
            <h1 id="invite-title">{format!("Join “{organization}”")}</h1>
            <p>
                <strong>{inviter}</strong>
                " invited you to join the organisation "
                <strong>{organization.clone()}</strong>
                {format!(" as {}", role.to_lowercase())}
                {team.map(|t| format!(", in the team “{t}”"))}
                "."
            </p>
            <p class="muted">
                "You will use the connections the organisation shares with you. The link expires "
                <Timestamp rfc3339=expires_at />
                "."
            </p>
            <ActionForm action=accept>
                <input type="hidden" name="token" value=token />
                <button type="submit" class="btn btn-primary" aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Joining…" } else { "Accept & Join Organisation" }}
                </button>
                <a class="btn btn-ghost" href=routes::SETTINGS>"Not now"</a>
            </ActionForm>
            <FormError error id="accept-error" />
        </section>
    }
}

#[component]
fn Problem(kind: InvitationProblemKind, message: String) -> impl IntoView {
    let title = match kind {
        InvitationProblemKind::NotFound => "This invite link is not valid",
        InvitationProblemKind::Expired => "This invite link has expired",
        InvitationProblemKind::Revoked => "This invite link was revoked",
        InvitationProblemKind::UsedUp => "This invite link has been used up",
        InvitationProblemKind::AlreadyMember => "You are already in this organisation",
        InvitationProblemKind::InAnotherOrganization => "You are in another organisation",
        InvitationProblemKind::OrganizationFull => "This organisation is full",
    };
    let (href, label) = match kind {
        InvitationProblemKind::AlreadyMember => (routes::ORGANISATION, "Go to your organisation"),
        InvitationProblemKind::InAnotherOrganization => {
            (routes::SETTINGS, "Open Settings → Organisation")
        }
        _ => (routes::SETTINGS, "Go to Settings"),
    };
    let (class, kind_attr) = match kind {
        InvitationProblemKind::AlreadyMember => ("alert alert-warning", "already-member"),
        _ => ("alert alert-error", "problem"),
    };
    view! {
        <Title text=title />
        <section class="card invite-card" aria-labelledby="invite-title" data-problem=format!("{kind:?}")>
            <h1 id="invite-title">{title}</h1>
            <div class=class data-kind=kind_attr role="status">
                <p>{message}</p>
            </div>
            <a class="btn btn-secondary" href=href>{label}</a>
        </section>
    }
}
