//! Thin axum handlers (extract → one domain call → response).

pub mod audit;
pub mod auth;
pub mod health;
pub mod idp;
pub mod mcp;
pub mod mcp_auth;
pub mod oauth;
pub mod vendor_health;
pub mod vendor_oauth;
