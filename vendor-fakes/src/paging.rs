//! A stand-in for any vendor's paging, for the engine's generic paging and cursor tests: the
//! same eleven items (`{"id": 1..=11, "name": "Item n"}`) served in each paging style the
//! definition format knows — a next link in the answer (`/next_link`), a cursor from the last
//! item (`/after`), a cursor the answer gives (`/cursor`), numbered pages (`/pages`) — and a
//! POST search (`/search`, numbered pages, the page size in the JSON body). Pages hold `size`
//! items (capped by [`Options::max_page_size`]); the `x-api-key` header must be [`API_KEY`].

use std::net::SocketAddr;

use axum::{http::StatusCode, response::Response};
use serde_json::{json, Value};

use crate::common::{self, page_size, FakeVendor, Options, Req, Shared, Vendor};

/// The key the fake accepts in `x-api-key`.
pub const API_KEY: &str = "fake-paging-key-0123";
/// The origin the fake stands for.
pub const ORIGIN: &str = "https://paging.example";
/// How many items every list has.
pub const ITEMS: u64 = 11;

/// Starts the fake on 127.0.0.1:0.
pub async fn spawn(options: Options) -> std::io::Result<FakeVendor> {
    common::start(
        Vendor {
            real_origins: vec![ORIGIN.into()],
            data: Value::Null,
            handle,
            exempt: |_| false,
            credential: |r| r.header("x-api-key").map(str::to_owned),
        },
        options,
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
}

fn item(id: u64) -> Value {
    json!({"id": id, "name": format!("Item {id}")})
}

/// Items from `offset` (0-based), at most `size`.
fn slice(offset: u64, size: usize) -> Vec<Value> {
    (offset + 1..=ITEMS).take(size).map(item).collect()
}

fn number(req: &Req, key: &str) -> Option<u64> {
    req.query.get(key).and_then(|v| v.parse().ok())
}

fn handle(shared: &Shared, req: &Req) -> Response {
    if req.header("x-api-key") != Some(API_KEY) {
        return common::error(StatusCode::UNAUTHORIZED, "Bad key");
    }
    let size = page_size(shared, req.query.get("size"), 5);
    let ok = |v: Value| common::json(StatusCode::OK, v);
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/next_link") => {
            let offset = number(req, "offset").unwrap_or(0);
            let page = slice(offset, size);
            let end = offset + page.len() as u64;
            let next = (end < ITEMS).then(|| {
                format!(
                    "{}/next_link?size={}&offset={end}",
                    shared.public_origin,
                    req.query.get("size").map_or("5", String::as_str)
                )
            });
            ok(json!({"data": page, "links": {"next": next}}))
        }
        ("GET", "/after") => ok(Value::Array(slice(number(req, "after").unwrap_or(0), size))),
        ("GET", "/cursor") => {
            let offset = match req.query.get("cursor") {
                None => 0,
                Some(c) => match c.strip_prefix("c-").and_then(|n| n.parse().ok()) {
                    Some(n) => n,
                    None => return common::error(StatusCode::BAD_REQUEST, "Bad cursor"),
                },
            };
            let page = slice(offset, size);
            let end = offset + page.len() as u64;
            ok(json!({"items": page, "next": (end < ITEMS).then(|| format!("c-{end}"))}))
        }
        ("GET", "/pages") => {
            let n = number(req, "page").unwrap_or(1).max(1);
            ok(json!({"results": slice((n - 1) * size as u64, size)}))
        }
        ("POST", "/search") => {
            let asked = req
                .json()
                .and_then(|b| b["size"].as_u64())
                .map(|s| s.to_string());
            let size = page_size(shared, asked.as_ref(), 5);
            let n = number(req, "page").unwrap_or(1).max(1);
            ok(json!({"data": slice((n - 1) * size as u64, size)}))
        }
        _ => common::error(StatusCode::NOT_FOUND, "No such list"),
    }
}
