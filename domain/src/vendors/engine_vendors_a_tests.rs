#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Datto RMM, ConnectWise PSA, HaloPSA and Syncro against their fakes: each check authenticates
//! with the documented credential shape and is rejected without it (every part of the scheme
//! required), lists page the vendor's way in order, writes send the body the vendor documents,
//! and a 429 is `rate_limited` with its `Retry-After`. This file holds the shared helpers, each
//! vendor's credentials (also used by `engine_vendor_tests.rs`) and what all four share; each
//! vendor's tests are in `engine_vendors_a/<vendor>_tests.rs`.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use serde_json::Value;
use url::Url;
use vendor_fakes::{
    connectwise_psa, datto_rmm, halopsa, syncro, FailureMode, FakeVendor, Recorded,
};

use super::engine_tests::{catalog, creds, def, engine, NOW};
use super::*;
use crate::outbound::{Outbound, OutboundSettings};

pub(super) fn datto_creds(secret: &str) -> ConnectionCredentials {
    creds(
        &[("platform", "pinotage"), ("api_key", datto_rmm::API_KEY)],
        &[("api_secret", secret)],
    )
}

/// An engine whose outbound guard maps exactly these origins (a fake's, or a closed port).
fn engine_mapping(map: &[(String, String)]) -> Engine {
    let origin_overrides = map
        .iter()
        .map(|(from, to)| (from.clone(), Url::parse(to).unwrap()))
        .collect();
    Engine::new(
        Outbound::new(OutboundSettings {
            origin_overrides,
            ..OutboundSettings::default()
        })
        .unwrap(),
    )
}

/// `http://127.0.0.1:<port>` where nothing listens.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A built-in definition with some text replaced (to prove a fixed part of the scheme matters).
fn altered(slug: &str, from: &str, to: &str) -> Arc<VendorDefinition> {
    let source = super::catalog::BUILT_IN
        .iter()
        .find(|(name, _)| *name == format!("{slug}.toml"))
        .unwrap()
        .1;
    assert!(source.contains(from), "{slug}: no `{from}`");
    let catalog =
        Catalog::from_sources(vec![(format!("{slug}.toml"), source.replace(from, to))]).unwrap();
    catalog.get(slug).unwrap().clone()
}

fn form_of(request: &Recorded) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(request.body.as_bytes())
        .into_owned()
        .collect()
}

fn api_requests(fake: &FakeVendor, token_path: &str) -> Vec<Recorded> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path != token_path)
        .collect()
}

fn ids(output: &ToolOutput, field: &str) -> Vec<Value> {
    output.structured.as_ref().unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[field].clone())
        .collect()
}

/// A 429 with `Retry-After: 9` is `rate_limited` with 9 s, for the check and for a call.
async fn assert_rate_limited(
    fake: &FakeVendor,
    slug: &str,
    creds: &ConnectionCredentials,
    tool: &str,
    args: Value,
) {
    let engine = engine(&[fake], None);
    let def = def(slug);
    fake.set_failure(Some(FailureMode::RateLimited { retry_after: 9 }));
    let outcome = engine.check(&def, creds, NOW).await;
    let error = engine.call(&def, creds, tool, args, NOW).await.unwrap_err();
    fake.set_failure(None);
    let nine = Some(Duration::from_secs(9));
    assert_eq!(
        outcome,
        CheckOutcome::RateLimited { retry_after: nine },
        "{slug}"
    );
    assert_eq!(
        error,
        CallError::RateLimited { retry_after: nine },
        "{slug}"
    );
}

#[test]
fn these_vendors_cover_a_technicians_day_with_writes_marked_destructive() {
    let catalog = catalog();
    for slug in ["datto-rmm", "connectwise-psa", "halopsa", "syncro"] {
        let def = catalog.get(slug).unwrap();
        assert!(
            (5..=15).contains(&def.tools.len()),
            "{slug}: {} tools",
            def.tools.len()
        );
        let writes: Vec<&str> = def
            .tools
            .iter()
            .filter(|t| t.destructive)
            .map(|t| t.name.as_str())
            .collect();
        assert!(writes.len() >= 2, "{slug}: writes {writes:?}");
        for tool in &def.tools {
            let method = tool.request.as_ref().unwrap().request.method;
            assert_eq!(
                tool.destructive,
                method != Method::Get,
                "{slug}__{}",
                tool.name
            );
            assert!(!tool.examples.is_empty());
        }
        // ConnectWise publishes no request rate for cloud sites.
        assert_eq!(
            def.limits.rate.is_some(),
            slug != "connectwise-psa",
            "{slug}: rate limit"
        );
    }
}

pub(super) fn cw_creds(private_key: &str) -> ConnectionCredentials {
    creds(
        &[
            ("site", "api-na.myconnectwise.net"),
            ("company_id", connectwise_psa::COMPANY_ID),
            ("public_key", connectwise_psa::PUBLIC_KEY),
        ],
        &[
            ("private_key", private_key),
            ("client_id", connectwise_psa::CLIENT_ID),
        ],
    )
}

pub(super) fn halo_creds(secret: &str) -> ConnectionCredentials {
    creds(
        &[("host", halopsa::HOST), ("client_id", halopsa::CLIENT_ID)],
        &[("client_secret", secret)],
    )
}

pub(super) fn syncro_creds(token: &str) -> ConnectionCredentials {
    creds(&[("subdomain", syncro::SUBDOMAIN)], &[("api_token", token)])
}

#[path = "engine_vendors_a/connectwise_psa_tests.rs"]
mod connectwise_psa_tests;
#[path = "engine_vendors_a/datto_rmm_tests.rs"]
mod datto_rmm_tests;
#[path = "engine_vendors_a/halopsa_tests.rs"]
mod halopsa_tests;
#[path = "engine_vendors_a/syncro_tests.rs"]
mod syncro_tests;
