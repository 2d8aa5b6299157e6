#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! ConnectWise PSA against its fake: basic company+public key with the clientId header and the
//! versioned Accept, the site host, numbered pages and joined conditions, the write bodies and
//! 429.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use vendor_fakes::{connectwise_psa, Options, Recorded};

use super::super::engine_tests::{def, engine, NOW};
use super::*;

#[tokio::test]
async fn connectwise_check_sends_company_plus_public_key_the_client_id_and_the_version() {
    // Arrange
    let fake = connectwise_psa::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    // Act
    let outcome = engine
        .check(
            &def("connectwise-psa"),
            &cw_creds(connectwise_psa::PRIVATE_KEY),
            NOW,
        )
        .await;
    // Assert
    assert_eq!(
        outcome,
        CheckOutcome::Authenticated {
            detail: Some("ConnectWise PSA v2025.1.98765".into())
        }
    );
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/v4_6_release/apis/3.0/system/info");
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        "examplemsp+FakePublicKey0001:fake-cw-private-key-0123456789",
    );
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    assert_eq!(sent.header("clientid"), Some(connectwise_psa::CLIENT_ID));
    assert_eq!(
        sent.header("accept"),
        Some("application/vnd.connectwise.com+json; version=2025.1")
    );
}

#[tokio::test]
async fn connectwise_wrong_key_is_rejected_and_client_id_and_version_are_required() {
    let fake = connectwise_psa::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("connectwise-psa");
    assert_eq!(
        engine
            .check(&def, &cw_creds("not-the-private-key"), NOW)
            .await,
        CheckOutcome::Rejected {
            vendor_message: Some("The company, public key or private key is not valid.".into())
        }
    );
    // A connection without a client id is not sent at all.
    let mut no_client = cw_creds(connectwise_psa::PRIVATE_KEY);
    no_client.secrets.remove("client_id");
    let CheckOutcome::InvalidSettings { field, .. } = engine.check(&def, &no_client, NOW).await
    else {
        panic!("a missing client id must be refused")
    };
    assert_eq!(field, "client_id");
    // ConnectWise refuses a request without the clientId header, or without a versioned Accept.
    let headerless = altered("connectwise-psa", "clientId = \"{client_id}\"\n", "");
    let outcome = engine
        .check(&headerless, &cw_creds(connectwise_psa::PRIVATE_KEY), NOW)
        .await;
    let CheckOutcome::Rejected {
        vendor_message: Some(said),
    } = &outcome
    else {
        panic!("{outcome:?}")
    };
    assert!(said.contains("clientId"), "{said}");
    let unversioned = altered(
        "connectwise-psa",
        "Accept = \"application/vnd.connectwise.com+json; version=2025.1\"\n",
        "",
    );
    assert_eq!(
        engine
            .check(&unversioned, &cw_creds(connectwise_psa::PRIVATE_KEY), NOW)
            .await
            .class(),
        "unexpected"
    );
}

#[tokio::test]
async fn connectwise_site_is_a_cloud_region_host_or_an_on_premises_server() {
    // Arrange: eu and an on-premises host are the fake; na is a closed port.
    let fake = connectwise_psa::spawn(Options::default()).await.unwrap();
    let engine = engine_mapping(&[
        (
            "https://api-eu.myconnectwise.net".into(),
            fake.origin.clone(),
        ),
        ("https://psa.msp.example".into(), fake.origin.clone()),
        ("https://api-na.myconnectwise.net".into(), closed_port()),
    ]);
    let def = def("connectwise-psa");
    let at = |site: &str| {
        let mut c = cw_creds(connectwise_psa::PRIVATE_KEY);
        c.settings.insert("site".into(), site.into());
        c
    };
    // Act + Assert
    assert!(engine
        .check(&def, &at("api-eu.myconnectwise.net"), NOW)
        .await
        .is_ok());
    assert!(engine
        .check(&def, &at("psa.msp.example"), NOW)
        .await
        .is_ok());
    assert_eq!(
        engine
            .check(&def, &at("api-na.myconnectwise.net"), NOW)
            .await,
        CheckOutcome::ConnectionRefused
    );
    let regions: Vec<String> = ["na", "eu", "au", "za"]
        .iter()
        .map(|r| format!("https://api-{r}.myconnectwise.net"))
        .collect();
    assert_eq!(fake.real_origins, regions);
    // The form takes a host name, not a URL or a host with a path.
    for site in [
        "https://api-na.myconnectwise.net",
        "api-na.myconnectwise.net/x",
        "psa",
    ] {
        let form = BTreeMap::from([
            ("site".to_owned(), site.to_owned()),
            ("company_id".to_owned(), "examplemsp".to_owned()),
            (
                "public_key".to_owned(),
                connectwise_psa::PUBLIC_KEY.to_owned(),
            ),
            ("private_key".to_owned(), "x".to_owned()),
            (
                "client_id".to_owned(),
                connectwise_psa::CLIENT_ID.to_owned(),
            ),
        ]);
        let errors = def.validate_form(&form).unwrap_err().0;
        assert!(errors.contains_key("site"), "{site}: {errors:?}");
    }
}

#[tokio::test]
async fn connectwise_lists_page_by_page_number_and_join_conditions() {
    // Arrange: two records a page.
    let fake = connectwise_psa::spawn(Options {
        max_page_size: Some(2),
        ..Options::default()
    })
    .await
    .unwrap();
    let engine = engine(&[&fake], None);
    let def = def("connectwise-psa");
    let creds = cw_creds(connectwise_psa::PRIVATE_KEY);
    // Act
    let out = engine
        .call(&def, &creds, "list_companies", json!({"limit": 5}), NOW)
        .await
        .unwrap();
    // Assert: names in order, three pages, the one unconditional clause.
    assert_eq!(
        ids(&out, "name"),
        [
            "Acme Dental",
            "Acme Logistics",
            "Bluebird Cafe",
            "Cedar Law LLP",
            "Delta Farms"
        ]
        .map(|n| json!(n))
    );
    let pages = fake.requests();
    let asked: Vec<Option<String>> = pages.iter().map(|r| r.query_param("page")).collect();
    assert_eq!(
        asked,
        [Some("1".into()), Some("2".into()), Some("3".into())]
    );
    assert!(pages.iter().all(|r| r.query_param("conditions").as_deref()
        == Some("deletedFlag=false")
        && r.query_param("orderBy").as_deref() == Some("name")));
    // Every filter given becomes one clause, in order; absent ones vanish.
    let tickets = engine
        .call(
            &def,
            &creds,
            "list_tickets",
            json!({"company_id": 19, "status": "New", "summary": "printer"}),
            NOW,
        )
        .await
        .unwrap();
    let sent = fake.requests().pop().unwrap();
    assert_eq!(
        sent.query_param("conditions").as_deref(),
        Some("company/id=19 and status/name=\"New\" and summary like \"%printer%\" and closedFlag=false")
    );
    assert_eq!(ids(&tickets, "id"), [json!(1013), json!(1007), json!(1001)]);
    // Quotes cannot reach the condition language.
    let quoted = engine
        .call(
            &def,
            &creds,
            "list_tickets",
            json!({"summary": "x\" or id>0 or summary=\""}),
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(quoted.class(), "invalid_arguments");
}

#[tokio::test]
async fn connectwise_writes_send_the_documented_bodies() {
    // Arrange
    let fake = connectwise_psa::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("connectwise-psa");
    let creds = cw_creds(connectwise_psa::PRIVATE_KEY);
    let body = |r: &Recorded| serde_json::from_str::<Value>(&r.body).unwrap();
    // Act: a note with the default flags.
    let note = engine
        .call(
            &def,
            &creds,
            "add_ticket_note",
            json!({"ticket_id": 1001, "text": "Toner replaced."}),
            NOW,
        )
        .await
        .unwrap();
    // Assert
    let sent = fake.requests().pop().unwrap();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v4_6_release/apis/3.0/service/tickets/1001/notes")
    );
    assert_eq!(
        body(&sent),
        json!({"text": "Toner replaced.", "detailDescriptionFlag": false, "internalAnalysisFlag": true, "resolutionFlag": false})
    );
    assert_eq!(note.structured.unwrap()["internal"], true);
    // A ticket without contact or priority sends no such references.
    engine
        .call(
            &def,
            &creds,
            "create_ticket",
            json!({"company_id": 19, "board_id": 1, "summary": "VPN down"}),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        body(&fake.requests().pop().unwrap()),
        json!({"summary": "VPN down", "company": {"id": 19}, "board": {"id": 1}})
    );
    // Time for the API member (no member reference) on a ticket.
    let entry = engine
        .call(
            &def,
            &creds,
            "add_time_entry",
            json!({"ticket_id": 1001, "time_start": "2026-06-01T09:00:00Z", "time_end": "2026-06-01T09:45:00Z"}),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        body(&fake.requests().pop().unwrap()),
        json!({"chargeToId": 1001, "chargeToType": "ServiceTicket", "timeStart": "2026-06-01T09:00:00Z", "timeEnd": "2026-06-01T09:45:00Z"})
    );
    assert_eq!(entry.structured.unwrap()["hours"], 0.75);
}

#[tokio::test]
async fn connectwise_429_is_rate_limited_with_retry_after() {
    let fake = connectwise_psa::spawn(Options::default()).await.unwrap();
    assert_rate_limited(
        &fake,
        "connectwise-psa",
        &cw_creds(connectwise_psa::PRIVATE_KEY),
        "list_tickets",
        json!({}),
    )
    .await;
}
