//! Portal sign-in: where to return after sign-in, the development sign-in and the rules of a
//! portal session. Identity-provider sign-in (Entra, Auth0) joins here.

pub mod dev_login;
pub mod idp_sign_in;
pub mod oidc;
pub mod return_to;
pub mod session;

pub use return_to::ReturnPath;
