//! sea-orm entities, in the shape `sea-orm-cli generate entity` produces (written by hand: the CLI
//! is not part of the toolchain). Data only; behaviour lives in the domain modules.

pub mod audit_events;
pub mod connection_defaults;
pub mod connections;
pub mod data_keys;
pub mod entra_tenants;
pub mod instance_settings;
pub mod invitations;
pub mod invite_codes;
pub mod memberships;
pub mod oauth_clients;
pub mod oauth_codes;
pub mod oauth_consents;
pub mod oauth_grants;
pub mod oauth_tokens;
pub mod operator_grants;
pub mod organization_tool_defaults;
pub mod organizations;
pub mod team_members;
pub mod teams;
pub mod tenant_onboardings;
pub mod tool_calls;
pub mod tool_policies;
pub mod user_identities;
pub mod users;
pub mod vendor_oauth_states;
