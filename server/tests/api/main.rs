//! Black-box tests of the gateway: the real server on port 0 with a fresh database per test
//! (SQLite, or PostgreSQL when TEST_DATABASE_URL is set), driven over HTTP. One test binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod catalog;
mod cli;
mod connections;
mod crash;
mod dev_login;
mod edge;
mod fault_proxy;
mod gateway_process;
mod hardening;
mod health;
mod helpers;
mod idp;
mod idp_sign_in;
mod logs;
mod mcp;
mod mcp_endpoints;
mod mcp_fixture;
mod mcp_reliability;
mod mcp_vendors;
mod metrics;
mod oauth;
mod oauth_flow;
mod onboarding;
mod organisation;
mod organisation_pages;
mod page_redirects;
mod pages;
mod perf;
mod replicas;
mod replicas_sdk;
mod security;
mod sessions;
mod user_errors;
mod vendor_consent;
mod vendor_faults;
mod vendor_health;
