//! What can go wrong with a connection operation; messages are shown to users as they are.

use std::collections::BTreeMap;

use sea_orm::DbErr;

use crate::{organizations::OrgError, vault::VaultError};

/// Failures of connection operations.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The database failed (500; details logged only).
    #[error("database error")]
    Db(#[from] DbErr),
    /// A stored secret could not be decrypted or sealed (500; an integrity failure is logged).
    #[error("the stored credential could not be read; reconnect it")]
    Vault(#[from] VaultError),
    /// The id names no connection the caller may see (404).
    #[error("No such connection.")]
    NotFound,
    /// The caller's role does not allow it (403).
    #[error("{0}")]
    NotAllowed(String),
    /// The plan does not allow it (403).
    #[error("{0}")]
    PlanLimit(String),
    /// The vendor is not in the catalog (400).
    #[error("Unknown vendor “{0}”.")]
    UnknownVendor(String),
    /// Form values are wrong: field name → message (400; shown beside each field).
    #[error("Some fields need attention.")]
    Fields(BTreeMap<String, String>),
    /// The caller already has a connection with this slug in this tier (409).
    #[error("You already have a connection with the slug “{0}” here; choose another slug.")]
    SlugTaken(String),
    /// The vendor's check did not authenticate; nothing was saved (422).
    #[error("{message}")]
    CheckFailed {
        /// The check's class (`rejected`, `timed_out`, …).
        class: &'static str,
        /// What happened, precisely.
        message: String,
    },
}

impl ConnectionError {
    /// One field's error.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        ConnectionError::Fields(BTreeMap::from([(name.to_owned(), message.into())]))
    }
}

impl From<OrgError> for ConnectionError {
    fn from(e: OrgError) -> Self {
        match e {
            OrgError::Db(db) => ConnectionError::Db(db),
            OrgError::PlanLimit(m) => ConnectionError::PlanLimit(m),
            OrgError::NotFound(_) => ConnectionError::NotFound,
            other => ConnectionError::NotAllowed(other.to_string()),
        }
    }
}
