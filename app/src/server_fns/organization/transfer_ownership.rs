use leptos::prelude::*;

use crate::error::PortalError;

/// Makes another member the owner; the caller (the owner) becomes an admin.
#[server(endpoint = "organization/transfer")]
pub async fn transfer_ownership(user_id: String) -> Result<(), PortalError> {
    use crate::state::{org_error, parse_id};
    let (state, user, context, now) = super::caller()?;
    domain::organizations::transfer_ownership(&state.db, &user, parse_id(&user_id)?, &context, now)
        .await
        .map_err(org_error)
        // Memberships, roles and teams decide whose tools are whose.
        .inspect(|()| state.tool_cache.invalidate_all())
}
