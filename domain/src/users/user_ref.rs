//! How operators name a user on the command line and in the configuration: by user id, or by the
//! identity they sign in with — never by email alone (see the module docs of `users`).

use std::fmt;

use uuid::Uuid;

use super::{Identity, Provider};

/// A reference to a user: `<user id>`, `entra:<tenant id>:<object id>`, `auth0:<sub>` or
/// `dev:<email>` (development sign-in only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    /// The user's id (shown by `mcp-gateway admin users`).
    Id(Uuid),
    /// A Microsoft Entra identity: tenant id and object id.
    Entra {
        /// `tid`, lower case.
        tenant_id: String,
        /// `oid`, lower case.
        object_id: String,
    },
    /// An Auth0 identity of the configured Auth0 issuer: `sub`, e.g. `auth0|65a1…`.
    Auth0 {
        /// The subject, kept whole (connection prefix included).
        subject: String,
    },
    /// A development sign-in identity (lower-cased email).
    Dev {
        /// The email, lower case.
        email: String,
    },
}

impl UserRef {
    /// Parses one of the forms above; the error says which forms exist.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if let Ok(id) = Uuid::parse_str(value) {
            return Ok(Self::Id(id));
        }
        let usage = "expected a user id, entra:<tenant id>:<object id>, auth0:<sub> or dev:<email>";
        let Some((kind, rest)) = value.split_once(':') else {
            return Err(usage.to_owned());
        };
        match kind {
            "entra" => {
                let (tid, oid) = rest.split_once(':').ok_or(usage)?;
                let tid = Uuid::parse_str(tid)
                    .map_err(|_| format!("`{tid}` is not a tenant id (a GUID)"))?;
                let oid = Uuid::parse_str(oid)
                    .map_err(|_| format!("`{oid}` is not an object id (a GUID)"))?;
                Ok(Self::Entra {
                    tenant_id: tid.hyphenated().to_string(),
                    object_id: oid.hyphenated().to_string(),
                })
            }
            "auth0" if !rest.is_empty() && !rest.chars().any(char::is_whitespace) => {
                Ok(Self::Auth0 {
                    subject: rest.to_owned(),
                })
            }
            "dev" if rest.contains('@') => Ok(Self::Dev {
                email: rest.to_lowercase(),
            }),
            _ => Err(usage.to_owned()),
        }
    }

    /// The identity this names, given the configured Auth0 issuer (`None` for a plain user id,
    /// or for an Auth0 reference when Auth0 is not configured).
    pub fn identity(&self, auth0_issuer: Option<&str>) -> Option<Identity> {
        match self {
            UserRef::Id(_) => None,
            UserRef::Entra {
                tenant_id,
                object_id,
            } => Some(Identity {
                provider: Provider::Entra,
                issuer: tenant_id.clone(),
                subject: object_id.clone(),
            }),
            UserRef::Auth0 { subject } => auth0_issuer.map(|issuer| Identity {
                provider: Provider::Auth0,
                issuer: issuer.to_owned(),
                subject: subject.clone(),
            }),
            UserRef::Dev { email } => Some(Identity {
                provider: Provider::Dev,
                issuer: "dev".into(),
                subject: email.clone(),
            }),
        }
    }
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserRef::Id(id) => write!(f, "{id}"),
            UserRef::Entra {
                tenant_id,
                object_id,
            } => write!(f, "entra:{tenant_id}:{object_id}"),
            UserRef::Auth0 { subject } => write!(f, "auth0:{subject}"),
            UserRef::Dev { email } => write!(f, "dev:{email}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_and_prints_back() {
        for ok in [
            "0195f0a2-7c4e-7d4b-9a3e-1f2b3c4d5e6f",
            "entra:c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31:3f6b1c2d-8e4a-4b7c-9d1e-2a5f6c7b8d90",
            "auth0:google-oauth2|104857600123456789012",
            "dev:ada@example.com",
        ] {
            assert_eq!(UserRef::parse(ok).map(|r| r.to_string()), Ok(ok.to_owned()));
        }
        assert_eq!(
            UserRef::parse(
                "entra:C0A7D3E1-5B2F-4C8A-9E61-0D4F7B2A9C31:3F6B1C2D-8E4A-4B7C-9D1E-2A5F6C7B8D90"
            )
            .map(|r| r.to_string()),
            Ok(
                "entra:c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31:3f6b1c2d-8e4a-4b7c-9d1e-2a5f6c7b8d90"
                    .to_owned()
            )
        );
    }

    #[test]
    fn an_email_alone_is_not_a_user_reference() {
        assert!(UserRef::parse("adele@contoso.example").is_err());
        assert!(UserRef::parse("entra:contoso.example:x").is_err());
        assert!(UserRef::parse("auth0:").is_err());
        assert!(UserRef::parse("github:1").is_err());
    }
}
