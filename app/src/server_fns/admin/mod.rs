//! The operators' page: tenants, pending onboardings, consent links, offboarding, organisations'
//! plans, invite codes and the default plan. Every function checks that the caller is an
//! operator, on every call.

mod approve_onboarding;
mod create_consent_link;
mod create_invite_code;
mod get_admin_overview;
mod offboard_tenant;
mod revoke_invite_code;
mod set_default_plan;
mod set_organization_plan;

pub use approve_onboarding::*;
pub use create_consent_link::*;
pub use create_invite_code::*;
pub use get_admin_overview::*;
pub use offboard_tenant::*;
pub use revoke_invite_code::*;
pub use set_default_plan::*;
pub use set_organization_plan::*;
