//! `vendor_oauth.<slug>`: the gateway's own OAuth app at each vendor connected by consent
//! (authorization code), e.g. its Microsoft Entra app for Microsoft 365. The secret stays a
//! [`SecretString`] from the file or environment to the token request.
//!
//! `gateway.toml`: `[vendor_oauth.microsoft-365]` with `client_id` and `client_secret`.
//! Environment: `GATEWAY_VENDOR_OAUTH__MICROSOFT_365__CLIENT_ID` (an underscore in the slug
//! stands for its hyphen: slugs have none, and shells refuse hyphens in variable names).

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::vendors::OAuthApp;

/// One vendor's app, before validation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawVendorOAuth {
    /// The app's client id.
    pub client_id: Option<String>,
    /// Its client secret (never serialised back out).
    #[serde(serialize_with = "skip_secret")]
    pub client_secret: Option<SecretString>,
}

fn skip_secret<S: serde::Serializer>(_: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_none()
}

const KEY: &str = "GATEWAY_VENDOR_OAUTH";

/// Validates every entry: a vendor slug, and both a client id and a client secret.
pub(super) fn parse_vendor_oauth(
    raw: &BTreeMap<String, RawVendorOAuth>,
) -> Result<BTreeMap<String, OAuthApp>, ConfigError> {
    let mut apps = BTreeMap::new();
    for (key, entry) in raw {
        let slug = key.trim().to_ascii_lowercase().replace('_', "-");
        if slug.is_empty()
            || !slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(ConfigError::invalid(
                KEY,
                format!("`{key}` is not a vendor slug (like microsoft-365)"),
            ));
        }
        let client_id = entry
            .client_id
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                ConfigError::invalid(KEY, format!("vendor_oauth.{slug} needs client_id"))
            })?;
        let client_secret = entry
            .client_secret
            .as_ref()
            .filter(|s| !s.expose_secret().trim().is_empty())
            .ok_or_else(|| {
                ConfigError::invalid(KEY, format!("vendor_oauth.{slug} needs client_secret"))
            })?;
        let app = OAuthApp {
            client_id: client_id.to_owned(),
            client_secret: SecretString::from(client_secret.expose_secret().trim().to_owned()),
        };
        if apps.insert(slug.clone(), app).is_some() {
            return Err(ConfigError::invalid(
                KEY,
                format!("vendor_oauth.{slug} is given twice"),
            ));
        }
    }
    Ok(apps)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn raw(id: Option<&str>, secret: Option<&str>) -> RawVendorOAuth {
        RawVendorOAuth {
            client_id: id.map(str::to_owned),
            client_secret: secret.map(|s| SecretString::from(s.to_owned())),
        }
    }

    #[test]
    fn an_underscore_slug_from_the_environment_names_the_hyphenated_vendor() {
        let apps = parse_vendor_oauth(&BTreeMap::from([(
            "microsoft_365".to_owned(),
            raw(Some("app-id"), Some("s3cret")),
        )]))
        .unwrap();
        let app = apps.get("microsoft-365").unwrap();
        assert_eq!(app.client_id, "app-id");
        assert_eq!(app.client_secret.expose_secret(), "s3cret");
        assert!(!format!("{app:?}").contains("s3cret"));
    }

    #[test]
    fn an_app_without_its_secret_or_id_is_refused_naming_the_vendor() {
        for entry in [
            raw(Some("id"), None),
            raw(None, Some("s")),
            raw(Some("id"), Some(" ")),
        ] {
            let error = parse_vendor_oauth(&BTreeMap::from([("microsoft-365".to_owned(), entry)]))
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("vendor_oauth.microsoft-365 needs"),
                "{error}"
            );
        }
        let twice = BTreeMap::from([
            ("microsoft-365".to_owned(), raw(Some("a"), Some("b"))),
            ("microsoft_365".to_owned(), raw(Some("a"), Some("b"))),
        ]);
        assert!(parse_vendor_oauth(&twice).is_err());
    }
}
