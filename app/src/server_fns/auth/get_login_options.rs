use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// The sign-in methods this gateway offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginOptions {
    /// Whether the development sign-in is on.
    pub dev_login: bool,
}

/// Which sign-in methods are configured.
#[server(endpoint = "auth/login_options")]
pub async fn get_login_options() -> Result<LoginOptions, PortalError> {
    let state = crate::state::app_state()?;
    Ok(LoginOptions {
        dev_login: state.settings.dev_login.enabled,
    })
}
