use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// Session key of [`DevLoginFlash`]: what a refused sign-in submitted, shown once on the form.
pub const DEV_LOGIN_FLASH_KEY: &str = "dev_login_flash";

/// A refused development sign-in, kept in the session for exactly one redisplay (post/redirect/get),
/// so the form comes back with the values typed and an error next to each wrong field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevLoginFlash {
    /// Name as submitted.
    pub name: String,
    /// Email as submitted.
    pub email: String,
    /// Problem with the name.
    pub name_error: Option<String>,
    /// Problem with the email.
    pub email_error: Option<String>,
}

/// What the development sign-in form shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevLoginForm {
    /// Whether the development sign-in is on at all.
    pub enabled: bool,
    /// The previous, refused submission.
    pub flash: Option<DevLoginFlash>,
}

/// The development sign-in form's state; consumes the flash.
#[server(endpoint = "auth/dev_login_form")]
pub async fn get_dev_login_form() -> Result<DevLoginForm, PortalError> {
    let state = crate::state::app_state()?;
    if !state.settings.dev_login.enabled {
        return Ok(DevLoginForm {
            enabled: false,
            flash: None,
        });
    }
    let session = crate::state::session()?;
    let flash = session
        .remove::<DevLoginFlash>(DEV_LOGIN_FLASH_KEY)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading the sign-in flash failed");
            PortalError::Internal
        })?;
    Ok(DevLoginForm {
        enabled: true,
        flash,
    })
}
