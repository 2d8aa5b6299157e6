//! Reusable pieces of the portal's design system.

pub mod copy_button;
pub mod form;
pub mod layout;
pub mod status;
pub mod timestamp;
pub mod toast;
