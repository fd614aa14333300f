//! Errors as HTTP responses, in one place: `{"error": {"kind": "...", "message": "..."}}`
//! with the status code that fits (400 bad input, 401, 403, 404, 413, 415, 429 with
//! `Retry-After`, 500).

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::store::StoreError;

/// An API error: status, stable kind, message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (429 answers).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, kind, message: message.into(), retry_after: None }
    }

    /// 429: something is at its concurrency limit; try again after `retry_after` seconds.
    pub fn busy(kind: &'static str, message: impl Into<String>, retry_after: u64) -> Self {
        ApiError { retry_after: Some(retry_after.max(1)), ..Self::new(StatusCode::TOO_MANY_REQUESTS, kind, message) }
    }

    pub fn bad_request(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, kind, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// The same error as an HTML page (for the page routes).
    pub fn page(self) -> PageError {
        PageError(self)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } | StoreError::NotInRun { .. } => ApiError::not_found(e.to_string()),
            e => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.kind(), e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp =
            (self.status, Json(json!({ "error": { "kind": self.kind, "message": self.message } }))).into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        resp
    }
}

/// An error on a page route: the same status, as a small HTML page.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        let body = super::pages::layout(
            &format!("{} {}", e.status.as_u16(), e.status.canonical_reason().unwrap_or("")),
            "error",
            &format!(
                "<h1>{}</h1><p data-error-kind=\"{}\">{}</p><p><a href=\"/\">All runs</a></p>",
                e.status.as_u16(),
                e.kind,
                super::esc(&e.message)
            ),
        );
        (e.status, Html(body)).into_response()
    }
}

/// Parses an id from a path segment: a non-negative integer, else 400 `bad_id`.
pub fn parse_id(what: &str, s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(|| {
        ApiError::bad_request("bad_id", format!("{what} must be a non-negative integer, not `{}`", short(s)))
    })
}

/// At most 40 characters of user input, for messages.
pub fn short(s: &str) -> String {
    let t: String = s.chars().take(40).collect();
    if t.len() < s.len() { format!("{t}…") } else { t }
}
