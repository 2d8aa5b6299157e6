#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! List cursors end to end against the paging fake (one list of eleven items served in every
//! paging style) and IT Glue's fake: paging through a whole list with `limit` 3 over pages of
//! 2 returns every item once, in order, for each style; pages cut short by `max_pages`, a
//! single page walked item by item (its POST replayed); and cursors that were changed or come
//! from another tool or connection are refused.

use std::sync::Arc;

use serde_json::{json, Value};
use vendor_fakes::{itglue, paging, Options};

use super::engine_tests::{creds, def, engine, itglue_creds, NOW};
use super::*;

const PAGING: &str = r#"slug = "pager"
name = "Pager"
category = "Test"
description = "Every paging style over one list."
docs = ["https://paging.example/docs"]
kind = "http"

[[form]]
name = "api_key"
label = "API key"
kind = "secret"
required = true

[base_url]
url = "https://paging.example"

[auth]
scheme = "api_key_header"
header = "x-api-key"
value = "{api_key}"

[check]
path = "/next_link"

[limits]
max_pages = 5

[[tools]]
name = "by_link"
title = "Next link"
description = "links.next"
path = "/next_link"
query = { size = "2" }
paging = { next_link = "/links/next" }
response = { items = "/data" }
examples = [{}]

[[tools]]
name = "by_last_item"
title = "Last item"
description = "after = last id"
path = "/after"
query = { size = "2" }
paging = { cursor_param = "after", cursor_from_last_item = "/id" }
response = { items = "" }
examples = [{}]

[[tools]]
name = "by_answer_cursor"
title = "Answer cursor"
description = "cursor = next"
path = "/cursor"
query = { size = "2" }
paging = { cursor_param = "cursor", cursor_from = "/next" }
response = { items = "/items" }
examples = [{}]

[[tools]]
name = "by_page_number"
title = "Page numbers"
description = "page = 1, 2, …"
path = "/pages"
query = { size = "2" }
paging = { page_param = "page", size_param = "size" }
response = { items = "/results" }
examples = [{}]

[[tools]]
name = "search"
title = "Search"
description = "One POSTed page."
method = "POST"
path = "/search"
body = { size = 3 }
response = { items = "/data" }
examples = [{}]
"#;

fn pager(max_pages: usize) -> Arc<VendorDefinition> {
    let text = PAGING.replace("max_pages = 5", &format!("max_pages = {max_pages}"));
    Catalog::from_sources(vec![("pager.toml".into(), text)])
        .unwrap()
        .get("pager")
        .unwrap()
        .clone()
}

fn key() -> ConnectionCredentials {
    creds(&[], &[("api_key", paging::API_KEY)])
}

fn ids(out: &Value) -> Vec<u64> {
    out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let id = &i["id"];
            id.as_u64().or_else(|| id.as_str()?.parse().ok()).unwrap()
        })
        .collect()
}

/// Calls `tool` with `limit` until no `next_cursor` is left; every result's ids, in order.
async fn walk(
    engine: &Engine,
    def: &VendorDefinition,
    creds: &ConnectionCredentials,
    tool: &str,
    limit: u64,
) -> Vec<Vec<u64>> {
    let mut calls = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut args = json!({"limit": limit});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let out = engine.call(def, creds, tool, args, NOW).await.unwrap();
        let v = out.structured.unwrap();
        calls.push(ids(&v));
        cursor = v["next_cursor"].as_str().map(str::to_owned);
        assert_eq!(out.truncated, cursor.is_some(), "{tool}: {v}");
        if cursor.is_none() {
            assert!(v.get("note").is_none(), "{tool}: {v}");
            return calls;
        }
        assert!(v["note"].as_str().unwrap().contains("`cursor`"), "{v}");
        assert!(calls.len() < 20, "{tool} does not end");
    }
}

#[tokio::test]
async fn paging_through_a_list_with_cursors_returns_every_item_once_in_every_style() {
    // Arrange: pages of two, three items per call.
    let fake = paging::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let def = pager(5);
    let creds = key();
    for tool in [
        "by_link",
        "by_last_item",
        "by_answer_cursor",
        "by_page_number",
    ] {
        // Act
        let calls = walk(&engine, &def, &creds, tool, 3).await;
        // Assert: 1..=11 once each, in order, three per call.
        assert_eq!(
            calls,
            [vec![1, 2, 3], vec![4, 5, 6], vec![7, 8, 9], vec![10, 11]],
            "{tool}"
        );
    }
}

#[tokio::test]
async fn a_cursor_resumes_inside_a_partly_shown_page_with_the_same_request() {
    let fake = paging::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, creds) = (pager(5), key());
    // The second call re-asks page 2 (items 3, 4), skips item 3, then goes on to page 3.
    walk(&engine, &def, &creds, "by_page_number", 3).await;
    let pages: Vec<Option<String>> = fake
        .requests()
        .iter()
        .map(|r| r.query_param("page"))
        .collect();
    let page = |n: &str| Some(n.to_owned());
    assert_eq!(
        pages,
        [
            None,
            page("2"),
            page("2"),
            page("3"),
            page("4"),
            page("5"),
            page("5"),
            page("6")
        ]
    );
    // A list without paging is walked item by item; its POST and body are replayed.
    let calls = walk(&engine, &def, &creds, "search", 1).await;
    assert_eq!(calls, [vec![1], vec![2], vec![3]]);
    let searches: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/search")
        .collect();
    assert_eq!(searches.len(), 3);
    assert!(searches
        .iter()
        .all(|r| r.method == "POST" && r.body == r#"{"size":3}"#));
}

#[tokio::test]
async fn a_listing_cut_short_by_max_pages_continues_at_the_next_page() {
    let fake = paging::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    // Two pages per call at most: 4 items although 5 were asked.
    let calls = walk(&engine, &pager(2), &key(), "by_answer_cursor", 5).await;
    assert_eq!(calls, [vec![1, 2, 3, 4], vec![5, 6, 7, 8], vec![9, 10, 11]]);
}

#[tokio::test]
async fn itglue_organizations_page_through_with_cursors_and_the_page_argument_is_gone() {
    // Arrange: IT Glue's fake answers at most 10 of its 45 organizations per page.
    let fake = itglue::spawn(Options {
        max_page_size: Some(10),
        ..Options::default()
    })
    .await
    .unwrap();
    let engine = engine(&[&fake], None);
    let def = def("itglue");
    // Act
    let calls = walk(
        &engine,
        &def,
        &itglue_creds(itglue::API_KEY),
        "list_organizations",
        25,
    )
    .await;
    // Assert
    let all: Vec<u64> = calls.concat();
    assert_eq!(all, (1001..=1045).collect::<Vec<_>>());
    assert_eq!(calls.len(), 2);
    let schema = &def.tool("list_organizations").unwrap().input_schema;
    assert!(schema["properties"].get("page").is_none());
    assert_eq!(schema["properties"]["cursor"]["type"], "string");
}

#[tokio::test]
async fn changed_or_borrowed_cursors_are_refused_with_a_clear_error() {
    // Arrange: a real cursor of by_link for one connection.
    let fake = paging::spawn(Options::default()).await.unwrap();
    let engine = engine(&[&fake], None);
    let (def, creds) = (pager(5), key());
    let first = engine
        .call(&def, &creds, "by_link", json!({"limit": 3}), NOW)
        .await
        .unwrap()
        .structured
        .unwrap();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let before = fake.requests().len();
    let same = || {
        let mut c = key();
        c.connection_id = creds.connection_id;
        c
    };
    let mut bytes = cursor.clone().into_bytes();
    let at = bytes.len() / 2;
    bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(bytes).unwrap();
    let cases = [
        ("one character changed", "by_link", tampered, same()),
        ("another tool", "by_page_number", cursor.clone(), same()),
        ("another connection", "by_link", cursor.clone(), key()),
        (
            "not a cursor",
            "by_link",
            "https://evil.example/steal".to_owned(),
            same(),
        ),
    ];
    for (what, tool, text, c) in cases {
        // Act
        let error = engine
            .call(&def, &c, tool, json!({"limit": 3, "cursor": text}), NOW)
            .await
            .unwrap_err();
        // Assert
        assert_eq!(error.class(), "invalid_arguments", "{what}: {error:?}");
        let message = error.message("Pager");
        assert!(
            message.contains("list again without `cursor`"),
            "{what}: {message}"
        );
    }
    // Nothing was sent for a refused cursor; the genuine one still works.
    assert_eq!(fake.requests().len(), before);
    let next = engine
        .call(
            &def,
            &same(),
            "by_link",
            json!({"limit": 3, "cursor": cursor}),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(ids(&next.structured.unwrap()), [4, 5, 6]);
}
