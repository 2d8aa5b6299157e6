//! Sign-in pages.

mod get_auth_notice;
mod get_dev_login_form;
mod get_login_options;

pub use get_auth_notice::*;
pub use get_dev_login_form::*;
pub use get_login_options::*;
