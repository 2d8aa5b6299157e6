//! The OpenID provider stand-in (`end2end/idp`, npm `oidc-provider` shaped like Entra and Auth0)
//! for sign-in tests, and a small "browser" that walks through it.
//!
//! Each test starts its own stand-in (≈0.5 s) so the one-shot ID-token mutations and key
//! rotations of one test never reach another. The gateway reaches it only through its normal
//! settings (authority, issuer, client id and secret).

use std::process::Stdio;

use domain::config::RawSettings;
use reqwest::{Client, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};
use url::Url;

use crate::helpers::TestApp;

pub const CLIENT_ID: &str = "gateway-test-client";
pub const CLIENT_SECRET: &str = "gateway-test-secret";

pub const CONTOSO: &str = "c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31";
pub const FABRIKAM: &str = "f4b1e8c2-7d3a-4e9b-8c05-6a2d1f3e7b48";
pub const NORTHWIND: &str = "9e2d6c4a-1f8b-4a7e-b3d9-5c0e8a6f2d17";
pub const ADELE_OID: &str = "3f6b1c2d-8e4a-4b7c-9d1e-2a5f6c7b8d90";

/// A running stand-in; killed on drop.
pub struct Idp {
    pub base: String,
    /// Entra authority (`http://127.0.0.1:P/entra`).
    pub entra: String,
    /// Auth0 issuer (`http://127.0.0.1:P/auth0/`).
    pub auth0: String,
    http: Client,
    _child: Child,
}

impl Idp {
    pub async fn start() -> Idp {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/idp/server.js");
        let mut child = Command::new("node")
            .arg(script)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the IdP stand-in (scripts/setup.sh installs end2end/idp)");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(20),
            BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("the IdP stand-in starts within 20 s")
        .unwrap();
        let ready: Value = serde_json::from_str(&line).expect("ready line is JSON");
        let port = ready["port"].as_u64().unwrap();
        Idp {
            base: format!("http://127.0.0.1:{port}"),
            entra: ready["entra"].as_str().unwrap().to_owned(),
            auth0: ready["auth0"].as_str().unwrap().to_owned(),
            http: Client::new(),
            _child: child,
        }
    }

    /// The gateway settings for both providers.
    pub fn configure(&self, raw: &mut RawSettings) {
        raw.entra_client_id = Some(CLIENT_ID.into());
        raw.entra_client_secret = Some(SecretString::from(CLIENT_SECRET));
        raw.entra_authority = self.entra.clone();
        raw.auth0_issuer = Some(self.auth0.clone());
        raw.auth0_client_id = Some(CLIENT_ID.into());
        raw.auth0_client_secret = Some(SecretString::from(CLIENT_SECRET));
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/_admin/{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "admin hook {path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// Corrupts the next ID token of `realm` (`entra`, `auth0` or `any`).
    pub async fn corrupt_next_id_token(&self, mutation: &str, realm: &str) {
        self.admin(
            reqwest::Method::POST,
            "next-id-token",
            Some(json!({ "mutation": mutation, "realm": realm })),
        )
        .await;
    }

    /// Rolls the signing keys over.
    pub async fn rotate_keys(&self, realm: &str, keep_old: bool) -> Value {
        self.admin(
            reqwest::Method::POST,
            "rotate-keys",
            Some(json!({ "realm": realm, "keep_old": keep_old })),
        )
        .await
    }
}

/// What the user does at the identity provider.
#[derive(Clone, Copy)]
pub enum AtIdp<'a> {
    /// Signs in as this user (UPN or email).
    SignInAs(&'a str),
    /// Admin consent: accepts as this administrator.
    ConsentAs(&'a str),
    /// Admin consent: declines.
    DeclineConsent,
}

impl TestApp {
    /// Follows redirects from `path` on the gateway through the identity provider, acting as
    /// `act` there, until the browser is sent back to the gateway. Returns that URL, not yet
    /// requested (tests replay, tamper with or follow it).
    pub async fn through_idp(&self, path: &str, act: AtIdp<'_>) -> String {
        let response = self.get(path).await;
        assert!(
            response.status().is_redirection(),
            "expected {path} to redirect to the identity provider, got {}",
            response.status()
        );
        let to = crate::helpers::location(&response);
        assert!(
            !to.starts_with('/'),
            "{path} redirected within the gateway: {to}"
        );
        self.through_idp_from(&to, act).await
    }

    /// GET of an absolute URL (a callback) as a browser navigation.
    pub async fn get_url(&self, url: &str) -> reqwest::Response {
        self.client
            .get(url)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
    }

    /// A full Microsoft or Auth0 sign-in through the stand-in, ending on the gateway.
    pub async fn idp_sign_in(&self, start: &str, user: &str) -> reqwest::Response {
        let callback = self.through_idp(start, AtIdp::SignInAs(user)).await;
        self.get_url(&callback).await
    }

    /// Onboards `tenant`'s administrator's tenant through admin consent and the confirming
    /// sign-in; returns the final response (the redirect to the result page).
    pub async fn onboard(&self, customer: &str, admin: &str) -> reqwest::Response {
        let path = format!(
            "/auth/admin-consent?customer_name={}",
            customer.replace(' ', "+")
        );
        let consent_callback = self.through_idp(&path, AtIdp::ConsentAs(admin)).await;
        let response = self.get_url(&consent_callback).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "consent callback redirects to sign-in"
        );
        let sign_in = crate::helpers::location(&response);
        let callback = self
            .through_idp_from(&sign_in, AtIdp::SignInAs(admin))
            .await;
        self.get_url(&callback).await
    }

    /// [`TestApp::through_idp`] from an absolute URL already outside the gateway.
    pub async fn through_idp_from(&self, url: &str, act: AtIdp<'_>) -> String {
        walk_idp(&self.client, &self.base, url, act).await
    }
}

/// Follows the identity provider's redirects from `url`, acting as `act`, until the browser is
/// sent back to `gateway`; returns that URL, not yet requested.
pub async fn walk_idp(client: &Client, gateway: &str, url: &str, act: AtIdp<'_>) -> String {
    let mut url = act_at_idp(Url::parse(url).unwrap(), act);
    for _ in 0..20 {
        let response = client
            .get(&url)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_redirection(),
            "expected a redirect from {url}, got {}",
            response.status()
        );
        let next = Url::parse(&url)
            .unwrap()
            .join(response.headers()["location"].to_str().unwrap())
            .unwrap();
        if next.as_str().starts_with(gateway) {
            return next.to_string();
        }
        url = next.to_string();
    }
    panic!("too many redirects at the identity provider");
}

/// The stand-in's page-skipping parameters, added as a browser user would click through.
fn act_at_idp(mut url: Url, act: AtIdp<'_>) -> String {
    {
        let mut query = url.query_pairs_mut();
        match act {
            AtIdp::SignInAs(user) => {
                query.append_pair("login_hint", user);
            }
            AtIdp::ConsentAs(admin) => {
                query
                    .append_pair("login_hint", admin)
                    .append_pair("test_outcome", "accept");
            }
            AtIdp::DeclineConsent => {
                query.append_pair("test_outcome", "deny");
            }
        }
    }
    url.to_string()
}
