use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// Why an invite link cannot be used (each has its own page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationProblemKind {
    /// No such link.
    NotFound,
    /// Expired.
    Expired,
    /// Revoked.
    Revoked,
    /// Every use taken.
    UsedUp,
    /// Already in this organisation.
    AlreadyMember,
    /// In another organisation.
    InAnotherOrganization,
    /// The (Free) organisation is full.
    OrganizationFull,
}

/// What `/invite/<token>` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationView {
    /// The link can be accepted.
    Open {
        /// The organisation.
        organization: String,
        /// Who invited.
        inviter: String,
        /// The role on joining ("Member", "Admin").
        role: String,
        /// The team on joining.
        team: Option<String>,
        /// When the link expires (RFC 3339).
        expires_at: String,
    },
    /// It cannot.
    Problem {
        /// Which problem.
        kind: InvitationProblemKind,
        /// What to do about it.
        message: String,
    },
}

/// Maps the domain's reason onto the page's.
#[cfg(feature = "ssr")]
pub(crate) fn problem_view(problem: &domain::organizations::InvitationProblem) -> InvitationView {
    use domain::organizations::InvitationProblem as P;
    let kind = match problem {
        P::NotFound => InvitationProblemKind::NotFound,
        P::Expired { .. } => InvitationProblemKind::Expired,
        P::Revoked { .. } => InvitationProblemKind::Revoked,
        P::UsedUp { .. } => InvitationProblemKind::UsedUp,
        P::AlreadyMember { .. } => InvitationProblemKind::AlreadyMember,
        P::InAnotherOrganization { .. } => InvitationProblemKind::InAnotherOrganization,
        P::MemberLimit { .. } => InvitationProblemKind::OrganizationFull,
    };
    InvitationView::Problem {
        kind,
        message: problem.to_string(),
    }
}

/// What the signed-in visitor would join with this link.
#[server(endpoint = "organization/invitation")]
pub async fn get_invitation(token: String) -> Result<InvitationView, PortalError> {
    use crate::state::db_error;
    let (state, user, _, now) = super::caller()?;
    let found = domain::organizations::look_up_invitation(&state.db, &user, &token, now)
        .await
        .map_err(db_error)?;
    Ok(match found {
        Ok(preview) => InvitationView::Open {
            organization: preview.organization_name,
            inviter: preview.inviter_name,
            role: preview.role.label().to_owned(),
            team: preview.team,
            expires_at: super::rfc3339(preview.expires_at),
        },
        Err(problem) => problem_view(&problem),
    })
}
