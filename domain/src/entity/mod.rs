//! sea-orm entities, in the shape `sea-orm-cli generate entity` produces (written by hand: the CLI
//! is not part of the toolchain). Data only; behaviour lives in the domain modules.

pub mod audit_events;
pub mod entra_tenants;
pub mod operator_grants;
pub mod tenant_onboardings;
pub mod user_identities;
pub mod users;
