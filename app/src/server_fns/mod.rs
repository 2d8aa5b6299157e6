//! Server functions, one per file, grouped by area. Each is an adapter: context in, one `domain`
//! call (or a context read), a serialisable view model out.

pub mod admin;
pub mod auth;
pub mod catalog;
pub mod connections;
pub mod oauth;
pub mod organization;
pub mod session;
pub mod settings;
