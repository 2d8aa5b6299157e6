//! The operators' page: tenants, pending onboardings, consent links, offboarding. Every function
//! checks that the caller is an operator, on every call.

mod create_consent_link;
mod get_admin_overview;
mod offboard_tenant;

pub use create_consent_link::*;
pub use get_admin_overview::*;
pub use offboard_tenant::*;
