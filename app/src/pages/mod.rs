//! One module per page.

pub mod connections;
pub mod dev_login;
pub mod login;
pub mod not_found;
pub mod settings;
pub mod signed_out;
pub mod teams;
