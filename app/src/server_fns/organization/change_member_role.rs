use leptos::prelude::*;

use crate::error::PortalError;

/// Changes a member's role to `admin` or `member` (owner and admins).
#[server(endpoint = "organization/member_role")]
pub async fn change_member_role(user_id: String, role: String) -> Result<(), PortalError> {
    use crate::state::{org_error, parse_id};
    let (state, user, context, now) = super::caller()?;
    let role = domain::organizations::Role::parse(&role).ok_or_else(|| {
        crate::state::with_status(PortalError::Invalid(
            "Choose the role Admin or Member.".into(),
        ))
    })?;
    domain::organizations::change_role(&state.db, &user, parse_id(&user_id)?, role, &context, now)
        .await
        .map_err(org_error)
        // Memberships, roles and teams decide whose tools are whose.
        .inspect(|()| state.tool_cache.invalidate_all())
}
