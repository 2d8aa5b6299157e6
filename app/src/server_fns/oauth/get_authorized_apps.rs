use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// An application the user approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizedApp {
    /// Its client id (posted back to revoke).
    pub client_id: String,
    /// Its name.
    pub name: String,
    /// Whether the operator registered it.
    pub verified: bool,
    /// Its redirect hosts.
    pub redirect_hosts: Vec<String>,
    /// Approved (RFC 3339).
    pub first_used: String,
    /// Last authorization or token refresh (RFC 3339).
    pub last_used: Option<String>,
    /// Approved scopes.
    pub scopes: String,
}

/// The signed-in user's authorized applications, most recently used first.
#[server(endpoint = "oauth/apps")]
pub async fn get_authorized_apps() -> Result<Vec<AuthorizedApp>, PortalError> {
    use time::format_description::well_known::Rfc3339;
    let user = crate::state::current_user()?;
    let state = crate::state::app_state()?;
    let fmt = |t: domain::OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let apps = domain::oauth::consents::list(&state.db, &state.settings.oauth, user.id)
        .await
        .map_err(crate::state::db_error)?;
    Ok(apps
        .into_iter()
        .map(|a| AuthorizedApp {
            client_id: a.client_id,
            name: a.name,
            verified: a.verified,
            redirect_hosts: a.redirect_hosts,
            first_used: fmt(a.approved_at),
            last_used: a.last_used_at.map(fmt),
            scopes: a.scopes,
        })
        .collect())
}
