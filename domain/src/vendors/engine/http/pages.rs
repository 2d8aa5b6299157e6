//! List tools: the first page from the tool's arguments — or the page a `cursor` names — then
//! the vendor's pages in its own style (a next link, a cursor read from the last item or from
//! the answer, numbered pages) until `limit` items or `[limits] max_pages`. What was fetched is
//! remembered page by page, so once the shaper knows how many items fit, the `next_cursor`
//! points right after the last one shown: into a page partly shown (the same request, more
//! items to skip) or at the next page. Paging through a list with cursors returns every item
//! once, none twice, as long as the vendor's list does not change in between.

use serde_json::Value;
use url::Url;

use super::{query_value, with_param, Cx};
use crate::vendors::{
    engine::{
        cursor::{Binding, Cursor},
        shape,
    },
    template::{as_text, render_json},
    CallError, Paging, ToolDefinition, ToolOutput, ToolRequest,
};

/// One fetched page: its request, the items skipped at its start (a cursor into it), the items
/// kept from it, and the request of the page after it.
struct Page {
    method: reqwest::Method,
    url: Url,
    body: Option<Value>,
    skip: usize,
    kept: usize,
    next: Option<Url>,
}

pub(super) async fn list(
    cx: &Cx<'_>,
    tool: &ToolDefinition,
    tr: &ToolRequest,
    items_at: &str,
    args: &Value,
) -> Result<ToolOutput, CallError> {
    let def = cx.def;
    let limit = args
        .get("limit")
        .and_then(Value::as_u64)
        .map_or(def.limits.default_items, |l| l as usize)
        .min(def.limits.max_items);
    let binding = Binding {
        connection: cx.creds.connection_id,
        vendor: &def.slug,
        tool: &tool.name,
    };
    let sealer = cx.engine.cursors();
    let req = &tr.request;
    let (mut method, mut url, mut body, mut skip) = match args.get("cursor").and_then(Value::as_str)
    {
        Some(text) => {
            let c = sealer.open(&binding, text, &cx.base)?;
            let method = reqwest::Method::from_bytes(c.method.as_bytes())
                .map_err(|_| CallError::InvalidArguments("bad cursor".into()))?;
            let url =
                Url::parse(&c.url).map_err(|_| CallError::InvalidArguments("bad cursor".into()))?;
            (method, url, c.body, c.skip)
        }
        None => {
            // A concrete closure (`Sync`), so the call's future stays `Send`.
            let lookup = |name: &str| args.get(name).filter(|v| !v.is_null()).cloned();
            (
                req.method.as_reqwest(),
                cx.url(req, &lookup)?,
                req.body.as_ref().and_then(|b| render_json(b, &lookup)),
                0,
            )
        }
    };
    let mut pages: Vec<Page> = Vec::new();
    let mut items: Vec<Value> = Vec::new();
    loop {
        let response = cx
            .send(cx.request(method.clone(), url.clone(), body.clone()))
            .await?;
        let json = cx.json(&response)?;
        let got = page_items(&json, items_at)?;
        let next = next_page(cx, tr.paging.as_ref(), &json, &got, &url);
        let kept: Vec<Value> = got.into_iter().skip(skip).collect();
        pages.push(Page {
            method: method.clone(),
            url: url.clone(),
            body: body.clone(),
            skip,
            kept: kept.len(),
            next: next.clone(),
        });
        items.extend(kept);
        match next {
            Some(n) if items.len() < limit && pages.len() < def.limits.max_pages => {
                (method, url, body, skip) = (reqwest::Method::GET, n, None, 0);
            }
            _ => break,
        }
    }
    let next_cursor =
        |shown: usize| resume_at(&pages, shown).and_then(|c| sealer.seal(&binding, &c));
    Ok(shape::list_output_paged(
        items,
        &tr.response,
        limit,
        &cx.redactor,
        &next_cursor,
    ))
}

/// The items of one page (an empty answer is an empty page).
fn page_items(page: &Value, items_at: &str) -> Result<Vec<Value>, CallError> {
    match page.pointer(items_at) {
        Some(Value::Array(list)) => Ok(list.clone()),
        Some(Value::Null) | None if page.is_null() => Ok(Vec::new()),
        _ => Err(CallError::Unexpected(
            "the vendor's answer has no list where the definition expects one".into(),
        )),
    }
}

/// The request of the page after `current` (whose answer is `page` with the items `got`, before
/// any skipping), in the tool's paging style; `None` at the end.
fn next_page(
    cx: &Cx<'_>,
    paging: Option<&Paging>,
    page: &Value,
    got: &[Value],
    current: &Url,
) -> Option<Url> {
    match paging? {
        Paging::NextLink { pointer } => cx.next_link(page, pointer),
        // The vendor may cap pages below what was asked: keep going while pages are not
        // empty (at most one extra, empty request at the end).
        Paging::Cursor {
            param,
            from_last_item,
        } => got
            .last()?
            .pointer(from_last_item)
            .map(|cursor| with_param(current, param, &as_text(cursor))),
        Paging::CursorFrom { param, pointer } if !got.is_empty() => page
            .pointer(pointer)
            .map(as_text)
            .filter(|c| !c.is_empty() && c != "null")
            .map(|cursor| with_param(current, param, &cursor)),
        Paging::PageNumber {
            param,
            first,
            size_param,
        } if !got.is_empty() => {
            let size = size_param
                .as_deref()
                .and_then(|p| query_value(current, p))
                .and_then(|v| v.parse::<usize>().ok());
            let number = query_value(current, param)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(*first);
            (size.is_none_or(|s| got.len() >= s))
                .then(|| with_param(current, param, &(number + 1).to_string()))
        }
        _ => None,
    }
}

/// Where a listing resumes after its first `shown` items: inside the page holding the next
/// item, or at the page after the last one fetched; `None` when nothing is left.
fn resume_at(pages: &[Page], shown: usize) -> Option<Cursor> {
    let mut before = 0;
    for page in pages {
        if shown < before + page.kept {
            return Some(Cursor {
                method: page.method.to_string(),
                url: page.url.to_string(),
                body: page.body.clone(),
                skip: page.skip + (shown - before),
            });
        }
        before += page.kept;
    }
    pages.last()?.next.as_ref().map(|next| Cursor {
        method: "GET".into(),
        url: next.to_string(),
        body: None,
        skip: 0,
    })
}
