#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Per-vendor engine behaviour against the fakes: every tool of every definition called with its
//! examples, NinjaOne's token cache, Autotask's zone discovery and concurrency limit, and the Demo
//! vendor's writes.

use std::{collections::BTreeSet, time::Duration};

use serde_json::{json, Value};
use vendor_fakes::{
    atera, autotask, auvik, connectwise_automate, connectwise_psa, datto_rmm, halopsa, hudu,
    huntress, itglue, knowbe4, microsoft365, ninjaone, sentinelone, syncro, FakeVendor, Options,
};

use super::engine_tests::{
    autotask_creds, catalog, creds, def, engine, itglue_creds, ninja_creds, NOW,
};
use super::engine_vendors_a_tests::{cw_creds, datto_creds, halo_creds, syncro_creds};
use super::engine_vendors_c_tests::{automate_creds, auvik_creds, knowbe4_creds};
use super::*;

#[tokio::test]
async fn every_tool_of_every_definition_runs_its_examples_and_returns_shaped_output() {
    // Arrange
    let it = itglue::spawn(Options::default()).await.unwrap();
    let ninja = ninjaone::spawn(Options::default()).await.unwrap();
    let at = autotask::spawn(Options::default()).await.unwrap();
    let m365 = microsoft365::spawn(Options {
        max_page_size: Some(7),
        ..Options::default()
    })
    .await
    .unwrap();
    let auvik_fake = auvik::spawn(Options::default()).await.unwrap();
    let kb4 = knowbe4::spawn(Options::default()).await.unwrap();
    let cwa = connectwise_automate::spawn(Options::default())
        .await
        .unwrap();
    let datto = datto_rmm::spawn(Options::default()).await.unwrap();
    let cw = connectwise_psa::spawn(Options::default()).await.unwrap();
    let halo = halopsa::spawn(Options::default()).await.unwrap();
    let sy = syncro::spawn(Options::default()).await.unwrap();
    let atera_fake = atera::spawn(Options::default()).await.unwrap();
    let hudu_fake = hudu::spawn(Options::default()).await.unwrap();
    let huntress_fake = huntress::spawn(Options::default()).await.unwrap();
    let sentinelone_fake = sentinelone::spawn(Options::default()).await.unwrap();
    let engine = engine(
        &[
            &it,
            &ninja,
            &at,
            &datto,
            &cw,
            &halo,
            &sy,
            &atera_fake,
            &hudu_fake,
            &huntress_fake,
            &sentinelone_fake,
            &auvik_fake,
            &kb4,
            &cwa,
            &m365,
        ],
        None,
    );
    let catalog = catalog();
    let m365_creds = m365_consented(&engine, &catalog).await;
    let mut exercised = BTreeSet::new();
    let mut all = BTreeSet::new();
    for def in catalog.iter() {
        let creds = match def.slug.as_str() {
            "itglue" => itglue_creds(itglue::API_KEY),
            "ninjaone" => ninja_creds(ninjaone::CLIENT_SECRET),
            "autotask" => autotask_creds(autotask::USERNAME),
            "datto-rmm" => datto_creds(datto_rmm::API_SECRET),
            "connectwise-psa" => cw_creds(connectwise_psa::PRIVATE_KEY),
            "halopsa" => halo_creds(halopsa::CLIENT_SECRET),
            "syncro" => syncro_creds(syncro::API_TOKEN),
            "auvik" => auvik_creds(auvik::API_KEY),
            "knowbe4" => knowbe4_creds(knowbe4::API_KEY),
            "connectwise-automate" => automate_creds(connectwise_automate::PASSWORD),
            "demo" => creds(&[], &[("api_key", "demo")]),
            "atera" => creds(&[], &[("api_key", atera::API_KEY)]),
            "hudu" => creds(&[("url", hudu::URL)], &[("api_key", hudu::API_KEY)]),
            "huntress" => creds(
                &[("api_key", huntress::API_KEY)],
                &[("api_secret", huntress::API_SECRET)],
            ),
            "sentinelone" => creds(
                &[("console_url", sentinelone::CONSOLE_URL)],
                &[("api_token", sentinelone::API_TOKEN)],
            ),
            "microsoft-365" => m365_creds.clone_for_test(),
            "mcp-server" => continue,
            other => panic!("no fake for the built-in vendor {other}: add one"),
        };
        for tool in &def.tools {
            all.insert(format!("{}__{}", def.slug, tool.name));
            for example in &tool.examples {
                // Act
                let out = engine
                    .call(def, &creds, &tool.name, example.clone(), NOW)
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "{}__{} {example}: {e:?} {}",
                            def.slug,
                            tool.name,
                            e.message(&def.name)
                        )
                    });
                // Assert: JSON text, structured, small; lists shaped as items.
                let parsed: Value = serde_json::from_str(&out.text).unwrap();
                assert_eq!(Some(&parsed), out.structured.as_ref());
                assert!(out.text.len() <= 64 * 1024);
                if tool.list {
                    assert!(
                        parsed["items"].is_array(),
                        "{}__{}: {parsed}",
                        def.slug,
                        tool.name
                    );
                    assert!(parsed["count"].as_u64().unwrap() <= def.limits.max_items as u64);
                }
                exercised.insert(format!("{}__{}", def.slug, tool.name));
            }
        }
    }
    assert_eq!(exercised, all, "tools not exercised");
    // Password values never leave the gateway, even though the fake's list answer carries them.
    let pw = engine
        .call(
            &catalog.get("itglue").unwrap().clone(),
            &itglue_creds(itglue::API_KEY),
            "list_passwords",
            json!({"organization_id": "1001"}),
            NOW,
        )
        .await
        .unwrap();
    assert!(
        !pw.text.contains("hunter2") && pw.text.contains("Router admin"),
        "{}",
        pw.text
    );
    // Writes reached the fakes.
    assert!(at.data()["Tickets"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["title"] == "Printer offline" && t["queueID"] == 8));
    assert_eq!(ninja.data()["alerts"].as_array().unwrap().len(), 5);
    // Microsoft 365: Graph pages were followed by @odata.nextLink; the writes arrived.
    assert!(m365
        .requests()
        .iter()
        .any(|r| r.query_param("$skiptoken").is_some()));
    assert_eq!(m365.data()["revoked"].as_array().unwrap().len(), 1);
    let megan = m365.data()["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["givenName"] == "Megan")
        .cloned()
        .unwrap();
    assert_eq!(
        megan["accountEnabled"], true,
        "disabled, then enabled again"
    );
}

impl ConnectionCredentials {
    fn clone_for_test(&self) -> ConnectionCredentials {
        use secrecy::ExposeSecret;
        ConnectionCredentials {
            connection_id: self.connection_id,
            version: self.version,
            settings: self.settings.clone(),
            secrets: self
                .secrets
                .iter()
                .map(|(k, v)| (k.clone(), v.expose_secret().to_owned().into()))
                .collect(),
        }
    }
}

/// A Microsoft 365 connection's credentials, obtained the real way: the consent URL, the fake's
/// Accept button, and the code redeemed with the PKCE verifier.
pub(super) async fn m365_consented(engine: &Engine, catalog: &Catalog) -> ConnectionCredentials {
    let def = catalog.get("microsoft-365").unwrap();
    let app = OAuthApp {
        client_id: microsoft365::CLIENT_ID.into(),
        client_secret: microsoft365::CLIENT_SECRET.to_owned().into(),
    };
    let settings = creds(&[("tenant", microsoft365::TENANT_DOMAIN)], &[]);
    let verifier = "a-pkce-verifier-of-forty-three-characters-or-more-0123";
    let challenge = crate::oauth::pkce::s256(verifier);
    let redirect = "https://gw.example.com/connections/oauth/callback";
    let url = engine
        .authorize_url(def, &settings, &app, redirect, "st", &challenge)
        .unwrap();
    let code = accepted_code(url.as_str()).await;
    let tokens = engine
        .redeem_code(
            def,
            &settings,
            &app,
            Redemption {
                code: &code,
                verifier,
                redirect_uri: redirect,
            },
            NOW,
        )
        .await
        .unwrap();
    let mut secrets = settings.secrets;
    use secrecy::ExposeSecret;
    secrets.insert(
        ACCESS_TOKEN.into(),
        tokens.access_token.expose_secret().to_owned().into(),
    );
    secrets.insert(
        EXPIRES_AT.into(),
        tokens.expires_at.unix_timestamp().to_string().into(),
    );
    ConnectionCredentials {
        secrets,
        ..settings
    }
}

/// The fake's consent page, accepted; returns the code in the address it redirects the
/// browser to.
async fn accepted_code(authorize_url: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = client
        .post(authorize_url)
        .form(&[("decision", "accept")])
        .send()
        .await
        .unwrap();
    let location = answer.headers()["location"].to_str().unwrap();
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn the_m365_token_endpoint_checks_the_verifier_and_a_refused_refresh_is_invalid_grant() {
    let fake: FakeVendor = microsoft365::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let catalog = catalog();
    let def = catalog.get("microsoft-365").unwrap();
    let app = OAuthApp {
        client_id: microsoft365::CLIENT_ID.into(),
        client_secret: microsoft365::CLIENT_SECRET.to_owned().into(),
    };
    let settings = creds(&[("tenant", microsoft365::TENANT_ID)], &[]);
    let redirect = "https://gw.example.com/connections/oauth/callback";
    let challenge = crate::oauth::pkce::s256("the-right-verifier-of-forty-three-characters-0123");
    let url = engine
        .authorize_url(def, &settings, &app, redirect, "s", &challenge)
        .unwrap();
    let code = accepted_code(url.as_str()).await;
    // A wrong verifier: invalid_grant, and the code is spent.
    let wrong = engine
        .redeem_code(
            def,
            &settings,
            &app,
            Redemption {
                code: &code,
                verifier: "a-wrong-verifier-of-forty-three-characters-0123",
                redirect_uri: redirect,
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&wrong, GrantError::InvalidGrant { vendor_message: Some(m) } if m.contains("AADSTS501481")),
        "{wrong:?}"
    );
    // Refresh: rotated; refused while the switch is on.
    let url = engine
        .authorize_url(def, &settings, &app, redirect, "s2", &challenge)
        .unwrap();
    let code = accepted_code(url.as_str()).await;
    let tokens = engine
        .redeem_code(
            def,
            &settings,
            &app,
            Redemption {
                code: &code,
                verifier: "the-right-verifier-of-forty-three-characters-0123",
                redirect_uri: redirect,
            },
            NOW,
        )
        .await
        .unwrap();
    let first = tokens.refresh_token.unwrap();
    let rotated = engine
        .refresh_grant(def, &settings, &app, &first, NOW)
        .await
        .unwrap();
    assert!(rotated.refresh_token.is_some());
    assert!(matches!(
        engine
            .refresh_grant(def, &settings, &app, &first, NOW)
            .await,
        Err(GrantError::InvalidGrant { .. })
    ));
    microsoft365::refuse_refresh(&fake, true);
    let refused = engine
        .refresh_grant(def, &settings, &app, &rotated.refresh_token.unwrap(), NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, GrantError::InvalidGrant { vendor_message: Some(m) } if m.contains("AADSTS700082")),
        "{refused:?}"
    );
    // The consent URL went to the fake (outbound_origin_overrides) and the client secret never
    // appears in an error.
    assert!(url.as_str().starts_with(&fake.origin));
    assert!(!format!("{refused:?}{wrong:?}").contains(microsoft365::CLIENT_SECRET));
}

#[tokio::test]
async fn ninjaone_token_is_fetched_once_reused_and_refetched_after_expiry() {
    // Arrange
    let fake = ninjaone::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("ninjaone");
    let creds = ninja_creds(ninjaone::CLIENT_SECRET);
    // Act: a check and three calls within the token's hour.
    assert_eq!(
        engine.check(&def, &creds, NOW).await,
        CheckOutcome::Authenticated {
            detail: Some("organizations readable (first: Ninja Client 01)".into())
        }
    );
    for minutes in [1, 10, 50] {
        engine
            .call(
                &def,
                &creds,
                "list_organizations",
                json!({}),
                NOW + time::Duration::minutes(minutes),
            )
            .await
            .unwrap();
    }
    // Assert
    assert_eq!(fake.count("/ws/oauth/token"), 1);
    let token_request = &fake.requests()[0];
    let form: std::collections::BTreeMap<String, String> =
        url::form_urlencoded::parse(token_request.body.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["scope"], "monitoring management");
    assert_eq!(form["client_id"], ninjaone::CLIENT_ID);
    assert_eq!(
        fake.requests()[1].header("authorization"),
        Some("Bearer fake-ninja-access-token-0001")
    );
    // Within a minute of expiry the token is renewed first.
    engine
        .call(
            &def,
            &creds,
            "list_organizations",
            json!({}),
            NOW + time::Duration::minutes(59) + time::Duration::seconds(30),
        )
        .await
        .unwrap();
    assert_eq!(fake.count("/ws/oauth/token"), 2);
    // A new credential version never uses the old token.
    let mut rotated = ninja_creds(ninjaone::CLIENT_SECRET);
    rotated.connection_id = creds.connection_id;
    rotated.version = 2;
    engine
        .call(
            &def,
            &rotated,
            "list_organizations",
            json!({}),
            NOW + time::Duration::minutes(60),
        )
        .await
        .unwrap();
    assert_eq!(fake.count("/ws/oauth/token"), 3);
}

#[tokio::test]
async fn ninjaone_wrong_client_secret_is_rejected_with_the_token_endpoints_message() {
    let fake = ninjaone::spawn(Options::default()).await.unwrap();
    let outcome = engine(&[&fake], None)
        .check(&def("ninjaone"), &ninja_creds("wrong-secret-123"), NOW)
        .await;
    assert_eq!(
        outcome,
        CheckOutcome::Rejected {
            vendor_message: Some("Invalid client credentials".into())
        }
    );
    assert_eq!(fake.count("/v2/organizations"), 0);
}

#[tokio::test]
async fn an_expired_ninjaone_token_answered_with_401_is_dropped_and_replaced_next_call() {
    let fake = ninjaone::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("ninjaone");
    let creds = ninja_creds(ninjaone::CLIENT_SECRET);
    engine
        .call(&def, &creds, "list_organizations", json!({}), NOW)
        .await
        .unwrap();
    fake.set_failure(Some(vendor_fakes::FailureMode::Unauthorized));
    let e = engine
        .call(&def, &creds, "list_organizations", json!({}), NOW)
        .await
        .unwrap_err();
    assert_eq!(e.class(), "rejected");
    fake.set_failure(None);
    engine
        .call(&def, &creds, "list_organizations", json!({}), NOW)
        .await
        .unwrap();
    assert_eq!(fake.count("/ws/oauth/token"), 2);
}

#[tokio::test]
async fn autotask_zone_is_discovered_without_credentials_once_and_used() {
    // Arrange
    let fake = autotask::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("autotask");
    let creds = autotask_creds(autotask::USERNAME);
    // Act
    let outcome = engine.check(&def, &creds, NOW).await;
    engine
        .call(&def, &creds, "get_ticket", json!({"id": 9001}), NOW)
        .await
        .unwrap();
    // Assert
    assert_eq!(
        outcome,
        CheckOutcome::Authenticated {
            detail: Some("Example MSP Ltd".into())
        }
    );
    assert_eq!(fake.count("/zoneInformation"), 1);
    let requests = fake.requests();
    let zone = &requests[0];
    assert_eq!(
        zone.query_param("user").as_deref(),
        Some(autotask::USERNAME)
    );
    assert!(zone.header("secret").is_none() && zone.header("apiintegrationcode").is_none());
    let check = &requests[1];
    assert_eq!(check.path, "/atservicesrest/v1.0/Companies/query");
    let search: Value = serde_json::from_str(&check.query_param("search").unwrap()).unwrap();
    assert_eq!(
        search,
        json!({"filter": [{"op": "eq", "field": "id", "value": 0}], "MaxRecords": 1})
    );
    assert_eq!(check.header("username"), Some(autotask::USERNAME));
    assert_eq!(check.header("secret"), Some(autotask::SECRET));
    assert_eq!(
        check.header("apiintegrationcode"),
        Some(autotask::INTEGRATION_CODE)
    );
    assert_eq!(requests[2].path, "/atservicesrest/v1.0/Tickets/9001");
    // A missing record (Autotask answers 200 {"item": null}) is not found.
    let missing = engine
        .call(&def, &creds, "get_ticket", json!({"id": 1}), NOW)
        .await
        .unwrap_err();
    assert_eq!(missing.class(), "not_found");
}

#[tokio::test]
async fn an_unknown_autotask_user_is_an_invalid_user_name_setting() {
    let fake = autotask::spawn(Options::default()).await.unwrap();
    let outcome = engine(&[&fake], None)
        .check(&def("autotask"), &autotask_creds("nobody@msp.example"), NOW)
        .await;
    let CheckOutcome::InvalidSettings { field, message } = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(field, "username");
    assert!(
        message.contains("Zone information could not be determined"),
        "{message}"
    );
}

#[tokio::test]
async fn autotask_calls_of_one_connection_never_exceed_three_at_once() {
    // Arrange: each API answer takes 150 ms.
    let fake = autotask::spawn(Options {
        delay: Some(Duration::from_millis(150)),
        ..Options::default()
    })
    .await
    .unwrap();
    let engine = engine(&[&fake], None);
    let def = def("autotask");
    let id = uuid::Uuid::new_v4();
    // Act: eight calls at once.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (engine, def) = (engine.clone(), def.clone());
        tasks.spawn(async move {
            let mut creds = autotask_creds(autotask::USERNAME);
            creds.connection_id = id;
            engine
                .call(&def, &creds, "get_company", json!({"id": 0}), NOW)
                .await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    // Assert
    assert_eq!(fake.max_in_flight(), 3);
}

#[tokio::test]
async fn demo_writes_are_seen_by_later_reads_of_the_same_connection_only() {
    // Arrange
    let engine = engine(&[], None);
    let def = def("demo");
    let mine = creds(&[], &[("api_key", "anything")]);
    let other = creds(&[], &[("api_key", "anything")]);
    assert_eq!(
        engine.check(&def, &mine, NOW).await,
        CheckOutcome::Authenticated {
            detail: Some("Demo MSP (sample data)".into())
        }
    );
    assert_eq!(
        engine.check(&def, &creds(&[], &[]), NOW).await.class(),
        "rejected"
    );
    // Act
    let created = engine
        .call(
            &def,
            &mine,
            "create_ticket",
            json!({"company_id": 2, "title": "Gateway test"}),
            NOW,
        )
        .await
        .unwrap()
        .structured
        .unwrap();
    let id = created["id"].clone();
    engine
        .call(
            &def,
            &mine,
            "add_ticket_note",
            json!({"ticket_id": id, "text": "First note"}),
            NOW,
        )
        .await
        .unwrap();
    engine
        .call(
            &def,
            &mine,
            "acknowledge_alert",
            json!({"id": "alert-3"}),
            NOW,
        )
        .await
        .unwrap();
    // Assert
    let ticket = engine
        .call(&def, &mine, "get_ticket", json!({"id": id}), NOW)
        .await
        .unwrap()
        .structured
        .unwrap();
    assert_eq!(ticket["title"], "Gateway test");
    assert_eq!(ticket["notes"][0]["text"], "First note");
    let acked = engine
        .call(
            &def,
            &mine,
            "list_alerts",
            json!({"acknowledged": true}),
            NOW,
        )
        .await
        .unwrap()
        .structured
        .unwrap();
    assert_eq!(acked["items"][0]["id"], "alert-3");
    let theirs = engine
        .call(&def, &other, "get_ticket", json!({"id": id}), NOW)
        .await
        .unwrap_err();
    assert_eq!(theirs.class(), "not_found");
    // Paging and limits on demo lists.
    let page = engine
        .call(
            &def,
            &mine,
            "list_tickets",
            json!({"limit": 5, "page": 2}),
            NOW,
        )
        .await
        .unwrap();
    let v = page.structured.unwrap();
    assert_eq!(v["items"][0]["id"], 1005);
    assert!(page.truncated && v["note"].is_string());
}

#[tokio::test]
async fn a_wrong_autotask_secret_is_rejected_with_the_vendors_message() {
    let fake = autotask::spawn(Options::default()).await.unwrap();
    let mut wrong = autotask_creds(autotask::USERNAME);
    wrong.secrets.insert(
        "secret".into(),
        secrecy::SecretString::from("not-the-secret"),
    );
    let outcome = engine(&[&fake], None)
        .check(&def("autotask"), &wrong, NOW)
        .await;
    let CheckOutcome::Rejected {
        vendor_message: Some(said),
    } = &outcome
    else {
        panic!("{outcome:?}")
    };
    assert!(said.starts_with("User authentication failed"), "{said}");
}
