use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// The signed-in user as the portal shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    /// Name to show.
    pub display_name: String,
    /// Email to show, if the identity provider gave one.
    pub email: Option<String>,
}

/// The signed-in user, or `None` when signed out.
#[server(endpoint = "session/current_user")]
pub async fn get_current_user() -> Result<Option<UserView>, PortalError> {
    Ok(crate::state::maybe_current_user().map(|u| UserView {
        display_name: u.display_name,
        email: u.email,
    }))
}
