use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// The sign-in methods this gateway offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginOptions {
    /// Whether the development sign-in is on.
    pub dev_login: bool,
    /// Whether "Sign in with Microsoft" is configured.
    pub microsoft: bool,
    /// Whether "Sign in with Auth0" is configured.
    pub auth0: bool,
}

impl LoginOptions {
    /// The only sign-in method's start path (with `next`), when exactly one is configured.
    pub fn only_method(&self, next: &str) -> Option<String> {
        match (self.dev_login, self.microsoft, self.auth0) {
            (true, false, false) => Some(crate::routes::dev_login_with_next(next)),
            (false, true, false) => Some(crate::routes::with_next(
                crate::routes::MICROSOFT_LOGIN,
                next,
            )),
            (false, false, true) => {
                Some(crate::routes::with_next(crate::routes::AUTH0_LOGIN, next))
            }
            _ => None,
        }
    }
}

/// Which sign-in methods are configured.
#[server(endpoint = "auth/login_options")]
pub async fn get_login_options() -> Result<LoginOptions, PortalError> {
    let state = crate::state::app_state()?;
    Ok(login_options(&state))
}

/// The configured methods (also used by the page to redirect before rendering).
#[cfg(feature = "ssr")]
pub fn login_options(state: &crate::state::AppState) -> LoginOptions {
    LoginOptions {
        dev_login: state.settings.dev_login.enabled,
        microsoft: state.identity_providers.entra.is_some(),
        auth0: state.identity_providers.auth0.is_some(),
    }
}
