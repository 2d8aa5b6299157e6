#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Auvik, KnowBe4 and ConnectWise Automate against their fakes: each check with the right and a
//! wrong credential (and the parts a scheme has: the region, Automate's ClientId), paging across
//! small pages, the exact body of a write, 429 with Retry-After; the token exchange's cache,
//! expiry and 401 handling. The format's refusals of bad token exchanges are in
//! `catalog_tests.rs`.

use std::time::Duration;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use serde_json::{json, Value};
use time::OffsetDateTime;
use vendor_fakes::{auvik, connectwise_automate as cwa, knowbe4, FailureMode, Options};

use super::engine_tests::{creds, def, engine, NOW};
use super::*;

pub(super) fn auvik_creds(key: &str) -> ConnectionCredentials {
    creds(
        &[("username", auvik::USERNAME), ("region", "us1")],
        &[("api_key", key)],
    )
}

pub(super) fn knowbe4_creds(key: &str) -> ConnectionCredentials {
    creds(&[("region", "us")], &[("api_key", key)])
}

pub(super) fn automate_creds(password: &str) -> ConnectionCredentials {
    creds(
        &[
            ("server", cwa::SERVER),
            ("client_id", cwa::CLIENT_ID),
            ("username", cwa::USERNAME),
        ],
        &[("password", password)],
    )
}

fn ids(out: &ToolOutput, key: &str) -> Vec<Value> {
    out.structured.as_ref().unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].clone())
        .collect()
}

async fn assert_rate_limited(
    fake: &vendor_fakes::FakeVendor,
    engine: &Engine,
    d: &VendorDefinition,
    c: &ConnectionCredentials,
    tool: &str,
) {
    fake.set_failure(Some(FailureMode::RateLimited { retry_after: 7 }));
    let error = engine.call(d, c, tool, json!({}), NOW).await.unwrap_err();
    assert_eq!(
        error,
        CallError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        },
        "{}",
        d.slug
    );
    fake.set_failure(None);
}

// ---------------------------------------------------------------- Auvik

#[tokio::test]
async fn auvik_check_sends_basic_email_and_key_and_a_wrong_key_is_rejected() {
    // Arrange
    let fake = auvik::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("auvik");
    // Act
    let ok = engine.check(&def, &auvik_creds(auvik::API_KEY), NOW).await;
    let wrong = engine.check(&def, &auvik_creds("not-the-key"), NOW).await;
    // Assert
    assert_eq!(ok, CheckOutcome::Authenticated { detail: None });
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/v1/authentication/verify");
    let basic = STANDARD.encode(format!("{}:{}", auvik::USERNAME, auvik::API_KEY));
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    assert_eq!(
        wrong,
        CheckOutcome::Rejected {
            vendor_message: Some("Invalid username or API key".into())
        }
    );
    // The region is one of Auvik's clusters, never free text in the host name.
    let mut elsewhere = auvik_creds(auvik::API_KEY);
    elsewhere
        .settings
        .insert("region".into(), "evil.example#".into());
    let CheckOutcome::InvalidSettings { field, .. } = engine.check(&def, &elsewhere, NOW).await
    else {
        panic!("a region outside the options was used")
    };
    assert_eq!(field, "region");
    let mut eu = auvik_creds(auvik::API_KEY);
    eu.settings.insert("region".into(), "eu1".into());
    assert!(engine.check(&def, &eu, NOW).await.is_ok());
}

#[tokio::test]
async fn auvik_lists_follow_links_next_across_small_pages() {
    // Arrange: pages of two.
    let fake = auvik::spawn(Options {
        max_page_size: Some(2),
        ..Options::default()
    })
    .await
    .unwrap();
    let engine = engine(&[&fake], None);
    // Act
    let out = engine
        .call(
            &def("auvik"),
            &auvik_creds(auvik::API_KEY),
            "list_devices",
            json!({"limit": 5}),
            NOW,
        )
        .await
        .unwrap();
    // Assert
    assert_eq!(
        ids(&out, "id"),
        ["dev-0001", "dev-0002", "dev-0003", "dev-0004", "dev-0005"]
    );
    let v = out.structured.unwrap();
    assert_eq!(v["items"][0]["tenant_id"], "100002");
    assert_eq!(v["items"][0]["type"], "firewall");
    let requests = fake.requests();
    let firsts: Vec<_> = requests
        .iter()
        .map(|r| r.query_param("page[first]"))
        .collect();
    assert_eq!(firsts, vec![Some("5".to_owned()); 3]);
    assert!(requests[0].query_param("page[after]").is_none());
    assert!(requests[1..]
        .iter()
        .all(|r| r.query_param("page[after]").is_some()));
    // Filters are sent as Auvik's filter[...] parameters.
    let out = engine
        .call(
            &def("auvik"),
            &auvik_creds(auvik::API_KEY),
            "list_alerts",
            json!({"tenant_id": "100001", "severity": "critical", "dismissed": false}),
            NOW,
        )
        .await
        .unwrap();
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.query_param("tenants").as_deref(), Some("100001"));
    assert_eq!(
        last.query_param("filter[severity]").as_deref(),
        Some("critical")
    );
    assert_eq!(
        last.query_param("filter[dismissed]").as_deref(),
        Some("false")
    );
    assert_eq!(ids(&out, "id"), ["alert-0006"]);
}

#[tokio::test]
async fn auvik_dismiss_alert_posts_to_the_alert_and_429_is_rate_limited() {
    let fake = auvik::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, c) = (def("auvik"), auvik_creds(auvik::API_KEY));
    // Act
    let out = engine
        .call(&def, &c, "dismiss_alert", json!({"id": "alert-0002"}), NOW)
        .await
        .unwrap();
    // Assert
    assert_eq!(out.structured.unwrap(), json!({"result": "done"}));
    let sent = fake.requests().pop().unwrap();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str(), sent.body.as_str()),
        ("POST", "/v1/alert/dismiss/alert-0002", "")
    );
    assert_eq!(fake.data()["alerts"][1]["attributes"]["dismissed"], true);
    assert_rate_limited(&fake, &engine, &def, &c, "list_alerts").await;
}

// ---------------------------------------------------------------- KnowBe4

#[tokio::test]
async fn knowbe4_check_sends_the_bearer_token_to_the_regions_server() {
    // Arrange
    let fake = knowbe4::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("knowbe4");
    // Act
    let ok = engine
        .check(&def, &knowbe4_creds(knowbe4::API_KEY), NOW)
        .await;
    let wrong = engine.check(&def, &knowbe4_creds("wrong-token"), NOW).await;
    // Assert
    assert_eq!(
        ok,
        CheckOutcome::Authenticated {
            detail: Some("account Acme Dental".into())
        }
    );
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/v1/account");
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {}", knowbe4::API_KEY).as_str())
    );
    assert_eq!(
        wrong,
        CheckOutcome::Rejected {
            vendor_message: Some("Invalid API token".into())
        }
    );
    let mut no_region = knowbe4_creds(knowbe4::API_KEY);
    no_region.settings.insert("region".into(), "fr".into());
    assert_eq!(
        engine.check(&def, &no_region, NOW).await.class(),
        "invalid_settings"
    );
    // The Reporting API only reads: no tool of the definition writes.
    assert!(def.tools.iter().all(|t| t.read_only && !t.destructive));
}

#[tokio::test]
async fn knowbe4_lists_page_with_page_numbers_and_rate_limits_say_when_to_retry() {
    // Arrange: pages of two.
    let fake = knowbe4::spawn(Options {
        max_page_size: Some(2),
        ..Options::default()
    })
    .await
    .unwrap();
    let engine = engine(&[&fake], None);
    let (def, c) = (def("knowbe4"), knowbe4_creds(knowbe4::API_KEY));
    // Act
    let out = engine
        .call(
            &def,
            &c,
            "list_users",
            json!({"status": "active", "limit": 5}),
            NOW,
        )
        .await
        .unwrap();
    // Assert: archived user 5006 is filtered out by the vendor.
    assert_eq!(ids(&out, "id"), [5001, 5002, 5003, 5004, 5005]);
    let pages: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| r.query_param("page"))
        .collect();
    assert_eq!(pages, [None, Some("2".into()), Some("3".into())]);
    assert!(fake
        .requests()
        .iter()
        .all(|r| r.query_param("status").as_deref() == Some("active")));
    let recipients = engine
        .call(
            &def,
            &c,
            "list_phishing_test_recipients",
            json!({"pst_id": 7001}),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        recipients.structured.unwrap()["items"][0]["email"],
        "user1@acme.example"
    );
    assert_rate_limited(&fake, &engine, &def, &c, "list_groups").await;
}

// ---------------------------------------------------------------- ConnectWise Automate

#[tokio::test]
async fn automate_exchanges_the_credential_for_a_token_then_sends_it_with_the_client_id() {
    // Arrange
    let fake = cwa::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    // Act
    let outcome = engine
        .check(
            &def("connectwise-automate"),
            &automate_creds(cwa::PASSWORD),
            NOW,
        )
        .await;
    // Assert
    assert_eq!(outcome, CheckOutcome::Authenticated { detail: None });
    let requests = fake.requests();
    let exchange = &requests[0];
    assert_eq!(
        (exchange.method.as_str(), exchange.path.as_str()),
        ("POST", "/cwa/api/v1/apitoken")
    );
    assert_eq!(exchange.header("clientid"), Some(cwa::CLIENT_ID));
    assert_eq!(exchange.header("content-type"), Some("application/json"));
    assert!(exchange.header("authorization").is_none());
    let body: Value = serde_json::from_str(&exchange.body).unwrap();
    assert_eq!(
        body,
        json!({"UserName": cwa::USERNAME, "Password": cwa::PASSWORD})
    );
    let check = &requests[1];
    assert_eq!(check.path, "/cwa/api/v1/DatabaseServerTime");
    assert_eq!(
        check.header("authorization"),
        Some("Bearer fake-automate-token-0001")
    );
    assert_eq!(check.header("clientid"), Some(cwa::CLIENT_ID));
}

#[tokio::test]
async fn automate_refusals_of_the_exchange_are_rejected_and_the_client_id_is_required() {
    let fake = cwa::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("connectwise-automate");
    // A wrong password: the vendor's words, and no API call.
    let outcome = engine
        .check(&def, &automate_creds("wrong-password"), NOW)
        .await;
    assert_eq!(
        outcome,
        CheckOutcome::Rejected {
            vendor_message: Some("Username or password is incorrect.".into())
        }
    );
    // Another integration's ClientId: refused at the exchange too.
    let mut other = automate_creds(cwa::PASSWORD);
    other.settings.insert(
        "client_id".into(),
        "11111111-2222-4333-8444-555555555555".into(),
    );
    assert_eq!(
        engine.check(&def, &other, NOW).await,
        CheckOutcome::Rejected {
            vendor_message: Some("A valid ClientId header is required.".into())
        }
    );
    // Without a ClientId at all the engine does not even ask.
    let mut none = automate_creds(cwa::PASSWORD);
    none.settings.remove("client_id");
    assert_eq!(
        engine.check(&def, &none, NOW).await.class(),
        "invalid_settings"
    );
    assert_eq!(fake.count("/DatabaseServerTime"), 0);
    // A refusal of the exchange is never a password echoed back.
    assert!(!outcome.message().contains(cwa::PASSWORD));
}

#[tokio::test]
async fn automate_token_is_cached_until_its_expiration_date_and_dropped_after_a_401() {
    // Arrange: the fake's tokens expire an hour after issue by the system clock.
    let fake = cwa::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, c) = (def("connectwise-automate"), automate_creds(cwa::PASSWORD));
    let now = OffsetDateTime::now_utc();
    // Act: a check and three calls within the hour.
    assert!(engine.check(&def, &c, now).await.is_ok());
    for minutes in [1, 20, 50] {
        engine
            .call(
                &def,
                &c,
                "list_clients",
                json!({}),
                now + time::Duration::minutes(minutes),
            )
            .await
            .unwrap();
    }
    // Assert
    assert_eq!(fake.count("/apitoken"), 1);
    // Within a minute of the ExpirationDate the token is exchanged again.
    engine
        .call(
            &def,
            &c,
            "list_clients",
            json!({}),
            now + time::Duration::seconds(59 * 60 + 30),
        )
        .await
        .unwrap();
    assert_eq!(fake.count("/apitoken"), 2);
    // A 401 drops the token; the next call exchanges again.
    fake.set_failure(Some(FailureMode::Unauthorized));
    let e = engine
        .call(&def, &c, "list_clients", json!({}), now)
        .await
        .unwrap_err();
    assert_eq!(e.class(), "rejected");
    fake.set_failure(None);
    engine
        .call(&def, &c, "list_clients", json!({}), now)
        .await
        .unwrap();
    assert_eq!(fake.count("/apitoken"), 3);
    assert_eq!(
        fake.requests().pop().unwrap().header("authorization"),
        Some("Bearer fake-automate-token-0003")
    );
}

#[tokio::test]
async fn automate_lists_page_by_number_and_writes_send_the_documented_bodies() {
    // Arrange: pages of two.
    let fake = cwa::spawn(Options {
        max_page_size: Some(2),
        ..Options::default()
    })
    .await
    .unwrap();
    let engine = engine(&[&fake], None);
    let (def, c) = (def("connectwise-automate"), automate_creds(cwa::PASSWORD));
    // Act
    let out = engine
        .call(
            &def,
            &c,
            "list_computers",
            json!({"condition": "Client.Id = 1", "limit": 3}),
            NOW,
        )
        .await
        .unwrap();
    // Assert
    assert_eq!(ids(&out, "id"), [101, 104, 107]);
    let list: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/cwa/api/v1/Computers")
        .collect();
    let pages: Vec<_> = list.iter().map(|r| r.query_param("page")).collect();
    assert_eq!(pages, [None, Some("2".into())]);
    assert_eq!(
        list[0].query_param("condition").as_deref(),
        Some("Client.Id = 1")
    );
    assert_eq!(list[0].query_param("pageSize").as_deref(), Some("3"));

    engine
        .call(&def, &c, "resend_inventory", json!({"id": 101}), NOW)
        .await
        .unwrap();
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent.path, "/cwa/api/v1/Computers/101/CommandExecute");
    assert_eq!(
        serde_json::from_str::<Value>(&sent.body).unwrap(),
        json!({"ComputerId": 101, "Command": {"Id": "123"}, "Parameters": [""]})
    );
    let out = engine
        .call(
            &def,
            &c,
            "run_command",
            json!({"id": 102, "command": "ipconfig /flushdns"}),
            NOW,
        )
        .await
        .unwrap();
    let sent = fake.requests().pop().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&sent.body).unwrap(),
        json!({"CommandText": "ipconfig /flushdns", "Directory": "C:\\Windows\\Temp", "RunAsAdmin": true, "UsePowerShell": false})
    );
    assert_eq!(out.structured.unwrap()["status"], "Pending");
    assert_rate_limited(&fake, &engine, &def, &c, "list_tickets").await;
}
