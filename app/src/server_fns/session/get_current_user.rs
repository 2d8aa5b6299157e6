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
    /// Whether the user is an operator (the Admin page is shown).
    pub is_operator: bool,
}

/// The signed-in user, or `None` when signed out.
#[server(endpoint = "session/current_user")]
pub async fn get_current_user() -> Result<Option<UserView>, PortalError> {
    let Some(user) = crate::state::maybe_current_user() else {
        return Ok(None);
    };
    let is_operator = crate::state::app_state()?.is_operator(&user).await?;
    Ok(Some(UserView {
        email: user.display_email(),
        display_name: user.display_name,
        is_operator,
    }))
}
