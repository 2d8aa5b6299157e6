//! Request middleware, outermost first: client address and request-id trust → request id → trace
//! span → security headers → (portal and OAuth routes) time limit → (limited routes) rate limit →
//! (portal routes only) cross-site write refusal → strict JSON bodies → session → current user → sign-in requirement →
//! (pages) redirects as 3xx.

pub mod client_address;
pub mod csrf;
pub mod current_user;
pub mod page_redirects;
pub mod rate_limit;
pub mod request_id;
pub mod security_headers;
pub mod strict_json;
