//! The MCP gateway's business logic, free of any web framework.
//!
//! Direction of dependencies: `server` → `app[ssr]` → `domain` → `migration`; never back. Everything
//! that takes a decision (who a user is, whether a return path is safe, whether the configuration
//! holds together) lives here, so it is tested without HTTP. Time is passed in (`now`) rather than
//! read from the clock, so expiry logic is tested by moving `now`.

pub mod audit;
pub mod auth;
pub mod config;
pub mod connections;
pub mod crypto;
pub mod db;
pub mod edge;
pub mod entity;
pub mod health;
pub mod mcp;
pub mod metrics;
pub mod oauth;
pub mod operators;
pub mod organizations;
pub mod outbound;
pub mod tenants;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod usage;
pub mod users;
pub mod vault;
pub mod vendors;

pub use time::OffsetDateTime;
