//! The assert stage: every assertion of a request evaluated against its response.

use super::context::RequestContext;
use super::result::RequestResult;
use crate::check::{self, CheckContext, ResponseView};
use crate::model::{Request, Subject};

/// Evaluates every assertion (all of them, whatever fails) into `result.checks`.
pub(super) fn evaluate(
    request: &Request,
    cx: &mut RequestContext<'_>,
    view: &ResponseView<'_>,
    result: &mut RequestResult,
) {
    // `response` is offered to expressions only when one asks for it
    let check_vars = if request
        .assertions
        .iter()
        .any(|a| matches!(a.subject, Subject::Expr { .. }))
    {
        cx.vars.context_with(&[("response", view.template_value())])
    } else {
        cx.vars.context()
    };
    let check_cx = CheckContext {
        templates: &cx.collection.templates,
        vars: &check_vars,
        snapshots: Some(cx.snapshots),
        request_path: &cx.snapshot_key,
    };
    for assertion in &request.assertions {
        result
            .checks
            .extend(check::eval_assertion(assertion, view, &check_cx));
    }
}
