use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// A link just created: the only time its URL is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedInvitationView {
    /// `https://<gateway>/invite/<token>`.
    pub url: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
}

/// Creates an invite link (owner and admins, Pro). Form values arrive as text: `team_id` empty
/// for none, `max_uses` empty for no limit.
#[server(endpoint = "organization/invitation_create")]
pub async fn create_invitation(
    role: String,
    team_id: String,
    expires_in_days: String,
    max_uses: String,
) -> Result<CreatedInvitationView, PortalError> {
    use crate::state::{org_error, parse_id, with_status};
    use domain::organizations::{NewInvitation, Role, MAX_INVITATION_DAYS, MAX_INVITATION_USES};
    let (state, user, context, now) = super::caller()?;
    let invalid = |m: String| with_status(PortalError::Invalid(m));
    let role = match role.as_str() {
        "member" | "admin" => Role::parse(&role).unwrap_or(Role::Member),
        _ => return Err(invalid("Choose the role Member or Admin.".into())),
    };
    let team_id = match team_id.trim() {
        "" => None,
        id => Some(parse_id(id)?),
    };
    let expires_in_days = expires_in_days.trim().parse::<u32>().map_err(|_| {
        invalid(format!(
            "Expiry must be a number of days from 1 to {MAX_INVITATION_DAYS}."
        ))
    })?;
    let max_uses = match max_uses.trim() {
        "" => None,
        n => Some(n.parse::<u32>().map_err(|_| {
            invalid(format!(
                "Maximum uses must be a whole number from 1 to {MAX_INVITATION_USES}, or empty."
            ))
        })?),
    };
    let created = domain::organizations::create_invitation(
        &state.db,
        &user,
        NewInvitation {
            role,
            team_id,
            expires_in_days,
            max_uses,
        },
        &context,
        now,
    )
    .await
    .map_err(org_error)?;
    Ok(CreatedInvitationView {
        url: crate::routes::invite_link(&state.settings.public_url.origin(), &created.token),
        expires_at: super::rfc3339(created.invitation.expires_at),
    })
}
