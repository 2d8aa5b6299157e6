//! ID-token checks the stand-in provider cannot produce (security.md OIDC-1): an HMAC signature
//! keyed with the client secret, several audiences with and without `azp`, `iat` out of bounds.
//! Tokens are built and signed here with openidconnect's own signing keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration as ChronoDuration, Utc};
use openidconnect::{
    core::{CoreHmacKey, CoreRsaPrivateSigningKey},
    Audience, EndUserName, IssuerUrl, JsonWebKeyId, LocalizedClaim, PrivateSigningKey,
    StandardClaims, SubjectIdentifier,
};
use secrecy::SecretString;

use super::*;
use crate::config::{Auth0Settings, PublicUrl};

const ISSUER: &str = "https://tenant.eu.auth0.com/";
const CLIENT_ID: &str = "gateway-client";
const CLIENT_SECRET: &str = "client-secret-value";
/// A throwaway RSA key made for these tests only (`openssl genrsa -traditional 2048`).
const TEST_KEY: &str = include_str!("testdata/test-only-rsa-key.pem");

fn client() -> OidcClient {
    let settings = Auth0Settings {
        issuer: Url::parse(ISSUER).unwrap(),
        client_id: CLIENT_ID.into(),
        client_secret: SecretString::from(CLIENT_SECRET),
        logout: false,
    };
    let public = PublicUrl::parse("https://gateway.example.com").unwrap();
    OidcClient::auth0(&settings, &public).unwrap()
}

fn rsa_key() -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(TEST_KEY, Some(JsonWebKeyId::new("k1".into()))).unwrap()
}

fn keys() -> CoreJsonWebKeySet {
    CoreJsonWebKeySet::new(vec![rsa_key().as_verification_key()])
}

fn claims(audiences: &[&str]) -> Claims {
    let mut name = LocalizedClaim::new();
    name.insert(None, EndUserName::new("Ada".into()));
    IdTokenClaims::new(
        IssuerUrl::new(ISSUER.into()).unwrap(),
        audiences
            .iter()
            .map(|a| Audience::new((*a).into()))
            .collect(),
        Utc::now() + ChronoDuration::hours(1),
        Utc::now(),
        StandardClaims::new(SubjectIdentifier::new("auth0|abc".into())).set_name(Some(name)),
        ProviderClaims {
            tid: None,
            oid: None,
            wids: None,
            xms_edov: None,
        },
    )
    .set_nonce(Some(Nonce::new("n-1".into())))
}

fn rs256(claims: Claims) -> ProviderIdToken {
    IdToken::new(
        claims,
        &rsa_key(),
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .unwrap()
}

fn verify(token: &ProviderIdToken) -> Result<Claims, ClaimsVerificationError> {
    client().check(
        token,
        &Nonce::new("n-1".into()),
        keys(),
        OffsetDateTime::now_utc(),
    )
}

#[test]
fn a_well_formed_token_passes() {
    let claims = verify(&rs256(claims(&[CLIENT_ID]))).unwrap();
    assert_eq!(claims.subject().as_str(), "auth0|abc");
}

#[test]
fn an_hmac_signature_keyed_with_the_client_secret_is_refused() {
    let token: ProviderIdToken = IdToken::new(
        claims(&[CLIENT_ID]),
        &CoreHmacKey::new(CLIENT_SECRET.as_bytes()),
        CoreJwsSigningAlgorithm::HmacSha256,
        None,
        None,
    )
    .unwrap();
    assert!(matches!(
        verify(&token),
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::DisallowedAlg(_)
        ))
    ));
}

#[test]
fn extra_audiences_are_refused_and_azp_must_name_us() {
    // No other audience is trusted: a token also meant for another client is refused, with or
    // without `azp`.
    let two = claims(&[CLIENT_ID, "another-api"]);
    for azp in [None, Some(CLIENT_ID), Some("another-api")] {
        let token = two
            .clone()
            .set_authorized_party(azp.map(|a| ClientId::new(a.into())));
        assert!(
            matches!(
                verify(&rs256(token)),
                Err(ClaimsVerificationError::InvalidAudience(_))
            ),
            "azp {azp:?}"
        );
    }
    let single_wrong_azp =
        claims(&[CLIENT_ID]).set_authorized_party(Some(ClientId::new("another-api".into())));
    assert!(matches!(
        verify(&rs256(single_wrong_azp)),
        Err(ClaimsVerificationError::InvalidAudience(_))
    ));
    let single_right_azp =
        claims(&[CLIENT_ID]).set_authorized_party(Some(ClientId::new(CLIENT_ID.into())));
    assert!(verify(&rs256(single_right_azp)).is_ok());
}

#[test]
fn issued_at_must_be_recent_and_not_in_the_future() {
    let future = claims(&[CLIENT_ID]).set_issue_time(Utc::now() + ChronoDuration::minutes(6));
    assert!(matches!(
        verify(&rs256(future)),
        Err(ClaimsVerificationError::Expired(_))
    ));
    let old = claims(&[CLIENT_ID]).set_issue_time(Utc::now() - ChronoDuration::minutes(16));
    assert!(matches!(
        verify(&rs256(old)),
        Err(ClaimsVerificationError::Expired(_))
    ));
    let skewed = claims(&[CLIENT_ID]).set_issue_time(Utc::now() + ChronoDuration::minutes(4));
    assert!(
        verify(&rs256(skewed)).is_ok(),
        "4 minutes of clock skew are tolerated"
    );
}

#[test]
fn a_token_for_another_client_or_nonce_is_refused() {
    assert!(matches!(
        verify(&rs256(claims(&["someone-else"]))),
        Err(ClaimsVerificationError::InvalidAudience(_))
    ));
    let other_nonce = claims(&[CLIENT_ID]).set_nonce(Some(Nonce::new("n-2".into())));
    assert!(matches!(
        verify(&rs256(other_nonce)),
        Err(ClaimsVerificationError::InvalidNonce(_))
    ));
}

const TENANT: &str = "c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31";

fn entra() -> OidcClient {
    let settings = crate::config::EntraSettings {
        authority: Url::parse("https://login.microsoftonline.com").unwrap(),
        client_id: CLIENT_ID.into(),
        client_secret: SecretString::from(CLIENT_SECRET),
        logout: false,
    };
    let public = PublicUrl::parse("https://gateway.example.com").unwrap();
    OidcClient::entra(&settings, &public).unwrap()
}

fn entra_claims(wids: Option<Vec<&str>>, xms_edov: Option<serde_json::Value>) -> Claims {
    IdTokenClaims::new(
        IssuerUrl::new(format!("https://login.microsoftonline.com/{TENANT}/v2.0")).unwrap(),
        vec![Audience::new(CLIENT_ID.into())],
        Utc::now() + ChronoDuration::hours(1),
        Utc::now(),
        StandardClaims::new(SubjectIdentifier::new("pairwise-sub".into())).set_email(Some(
            openidconnect::EndUserEmail::new("adele@contoso.example".into()),
        )),
        ProviderClaims {
            tid: Some(TENANT.into()),
            oid: Some("3f6b1c2d-8e4a-4b7c-9d1e-2a5f6c7b8d90".into()),
            wids: wids.map(|w| w.into_iter().map(str::to_owned).collect()),
            xms_edov,
        },
    )
}

/// OIDC-3: Entra's email counts as verified only with `xms_edov: true`; OIDC-5: `wids` are read.
#[test]
fn entra_email_is_verified_only_with_xms_edov_and_directory_roles_are_read() {
    let client = entra();
    let admin = "62E90394-69F5-4237-9190-012177145E10";
    let signed_in = client
        .identify(&entra_claims(Some(vec![admin, "not-a-guid"]), None))
        .unwrap();
    assert!(!signed_in.profile.email_verified, "no xms_edov: unverified");
    assert_eq!(
        signed_in.directory_roles,
        ["62e90394-69f5-4237-9190-012177145e10"]
    );
    for (value, verified) in [
        (serde_json::json!(true), true),
        (serde_json::json!("true"), true),
        (serde_json::json!(false), false),
        (serde_json::json!("no"), false),
    ] {
        let signed_in = client.identify(&entra_claims(None, Some(value))).unwrap();
        assert_eq!(signed_in.profile.email_verified, verified);
        assert!(signed_in.directory_roles.is_empty());
    }
}

#[test]
fn auth0_email_is_verified_only_with_email_verified_true() {
    let client = client();
    let with = |flag: Option<bool>| {
        claims(&[CLIENT_ID])
            .set_email(Some(openidconnect::EndUserEmail::new(
                "ada@example.com".into(),
            )))
            .set_email_verified(flag)
    };
    for (flag, verified) in [(Some(true), true), (Some(false), false), (None, false)] {
        let signed_in = client.identify(&with(flag)).unwrap();
        assert_eq!(signed_in.profile.email_verified, verified, "{flag:?}");
    }
}

/// OIDC-4: a correctly signed token of the personal-account (consumer) tenant, with its own
/// tenant's issuer, is still refused; the same token from a work tenant is accepted (the control).
#[test]
fn the_consumer_tenant_is_refused_and_a_work_tenant_is_not() {
    let entra = entra();
    let token_of = |tid: &str| -> Claims {
        // Through serde, so claims added to ProviderClaims later keep their defaults.
        let extra: ProviderClaims = serde_json::from_value(serde_json::json!({
            "tid": tid, "oid": "3f6b1c2d-8e4a-4b7c-9d1e-2a5f6c7b8d90"
        }))
        .unwrap();
        IdTokenClaims::new(
            IssuerUrl::new(format!("https://login.microsoftonline.com/{tid}/v2.0")).unwrap(),
            vec![Audience::new(CLIENT_ID.into())],
            Utc::now() + ChronoDuration::hours(1),
            Utc::now(),
            StandardClaims::new(SubjectIdentifier::new("pairwise-sub".into())),
            extra,
        )
    };
    let refused = entra.identify(&token_of(CONSUMER_TENANT)).unwrap_err();
    assert!(
        refused.to_string().contains("personal Microsoft accounts"),
        "{refused}"
    );
    assert!(entra.identify(&token_of(TENANT)).is_ok());
}
