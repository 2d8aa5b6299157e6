//! The development sign-in: name + email, no identity provider. Off by default and, unless
//! explicitly allowed, only on a loopback bind address (enforced in `config`).
//!
//! The identity is `(dev, dev, lower-cased email)`: in development the email is all there is.
//! It never links to an Entra or Auth0 identity (different provider), so a dev user cannot take
//! over a real account.

use sea_orm::DatabaseConnection;
use time::OffsetDateTime;

use crate::users::{
    self, DisplayName, Email, Identity, Profile, ProfileError, Provider, User, UsersError,
};

/// A validated development sign-in request.
#[derive(Debug, Clone)]
pub struct DevSignIn {
    name: DisplayName,
    email: Email,
}

/// Field-level problems with a development sign-in form; each is shown next to its field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DevSignInErrors {
    /// Problem with the name, if any.
    pub name: Option<ProfileError>,
    /// Problem with the email, if any.
    pub email: Option<ProfileError>,
}

impl DevSignIn {
    /// Parses the submitted form, reporting every field's problem at once.
    pub fn parse(name: &str, email: &str) -> Result<Self, DevSignInErrors> {
        match (DisplayName::parse(name), Email::parse(email)) {
            (Ok(name), Ok(email)) => Ok(Self { name, email }),
            (name, email) => Err(DevSignInErrors {
                name: name.err(),
                email: email.err(),
            }),
        }
    }
}

/// Signs in (creating the user on first use).
pub async fn sign_in(
    db: &DatabaseConnection,
    request: DevSignIn,
    now: OffsetDateTime,
) -> Result<User, UsersError> {
    let identity = Identity {
        provider: Provider::Dev,
        issuer: "dev".into(),
        subject: request.email.normalized(),
    };
    let profile = Profile {
        display_name: request.name,
        email: Some(request.email),
        email_verified: false,
    };
    users::sign_in(db, &identity, &profile, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_problem_is_reported_at_once() {
        let errors = DevSignIn::parse(" ", "nope").err();
        assert_eq!(
            errors,
            Some(DevSignInErrors {
                name: Some(ProfileError::NameMissing),
                email: Some(ProfileError::EmailInvalid)
            })
        );
    }
}

#[cfg(test)]
mod db_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::testing::test_db;

    #[tokio::test]
    async fn the_email_is_matched_case_insensitively() {
        let db = test_db().await;
        let now = OffsetDateTime::UNIX_EPOCH;
        let a = sign_in(
            &db,
            DevSignIn::parse("Ada", "Ada@Example.com").unwrap(),
            now,
        )
        .await
        .unwrap();
        let b = sign_in(
            &db,
            DevSignIn::parse("Ada", "ada@example.COM").unwrap(),
            now,
        )
        .await
        .unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(
            b.email.as_deref(),
            Some("ada@example.COM"),
            "display email is kept as typed"
        );
    }
}
