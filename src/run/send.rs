//! The send stage: the request until there is a final answer, then the rest of its pages.

use super::attempts::send_until_done;
use super::authorize::Reauth;
use super::context::RequestContext;
use super::note::Note;
use super::paginate;
use super::result::RequestResult;
use crate::http::{HttpError, HttpRequest, HttpResponse};
use crate::model::Request;

/// The final answer (all pages joined when the request pages) and how many pages made it.
pub(super) async fn send(
    request: &Request,
    cx: &RequestContext<'_>,
    http_request: &mut HttpRequest,
    reauth: Option<Reauth>,
    result: &mut RequestResult,
) -> (Result<HttpResponse, HttpError>, usize) {
    let sent = send_until_done(request, cx, http_request, reauth, result).await;
    let Some(paginate) = &request.paginate else {
        return (sent, 1);
    };
    let first = match sent {
        Ok(first) if (200..300).contains(&first.status) => first,
        other => return (other, 1),
    };
    match paginate::follow(first, http_request, paginate, cx.transport, cx.max_retries).await {
        Ok(paged) => {
            if paged.pages > 1 {
                result.notes.push(Note::PagesFollowed(paged.pages));
            }
            if paged.throttled > 0 {
                result.notes.push(Note::PagesResent(paged.throttled));
            }
            (Ok(paged.response), paged.pages)
        }
        Err(error) => (Err(error), 1),
    }
}
