//! Request middleware, outermost first: request id → trace span → security headers → (portal
//! routes only) cross-site write refusal → session → current user → sign-in requirement.

pub mod csrf;
pub mod current_user;
pub mod security_headers;
