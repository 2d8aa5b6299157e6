#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Datto RMM against its fake: the password grant of the public client, the platform host,
//! next-page links, the write bodies and 429.

use serde_json::{json, Value};
use vendor_fakes::{datto_rmm, Options};

use super::super::engine_tests::{def, engine, NOW};
use super::*;

#[tokio::test]
async fn datto_rmm_check_gets_a_token_by_the_password_grant_of_the_public_client() {
    // Arrange
    let fake = datto_rmm::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    // Act
    let outcome = engine
        .check(&def("datto-rmm"), &datto_creds(datto_rmm::API_SECRET), NOW)
        .await;
    // Assert
    assert_eq!(
        outcome,
        CheckOutcome::Authenticated {
            detail: Some("account Example MSP Ltd".into())
        }
    );
    let requests = fake.requests();
    let token = &requests[0];
    assert_eq!(
        (token.method.as_str(), token.path.as_str()),
        ("POST", "/auth/oauth/token")
    );
    // Basic base64("public-client:public")
    assert_eq!(
        token.header("authorization"),
        Some("Basic cHVibGljLWNsaWVudDpwdWJsaWM=")
    );
    let form = form_of(token);
    assert_eq!(form["grant_type"], "password");
    assert_eq!(form["username"], datto_rmm::API_KEY);
    assert_eq!(form["password"], datto_rmm::API_SECRET);
    assert!(!form.contains_key("client_secret"));
    let check = &requests[1];
    assert_eq!(check.path, "/api/v2/account");
    assert_eq!(
        check.header("authorization"),
        Some("Bearer fake-datto-access-token-0001")
    );
}

#[tokio::test]
async fn datto_rmm_wrong_secret_wrong_key_or_another_client_is_rejected() {
    let fake = datto_rmm::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let wrong_secret = engine
        .check(&def("datto-rmm"), &datto_creds("not-the-secret"), NOW)
        .await;
    assert_eq!(
        wrong_secret,
        CheckOutcome::Rejected {
            vendor_message: Some("Bad credentials".into())
        }
    );
    let mut wrong_key = datto_creds(datto_rmm::API_SECRET);
    wrong_key
        .settings
        .insert("api_key".into(), "SOMEOTHERKEY0000".into());
    assert_eq!(
        engine
            .check(&def("datto-rmm"), &wrong_key, NOW)
            .await
            .class(),
        "rejected"
    );
    // The documented public client is part of the scheme: another one is refused.
    let other_client = altered(
        "datto-rmm",
        "client_id = \"public-client\"",
        "client_id = \"my-client\"",
    );
    assert_eq!(
        engine
            .check(&other_client, &datto_creds(datto_rmm::API_SECRET), NOW)
            .await,
        CheckOutcome::Rejected {
            vendor_message: Some("Bad client credentials".into())
        }
    );
    assert_eq!(api_requests(&fake, "/auth/oauth/token").len(), 0);
}

#[tokio::test]
async fn datto_rmm_platform_chooses_the_host_and_must_be_one_of_the_six() {
    // Arrange: merlot is the fake; pinotage is a closed port.
    let fake = datto_rmm::spawn(Options::default()).await.unwrap();
    let engine = engine_mapping(&[
        (
            "https://merlot-api.centrastage.net".into(),
            fake.origin.clone(),
        ),
        ("https://pinotage-api.centrastage.net".into(), closed_port()),
    ]);
    let def = def("datto-rmm");
    let on = |platform: &str| {
        let mut c = datto_creds(datto_rmm::API_SECRET);
        c.settings.insert("platform".into(), platform.into());
        c
    };
    // Act + Assert
    assert!(engine.check(&def, &on("merlot"), NOW).await.is_ok());
    assert_eq!(
        engine.check(&def, &on("pinotage"), NOW).await,
        CheckOutcome::ConnectionRefused
    );
    let CheckOutcome::InvalidSettings { field, .. } =
        engine.check(&def, &on("burgundy"), NOW).await
    else {
        panic!("an unknown platform must be refused")
    };
    assert_eq!(field, "platform");
    assert!(
        fake.real_origins.len() == 6
            && fake
                .real_origins
                .iter()
                .all(|o| o.ends_with("-api.centrastage.net"))
    );
}

#[tokio::test]
async fn datto_rmm_sites_page_through_next_page_links_in_order() {
    // Arrange: two sites a page.
    let fake = datto_rmm::spawn(Options {
        max_page_size: Some(2),
        ..Options::default()
    })
    .await
    .unwrap();
    let engine = engine(&[&fake], None);
    // Act
    let out = engine
        .call(
            &def("datto-rmm"),
            &datto_creds(datto_rmm::API_SECRET),
            "list_sites",
            json!({"limit": 5}),
            NOW,
        )
        .await
        .unwrap();
    // Assert
    let uids: Vec<Value> = (1..=5).map(|n| json!(datto_rmm::site_uid(n))).collect();
    assert_eq!(ids(&out, "uid"), uids);
    assert!(out.truncated, "seven sites exist");
    let pages = api_requests(&fake, "/auth/oauth/token");
    let asked: Vec<(Option<String>, Option<String>)> = pages
        .iter()
        .map(|r| (r.query_param("page"), r.query_param("max")))
        .collect();
    assert_eq!(
        asked,
        [
            (None, Some("5".into())),
            (Some("1".into()), Some("2".into())),
            (Some("2".into()), Some("2".into())),
        ]
    );
    // Device counts are shaped from devicesStatus.
    let first = &out.structured.unwrap()["items"][0];
    assert_eq!(first["name"], "Acme Dental");
    assert!(first["devices"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn datto_rmm_resolve_alert_posts_to_the_alert_with_no_body() {
    // Arrange
    let fake = datto_rmm::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("datto-rmm");
    let creds = datto_creds(datto_rmm::API_SECRET);
    let uid = datto_rmm::alert_uid(1);
    // Act
    let out = engine
        .call(
            &def,
            &creds,
            "resolve_alert",
            json!({"alert_uid": uid}),
            NOW,
        )
        .await
        .unwrap();
    // Assert
    assert_eq!(out.structured, Some(json!({"result": "done"})));
    let sent = api_requests(&fake, "/auth/oauth/token").pop().unwrap();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, format!("/api/v2/alert/{uid}/resolve"));
    assert_eq!(sent.body, "");
    let open = engine
        .call(&def, &creds, "list_open_alerts", json!({"limit": 50}), NOW)
        .await
        .unwrap();
    assert!(!ids(&open, "alert_uid").contains(&json!(uid)));
    // User-defined fields: only the ones given are sent; an empty one clears the field.
    let device = datto_rmm::device_uid(1);
    engine
        .call(
            &def,
            &creds,
            "set_device_udfs",
            json!({"device_uid": device, "udf1": "Backup: Datto BCDR", "udf2": ""}),
            NOW,
        )
        .await
        .unwrap();
    let sent = api_requests(&fake, "/auth/oauth/token").pop().unwrap();
    assert_eq!(sent.path, format!("/api/v2/device/{device}/udf"));
    assert_eq!(
        serde_json::from_str::<Value>(&sent.body).unwrap(),
        json!({"udf1": "Backup: Datto BCDR", "udf2": ""})
    );
    let after = engine
        .call(
            &def,
            &creds,
            "get_device",
            json!({"device_uid": device}),
            NOW,
        )
        .await
        .unwrap()
        .structured
        .unwrap();
    assert_eq!(after["udf"]["udf1"], "Backup: Datto BCDR");
    assert_eq!(after["udf"]["udf2"], Value::Null);
}

#[tokio::test]
async fn datto_rmm_429_is_rate_limited_with_retry_after() {
    let fake = datto_rmm::spawn(Options::default()).await.unwrap();
    assert_rate_limited(
        &fake,
        "datto-rmm",
        &datto_creds(datto_rmm::API_SECRET),
        "list_sites",
        json!({}),
    )
    .await;
}
