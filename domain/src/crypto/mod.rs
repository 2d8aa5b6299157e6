//! Key material. Today: the master key (key-encryption key) the vault issue builds on.

mod master_key;

pub use master_key::MasterKey;
