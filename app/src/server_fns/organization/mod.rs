//! The organisation pages: overview, members, teams, invite links, plan, audit log.
//! Every function re-reads the caller's membership in the domain and checks the permission
//! matrix there; ids from the browser are only ever looked up inside the caller's organisation.

mod accept_invitation;
mod add_team_member;
mod change_member_role;
mod create_invitation;
mod create_organization;
mod create_service_client;
mod create_team;
mod delete_organization;
mod delete_service_client;
mod delete_team;
mod get_audit_log;
mod get_invitation;
mod get_organization_overview;
mod leave_organization;
mod remove_member;
mod remove_team_member;
mod revoke_invitation;
mod rotate_service_client;
mod transfer_ownership;
mod upgrade_plan;

pub use accept_invitation::*;
pub use add_team_member::*;
pub use change_member_role::*;
pub use create_invitation::*;
pub use create_organization::*;
pub use create_service_client::*;
pub use create_team::*;
pub use delete_organization::*;
pub use delete_service_client::*;
pub use delete_team::*;
pub use get_audit_log::*;
pub use get_invitation::*;
pub use get_organization_overview::*;
pub use leave_organization::*;
pub use remove_member::*;
pub use remove_team_member::*;
pub use revoke_invitation::*;
pub use rotate_service_client::*;
pub use transfer_ownership::*;
pub use upgrade_plan::*;

/// RFC 3339 for the browser (which shows it with `Timestamp`).
#[cfg(feature = "ssr")]
pub(crate) fn rfc3339(t: domain::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The signed-in user and a fresh `now`, the start of every function here.
#[cfg(feature = "ssr")]
pub(crate) fn caller() -> Result<
    (
        crate::state::AppState,
        domain::users::User,
        domain::audit::RequestContext,
        domain::OffsetDateTime,
    ),
    crate::error::PortalError,
> {
    let user = crate::state::current_user()?;
    Ok((
        crate::state::app_state()?,
        user,
        crate::state::request_context(),
        domain::OffsetDateTime::now_utc(),
    ))
}
