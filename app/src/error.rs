//! The error every portal server function returns, shared by server and browser so pages can
//! `match` on it. Internal details never cross the wire: the server logs them and sends `Internal`.

use serde::{Deserialize, Serialize};
use server_fn::error::ServerFnErrorErr;
use server_fn::{codec::JsonEncoding, error::FromServerFnError, ServerFnError};

/// What went wrong, in words a technician can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PortalError {
    /// Not signed in (or the session ended): the page sends the user to sign-in.
    #[error("You are not signed in.")]
    Unauthorized,
    /// Signed in, but not allowed to do this.
    #[error("You do not have access to this.")]
    Forbidden,
    /// The request was understood but refused; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// Signed in, but the role or the plan does not allow this; the message says which (403).
    #[error("{0}")]
    Refused(String),
    /// What the request names does not exist, or not for this user (404).
    #[error("{0}")]
    NotFound(String),
    /// Some form fields are wrong: (field name, message), shown beside each field (400).
    #[error("Some fields need attention: {}", .0.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" "))]
    Fields(Vec<(String, String)>),
    /// Something failed on the server; details are in the server log under the request id.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request did not reach the server or its answer could not be read.
    #[error("The gateway could not be reached. Check your connection and try again.")]
    Transport(String),
}

impl FromServerFnError for PortalError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        PortalError::Transport(value.to_string())
    }
}

impl From<ServerFnError> for PortalError {
    fn from(value: ServerFnError) -> Self {
        PortalError::Transport(value.to_string())
    }
}
