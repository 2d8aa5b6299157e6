//! The MCP gateway's HTTP server: composition root, routers, middleware and thin handlers.
//!
//! Handlers extract, make one `domain` call and map the result; HTTP status mapping lives in
//! [`error::ApiError`] only. `startup::Application` builds everything from a validated
//! `domain::config::Settings`, so tests start the real server on port 0.

// Leptos' view types of the bigger pages are deep; the release build computes their layouts here.
#![recursion_limit = "256"]

pub mod cli;
pub mod error;
pub mod handlers;
pub mod metrics;
pub mod middleware;
pub mod request_context;
pub mod routes;
pub mod sessions;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
