//! The authorization server's request parsing, as the HTTP layer feeds it: the input is an
//! `application/x-www-form-urlencoded` string, read as `/authorize`'s query
//! (`AuthorizationQuery`, through `serde_urlencoded` as axum's `Query` does) and validated by
//! `authorize::validate`, and read as a `/token` form whose client is authenticated and whose
//! grant is run (`authorization_code`, `refresh_token`, `client_credentials`) on a database
//! with a pre-registered, a dynamically registered and a service client.
//!
//! Client ids that are URLs (Client ID Metadata Documents) are skipped: resolving them means
//! fetching a document over the network; the guard they go through has its own target.
//!
//! Checked beyond "no panic": an accepted `/authorize` request has a redirect URI the client
//! registered, a valid S256 challenge and one of the gateway's canonical resources.

#![no_main]

use std::{collections::HashMap, sync::Arc, sync::OnceLock};

use domain::{
    audit::RequestContext,
    crypto::MasterKey,
    oauth::{
        authorize::{self, AuthorizationQuery},
        clients::{self, ClientCredentials, PreRegisteredClient, RegistrationRequest},
        grants::{self, CodeExchange, RefreshRequest},
        metadata_documents::is_document_url,
        pkce, redirect, resource, OAuthSettings,
    },
    outbound::{Outbound, OutboundSettings},
    OffsetDateTime,
};
use libfuzzer_sys::fuzz_target;
use mcp_gateway_fuzz::{database, runtime, NoLookup};
use sea_orm::DatabaseConnection;

struct Server {
    db: DatabaseConnection,
    /// The dynamically registered client's id (random); the input names it `dyn`.
    dynamic_id: String,
    settings: OAuthSettings,
    outbound: Outbound,
    key: MasterKey,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a time")
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let db = database("oauth");
        let mut settings = OAuthSettings::with_issuer("https://gw.example.com");
        settings.pre_registered.push(PreRegisteredClient {
            client_id: "pre".into(),
            client_name: "Pre-registered".into(),
            redirect_uris: vec![
                "http://127.0.0.1/callback".into(),
                "https://claude.ai/api/mcp/auth_callback".into(),
            ],
        });
        let outbound =
            Outbound::with_lookup(OutboundSettings::default(), Arc::new(NoLookup)).expect("guard");
        let dynamic_id = runtime().block_on(async {
            clients::register(
                &db,
                RegistrationRequest {
                    redirect_uris: Some(vec!["http://localhost/cb".into()]),
                    client_name: Some("Dynamic".into()),
                    grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
                    ..Default::default()
                },
                &RequestContext::default(),
                now(),
            )
            .await
            .expect("register")
            .client_id
        });
        Server {
            db,
            dynamic_id,
            settings,
            outbound,
            key: MasterKey::from_bytes([3; 32]),
        }
    })
}

async fn authorize_request(s: &Server, data: &str) {
    let Ok(mut query) = serde_urlencoded::from_str::<AuthorizationQuery>(data) else {
        return;
    };
    if query.client_id.as_deref() == Some("dyn") {
        query.client_id = Some(s.dynamic_id.clone());
    }
    if query.client_id.as_deref().is_some_and(is_document_url) {
        return;
    }
    let validated = authorize::validate(&s.db, &s.settings, &s.outbound, &query, None, now()).await;
    if let Ok((client, pending)) = validated {
        assert!(
            redirect::matches(&client.redirect_uris, &pending.redirect_uri)
                || (query.redirect_uri.is_none()
                    && client.redirect_uris == [pending.redirect_uri.clone()]),
            "{data}"
        );
        assert!(
            pkce::is_valid_s256_challenge(&pending.code_challenge),
            "{data}"
        );
        assert_eq!(
            resource::canonical_resource(&pending.resource, &s.settings.resource).as_deref(),
            Some(pending.resource.as_str()),
            "{data}"
        );
    }
}

async fn token_request(s: &Server, data: &str) {
    let Ok(mut form) = serde_urlencoded::from_str::<HashMap<String, String>>(data) else {
        return;
    };
    if form.get("client_id").is_some_and(|id| id == "dyn") {
        form.insert("client_id".into(), s.dynamic_id.clone());
    }
    let param = |name: &str| form.get(name).cloned();
    if param("client_id").is_some_and(|id| is_document_url(&id)) {
        return;
    }
    let credentials = ClientCredentials {
        client_id: param("client_id"),
        client_secret: param("client_secret"),
        basic: false,
    };
    let context = RequestContext::default();
    let Ok(client) =
        clients::authenticate(&s.db, &s.settings, &s.outbound, &credentials, now()).await
    else {
        return;
    };
    let _ = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let request = CodeExchange {
                code: param("code").unwrap_or_default(),
                redirect_uri: param("redirect_uri"),
                code_verifier: param("code_verifier"),
                resource: param("resource"),
            };
            grants::exchange_code(&s.db, &s.settings, &client, request, &context, now()).await
        }
        Some("refresh_token") => {
            let request = RefreshRequest {
                refresh_token: param("refresh_token").unwrap_or_default(),
                scope: param("scope"),
                resource: param("resource"),
            };
            grants::refresh(
                &s.db,
                &s.settings,
                &s.key,
                &client,
                request,
                &context,
                now(),
            )
            .await
        }
        Some("client_credentials") => {
            grants::client_credentials(
                &s.db,
                &s.settings,
                &client,
                form.get("scope").map(String::as_str),
                form.get("resource").map(String::as_str),
                now(),
            )
            .await
        }
        _ => return,
    };
}

fuzz_target!(|data: &str| {
    let s = server();
    runtime().block_on(async {
        authorize_request(s, data).await;
        token_request(s, data).await;
    });
});
