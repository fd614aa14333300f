//! Security headers on every response, errors included: a Content-Security-Policy, no MIME
//! sniffing, no `Referer` (URLs may carry `?token=`), and no framing by other sites.
//!
//! Pages and the API: scripts and styles from this server only (no inline code: the style
//! sheet is `/static/playground.css`), frames only of this server (the replay iframes),
//! never framed themselves (`frame-ancestors 'none'`). The browser runtime under `/runtime/`
//! is framed by the pages, so it may be framed by this origin only; it compiles wasm
//! (`'wasm-unsafe-eval'`) and its page carries one inline style sheet (`'unsafe-inline'`
//! for styles only; scripts stay `'self'`).

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of pages, the API and errors.
pub const PAGES_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of a run's report (`/runs/{id}/report`): the self-contained page
/// `rewardsmith report` writes, whose one style sheet is inline; no scripts at all.
pub const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of the browser runtime (`/runtime/`).
pub const RUNTIME_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; \
     base-uri 'none'; form-action 'none'";

pub async fn security_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let runtime = path.starts_with("/runtime/");
    let report =
        path.strip_prefix("/runs/").and_then(|p| p.strip_suffix("/report")).is_some_and(|id| !id.contains('/'));
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let (csp, frames) = match (runtime, report) {
        (true, _) => (RUNTIME_CSP, "SAMEORIGIN"),
        (_, true) => (REPORT_CSP, "DENY"),
        _ => (PAGES_CSP, "DENY"),
    };
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static(frames));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    resp
}
