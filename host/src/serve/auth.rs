//! The access token: unless `--no-token`, every request must carry it as
//! `Authorization: Bearer T`, as the `rewardsmith_token` cookie, or once as `?token=T` (which
//! sets that cookie, HttpOnly and SameSite=Strict, so pages and replay iframes work). Tokens
//! are compared in constant time (over their SHA-256, so lengths do not leak either) and never
//! logged or echoed: a GET with `?token=` is redirected to the same URL without it. Without a
//! token given, every start makes a fresh one from the OS's random source.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{ApiError, AppState, TOKEN_COOKIE};

/// Bytes of a random token (192 bits; 48 hex characters, like Jupyter's).
const RANDOM_TOKEN_BYTES: usize = 24;

/// A fresh token from the OS's random source, as hex.
pub fn random_token() -> std::io::Result<String> {
    use std::io::Read as _;
    let mut bytes = [0u8; RANDOM_TOKEN_BYTES];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn same(given: &str, token: &str) -> bool {
    Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(token.as_bytes())).into()
}

fn bearer(req: &Request) -> Option<&str> {
    req.headers().get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

fn cookie(req: &Request) -> Option<&str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == TOKEN_COOKIE)
        .map(|(_, v)| v)
}

/// The `token` query parameter (tokens hold no characters that need percent-encoding).
fn query_token(req: &Request) -> Option<&str> {
    req.uri().query()?.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == "token").map(|(_, v)| v)
}

/// The request's path and query without the `token` parameter.
fn without_token(req: &Request) -> String {
    let path = req.uri().path();
    let rest: Vec<&str> =
        req.uri().query().unwrap_or("").split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("token=")).collect();
    if rest.is_empty() { path.to_owned() } else { format!("{path}?{}", rest.join("&")) }
}

pub async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(token) = state.inner.token.as_deref() else { return next.run(req).await };
    if bearer(&req).is_some_and(|t| same(t, token)) || cookie(&req).is_some_and(|t| same(t, token)) {
        return next.run(req).await;
    }
    if query_token(&req).is_some_and(|t| same(t, token)) {
        let set = HeaderValue::from_str(&format!("{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"))
            .expect("validated token is a header value");
        let mut resp = if req.method() == Method::GET {
            Redirect::to(&without_token(&req)).into_response()
        } else {
            next.run(req).await
        };
        resp.headers_mut().append(header::SET_COOKIE, set);
        return resp;
    }
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "missing or wrong access token: open the URL `rewardsmith serve` printed (it carries ?token=), \
         or send `Authorization: Bearer <token>`",
    )
    .into_response()
}
