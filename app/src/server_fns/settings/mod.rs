//! The settings page.

mod get_settings_overview;

pub use get_settings_overview::*;
