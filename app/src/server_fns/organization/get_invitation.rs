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
    /// Already in this team.
    AlreadyMember,
    /// In another team.
    InAnotherTeam,
    /// The (Free) team is full.
    TeamFull,
}

/// What `/invite/<token>` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationView {
    /// The link can be accepted.
    Open {
        /// The team.
        team: String,
        /// Who invited.
        inviter: String,
        /// The role on joining ("Member", "Admin").
        role: String,
        /// The department on joining.
        department: Option<String>,
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
        P::InAnotherOrganization { .. } => InvitationProblemKind::InAnotherTeam,
        P::MemberLimit { .. } => InvitationProblemKind::TeamFull,
    };
    InvitationView::Problem {
        kind,
        message: problem.to_string(),
    }
}

/// What the signed-in visitor would join with this link.
#[server(endpoint = "team/invitation")]
pub async fn get_invitation(token: String) -> Result<InvitationView, PortalError> {
    use crate::state::db_error;
    let (state, user, _, now) = super::caller()?;
    let found = domain::organizations::look_up_invitation(&state.db, &user, &token, now)
        .await
        .map_err(db_error)?;
    Ok(match found {
        Ok(preview) => InvitationView::Open {
            team: preview.organization_name,
            inviter: preview.inviter_name,
            role: preview.role.label().to_owned(),
            department: preview.team,
            expires_at: super::rfc3339(preview.expires_at),
        },
        Err(problem) => problem_view(&problem),
    })
}
