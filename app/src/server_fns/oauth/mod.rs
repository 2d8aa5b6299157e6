//! The consent popup and Settings → Authorized apps.

mod get_authorized_apps;
mod get_consent;
mod revoke_authorized_app;

pub use get_authorized_apps::*;
pub use get_consent::*;
pub use revoke_authorized_app::*;
