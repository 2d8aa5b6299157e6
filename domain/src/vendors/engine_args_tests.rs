#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Tool arguments against the IT Glue fake: schema refusals before any request, hostile path
//! and query values encoded as one segment / one value, and the definition's rate limit.

use std::{sync::Arc, time::Duration};

use serde_json::json;
use vendor_fakes::{itglue, Options};

use super::engine_tests::{creds, def, engine, itglue_creds, NOW};
use super::*;

/// A definition with an unconstrained string path argument and a local rate limit, against the
/// IT Glue fake.
fn probe(rate_limited: bool) -> Arc<VendorDefinition> {
    let mut text = r#"slug = "probe"
name = "Probe"
category = "Test"
description = "Engine encoding and rate-limit probe."
docs = ["https://api.itglue.com/developer/"]
kind = "http"
[[form]]
name = "api_key"
label = "API key"
kind = "secret"
[base_url]
url = "https://api.itglue.com"
[auth]
scheme = "api_key_header"
header = "x-api-key"
value = "{api_key}"
[check]
path = "/organizations"
[[tools]]
name = "raw"
title = "Raw"
description = "Raw path argument."
path = "/organizations/{id}"
query = { "filter[name]" = "{name}" }
examples = [{ id = "1001" }]
[tools.input_schema]
type = "object"
required = ["id"]
properties.id = { type = "string" }
properties.name = { type = "string" }
"#
    .to_owned();
    if rate_limited {
        text.push_str("[limits]\nrate_requests = 2\nrate_per_seconds = 60\n");
    }
    Catalog::from_sources(vec![("probe.toml".into(), text)])
        .unwrap()
        .get("probe")
        .unwrap()
        .clone()
}

#[tokio::test]
async fn path_arguments_stay_one_segment_and_query_arguments_one_value() {
    // Arrange
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let probe = probe(false);
    let creds = creds(&[], &[("api_key", itglue::API_KEY)]);
    // Act
    let hostile = engine
        .call(
            &probe,
            &creds,
            "raw",
            json!({"id": "../../admin", "name": "a&b=c#d"}),
            NOW,
        )
        .await;
    // Assert: the fake saw one encoded segment under /organizations and one query value.
    assert_eq!(hostile.unwrap_err().class(), "not_found");
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent.path, "/organizations/..%2F..%2Fadmin");
    assert_eq!(sent.query_param("filter[name]").as_deref(), Some("a&b=c#d"));
    assert_eq!(sent.query.as_deref().unwrap().matches('=').count(), 1);
    for dots in [".", "..", ""] {
        let refused = engine
            .call(&probe, &creds, "raw", json!({"id": dots}), NOW)
            .await
            .unwrap_err();
        assert_eq!(refused.class(), "invalid_arguments", "{dots:?}");
    }
    assert_eq!(
        fake.requests().len(),
        1,
        "refused arguments never reach the vendor"
    );
    // Built-in tools constrain ids in their schema too.
    let schema_refusal = engine
        .call(
            &def("itglue"),
            &itglue_creds(itglue::API_KEY),
            "get_organization",
            json!({"id": "../admin"}),
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(schema_refusal.class(), "invalid_arguments");
}

#[tokio::test]
async fn the_definitions_rate_limit_is_enforced_per_connection_with_retry_after() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let probe = probe(true);
    let creds = creds(&[], &[("api_key", itglue::API_KEY)]);
    for _ in 0..2 {
        engine
            .call(&probe, &creds, "raw", json!({"id": "1001"}), NOW)
            .await
            .unwrap();
    }
    let limited = engine
        .call(
            &probe,
            &creds,
            "raw",
            json!({"id": "1001"}),
            NOW + time::Duration::seconds(10),
        )
        .await;
    assert_eq!(
        limited.unwrap_err(),
        CallError::RateLimited {
            retry_after: Some(Duration::from_secs(50))
        }
    );
    assert_eq!(fake.requests().len(), 2);
    engine
        .call(
            &probe,
            &creds,
            "raw",
            json!({"id": "1001"}),
            NOW + time::Duration::seconds(61),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn unknown_tools_and_bad_arguments_are_refused_before_any_request() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = def("itglue");
    let creds = itglue_creds(itglue::API_KEY);
    assert_eq!(
        engine
            .call(&def, &creds, "drop_everything", json!({}), NOW)
            .await
            .unwrap_err(),
        CallError::UnknownTool
    );
    for bad in [
        json!({"limit": 500}),
        json!({"nope": 1}),
        json!([1]),
        json!({"limit": "5"}),
    ] {
        let e = engine
            .call(&def, &creds, "list_organizations", bad.clone(), NOW)
            .await
            .unwrap_err();
        assert_eq!(e.class(), "invalid_arguments", "{bad}");
    }
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn a_secret_echoed_in_a_successful_answer_is_redacted() {
    // Arrange: the fake stores the quick notes and returns them.
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let args = json!({"id": "1001", "quick_notes": format!("key is {}", itglue::API_KEY)});
    // Act
    let out = engine
        .call(
            &def("itglue"),
            &itglue_creds(itglue::API_KEY),
            "update_organization_quick_notes",
            args,
            NOW,
        )
        .await
        .unwrap();
    // Assert
    assert!(!out.text.contains(itglue::API_KEY), "{}", out.text);
    assert_eq!(out.structured.unwrap()["quick_notes"], "key is [redacted]");
}

#[tokio::test]
async fn an_answer_over_the_size_cap_is_refused_with_a_clear_error() {
    let fake = itglue::spawn(Options::default()).await.unwrap();
    let mut small = (*def("itglue")).clone();
    small.limits.max_response_bytes = 512;
    let error = engine(&[&fake], None)
        .call(
            &small,
            &itglue_creds(itglue::API_KEY),
            "list_organizations",
            json!({}),
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(error.class(), "unexpected");
    assert!(error
        .message("IT Glue")
        .contains("larger than the gateway accepts"));
}

#[tokio::test]
async fn an_unknown_host_is_host_not_found() {
    // `.invalid` never resolves (RFC 6761 §6.4).
    let mut nowhere = (*def("itglue")).clone();
    if let VendorKind::Http(spec) = &mut nowhere.kind {
        spec.base_url =
            BaseUrl::Template(Template::parse("https://vendor-gateway-test.invalid").unwrap());
    }
    let outcome = engine(&[], Some(Duration::from_secs(5)))
        .check(&nowhere, &itglue_creds(itglue::API_KEY), NOW)
        .await;
    assert_eq!(outcome, CheckOutcome::HostNotFound);
}
