use leptos::prelude::*;

use crate::error::PortalError;

/// Removes a member from the organisation (owner and admins; never the owner).
#[server(endpoint = "organization/member_remove")]
pub async fn remove_member(user_id: String) -> Result<(), PortalError> {
    use crate::state::{org_error, parse_id};
    let (state, user, context, now) = super::caller()?;
    domain::organizations::remove_member(&state.db, &user, parse_id(&user_id)?, &context, now)
        .await
        .map_err(org_error)
        // Memberships, roles and teams decide whose tools are whose.
        .inspect(|()| state.tool_cache.invalidate_all())
}
