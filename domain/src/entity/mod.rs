//! sea-orm entities, in the shape `sea-orm-cli generate entity` produces (written by hand: the CLI
//! is not part of the toolchain). Data only; behaviour lives in the domain modules.

pub mod user_identities;
pub mod users;
