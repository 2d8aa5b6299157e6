//! Database migrations of the MCP gateway, for SQLite and PostgreSQL alike.
//!
//! Rules (docs/architecture.md): one change per file, named `mYYYYMMDD_HHMMSS_<verb>_<object>.rs`;
//! never edit a migration once released — add a new one; every table has `created_at`/`updated_at`.
//! They run at start (`mcp-gateway serve`), on demand (`mcp-gateway migrate`) and under every test.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_users;
mod m20261126_000002_create_user_identities;
mod m20261126_000003_create_entra_tenants;
mod m20261126_000004_create_tenant_onboardings;
mod m20261126_000005_create_operator_grants;
mod m20261126_000006_create_audit_events;
mod m20261126_000007_add_users_sessions_not_before;
mod m20261126_000008_create_organizations;
mod m20261126_000009_create_memberships;
mod m20261126_000010_create_teams;
mod m20261126_000011_create_team_members;
mod m20261126_000012_create_invitations;
mod m20261126_000013_create_invite_codes;
mod m20261126_000014_create_instance_settings;
mod m20261126_000015_index_audit_events_organization;
mod m20261126_000016_create_oauth_clients;
mod m20261126_000017_create_oauth_consents;
mod m20261126_000018_create_oauth_grants;
mod m20261126_000019_create_oauth_codes;
mod m20261126_000020_create_oauth_tokens;
mod m20261201_000021_create_data_keys;
mod m20261201_000022_create_connections;
mod m20261201_000023_create_connection_defaults;
mod m20261201_000024_create_tool_policies;
mod m20261201_000030_create_tool_calls;
mod m20261210_000040_add_oauth_tokens_scopes;
mod m20261210_000041_add_oauth_clients_grant_types;
mod m20261210_000042_add_users_email_verified;
mod m20261210_000043_widen_tenant_onboardings_status;
mod m20261215_000050_create_vendor_oauth_states;

/// The ordered list of every migration.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_users::Migration),
            Box::new(m20261126_000002_create_user_identities::Migration),
            Box::new(m20261126_000003_create_entra_tenants::Migration),
            Box::new(m20261126_000004_create_tenant_onboardings::Migration),
            Box::new(m20261126_000005_create_operator_grants::Migration),
            Box::new(m20261126_000006_create_audit_events::Migration),
            Box::new(m20261126_000007_add_users_sessions_not_before::Migration),
            Box::new(m20261126_000008_create_organizations::Migration),
            Box::new(m20261126_000009_create_memberships::Migration),
            Box::new(m20261126_000010_create_teams::Migration),
            Box::new(m20261126_000011_create_team_members::Migration),
            Box::new(m20261126_000012_create_invitations::Migration),
            Box::new(m20261126_000013_create_invite_codes::Migration),
            Box::new(m20261126_000014_create_instance_settings::Migration),
            Box::new(m20261126_000015_index_audit_events_organization::Migration),
            Box::new(m20261126_000016_create_oauth_clients::Migration),
            Box::new(m20261126_000017_create_oauth_consents::Migration),
            Box::new(m20261126_000018_create_oauth_grants::Migration),
            Box::new(m20261126_000019_create_oauth_codes::Migration),
            Box::new(m20261126_000020_create_oauth_tokens::Migration),
            Box::new(m20261201_000021_create_data_keys::Migration),
            Box::new(m20261201_000022_create_connections::Migration),
            Box::new(m20261201_000023_create_connection_defaults::Migration),
            Box::new(m20261201_000024_create_tool_policies::Migration),
            Box::new(m20261201_000030_create_tool_calls::Migration),
            Box::new(m20261210_000040_add_oauth_tokens_scopes::Migration),
            Box::new(m20261210_000041_add_oauth_clients_grant_types::Migration),
            Box::new(m20261210_000042_add_users_email_verified::Migration),
            Box::new(m20261210_000043_widen_tenant_onboardings_status::Migration),
            Box::new(m20261215_000050_create_vendor_oauth_states::Migration),
        ]
    }
}
