//! `paginate:`: follow next links (OData `@odata.nextLink`) with the same headers and join
//! every page's items into one response that assertions and captures see as a whole.

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use super::transport::Transport;
use crate::http::{HttpBody, HttpError, HttpErrorKind, HttpRequest, HttpResponse, RetryPolicy};
use crate::model::Paginate;

/// The joined response and how many pages made it.
pub struct Paged {
    /// The first page with the items of all pages at the items path, the next link removed.
    pub response: HttpResponse,
    /// Pages fetched.
    pub pages: usize,
    /// Throttled answers (429/503) to page requests, each sent again.
    pub throttled: u32,
}

/// Fetches the pages after `first` and joins them.
pub async fn follow(
    first: HttpResponse,
    request: &HttpRequest,
    paginate: &Paginate,
    transport: &Transport,
    max_retries: u32,
) -> Result<Paged, HttpError> {
    let failed = |cause: String| HttpError {
        kind: HttpErrorKind::Transport,
        cause,
    };
    let Ok(mut joined) = serde_json::from_slice::<Value>(&first.body) else {
        // not JSON: nothing to follow, the assertions will say so
        return Ok(Paged {
            response: first,
            pages: 1,
            throttled: 0,
        });
    };
    let mut items = take_items(&joined, paginate);
    let mut next = next_link(&joined, paginate);
    let mut url = request.url.clone();
    let mut pages = 1;
    let mut throttled = 0;
    let mut duration: Duration = first.duration;
    let sent = first.sent.clone();
    let mut last = first;
    while let Some(link) = next.take() {
        if pages >= paginate.max_pages as usize {
            break;
        }
        url = resolve(&url, &link).map_err(|e| failed(format!("next link `{link}`: {e}")))?;
        let (page, page_throttled) = fetch_page(&url, request, transport, max_retries).await?;
        throttled += page_throttled;
        pages += 1;
        duration += page.duration;
        if !(200..300).contains(&page.status) {
            // a failed page is the answer: its status is what the assertions see
            return Ok(Paged {
                response: page,
                pages,
                throttled,
            });
        }
        let json: Value = serde_json::from_slice(&page.body)
            .map_err(|e| failed(format!("page {pages} is not JSON: {e}")))?;
        items.extend(take_items(&json, paginate));
        next = next_link(&json, paginate);
        last = page;
    }
    set_items(&mut joined, paginate, items);
    remove_next(&mut joined, paginate);
    Ok(Paged {
        response: HttpResponse {
            body: Bytes::from(serde_json::to_vec(&joined).unwrap_or_default()),
            duration,
            // `-v` shows the first request, which the notes say was followed by pages
            sent,
            ..last
        },
        pages,
        throttled,
    })
}

/// One page, with the request's headers, sent again after throttling: the page and how many
/// throttled answers came first.
async fn fetch_page(
    url: &str,
    request: &HttpRequest,
    transport: &Transport,
    max_retries: u32,
) -> Result<(HttpResponse, u32), HttpError> {
    let page_request = HttpRequest {
        method: "GET".into(),
        url: url.to_string(),
        headers: request.headers.clone(),
        body: HttpBody::Empty,
        redirects: request.redirects,
    };
    let sending = transport
        .client
        .send_retrying(&page_request, RetryPolicy::throttling(max_retries));
    transport.until_interrupted(sending).await
}

fn take_items(page: &Value, paginate: &Paginate) -> Vec<Value> {
    match crate::query::select(&paginate.items, page) {
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
        None => Vec::new(),
    }
}

fn next_link(page: &Value, paginate: &Paginate) -> Option<String> {
    match crate::query::select(&paginate.next, page)? {
        Value::String(link) if !link.is_empty() => Some(link),
        _ => None,
    }
}

fn pointer_of(page: &Value, query: &crate::query::Query) -> Option<String> {
    query.pointers(page).into_iter().next()
}

fn set_items(page: &mut Value, paginate: &Paginate, items: Vec<Value>) {
    if let Some(pointer) = pointer_of(page, &paginate.items)
        && let Some(node) = page.pointer_mut(&pointer)
    {
        *node = Value::Array(items);
    }
}

fn remove_next(page: &mut Value, paginate: &Paginate) {
    let Some(pointer) = pointer_of(page, &paginate.next) else {
        return;
    };
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", &pointer));
    let key = key.replace("~1", "/").replace("~0", "~");
    if let Some(Value::Object(map)) = page.pointer_mut(parent) {
        map.remove(&key);
    }
}

/// A next link may be absolute or relative to the page it came from.
fn resolve(base: &str, link: &str) -> Result<String, String> {
    let base = reqwest::Url::parse(base).map_err(|e| e.to_string())?;
    base.join(link)
        .map(|u| u.to_string())
        .map_err(|e| e.to_string())
}
