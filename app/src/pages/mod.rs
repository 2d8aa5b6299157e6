//! One module per page.

pub mod admin;
pub mod auth_error;
pub mod catalog;
pub mod connections;
pub mod consent;
pub mod dev_login;
pub mod invite;
pub mod login;
pub mod not_found;
pub mod not_onboarded;
pub mod onboard;
pub mod onboarding_result;
pub mod organization;
pub mod organization_audit;
pub mod outcome;
pub mod settings;
pub mod signed_out;
