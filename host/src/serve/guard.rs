//! What another web site cannot make the playground do. A page on any origin can make the
//! browser send requests here (forms, `no-cors` fetches, images), and by pointing a DNS name
//! it controls at 127.0.0.1 (DNS rebinding) it could even read the answers. So, for every
//! request and before any handler runs or the body is read:
//!
//! - **Host**: the `Host` header must name this server: `localhost`, a loopback address, the
//!   bind address (any IP address when bound to all interfaces: an address cannot be
//!   rebound, only a name can), or a name given with `--allow-host`. Otherwise 403 `bad_host`.
//! - **State changes** (every method but GET and HEAD) come only from this server's own
//!   pages: an `Origin` whose host and port equal the `Host` (without `Origin`,
//!   `Sec-Fetch-Site` must be absent, `same-origin` or `none`), else 403 `cross_origin`; and
//!   `Content-Type: application/json`, which a cross-site form or `no-cors` fetch cannot send
//!   without a CORS preflight this server never grants, else 415 `not_json`.
//!
//! This is Jupyter's model (its `check_host` and `check_origin`), with the token in `auth`.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{HeaderName, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::short;
use super::{ApiError, AppState, ServeConfig};

/// The names and addresses the `Host` header may carry.
#[derive(Clone, Debug)]
pub struct HostPolicy {
    bind: IpAddr,
    /// `--allow-host` values, lowercase, IPv6 without brackets.
    extra: Vec<String>,
}

impl HostPolicy {
    pub fn new(cfg: &ServeConfig) -> HostPolicy {
        HostPolicy { bind: cfg.bind.ip(), extra: cfg.allow_hosts.iter().map(|h| normal(h)).collect() }
    }

    /// Whether `host` (a `Host` header value, port optional) names this server.
    pub fn allows(&self, host: &str) -> bool {
        let Some((name, _)) = split_authority(host) else { return false };
        let name = normal(name);
        if name == "localhost" || self.extra.contains(&name) {
            return true;
        }
        match name.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(ip) => ip.is_loopback() || ip == self.bind.to_canonical() || self.bind.is_unspecified(),
            Err(_) => false,
        }
    }
}

/// Lowercase, IPv6 brackets removed.
fn normal(host: &str) -> String {
    host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase()
}

/// Whether `s` is a plain host name or IP address (an `--allow-host` value): no scheme,
/// port, path or wildcard.
pub fn plain_host(s: &str) -> bool {
    let inner = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(s);
    inner.parse::<IpAddr>().is_ok()
        || (!s.is_empty()
            && s.len() <= 253
            && !s.starts_with(['-', '.'])
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.')))
}

/// `host[:port]` or `[v6][:port]` split into the host (brackets kept) and the port, if the
/// port is digits and the host is not empty.
fn split_authority(a: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = if a.starts_with('[') {
        let end = a.find(']')? + 1;
        match &a[end..] {
            "" => (&a[..end], None),
            rest => (&a[..end], Some(rest.strip_prefix(':')?)),
        }
    } else {
        match a.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (a, None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (!host.is_empty() && !host.contains(['/', '@', ' ']) && port_ok).then_some((host, port))
}

/// Whether `origin` (`scheme://host[:port]`) is the server `host` (a `Host` value) names.
fn same_origin(origin: &str, host: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else { return false };
    let default = match scheme.to_ascii_lowercase().as_str() {
        "http" => "80",
        "https" => "443",
        _ => return false,
    };
    match (split_authority(rest), split_authority(host)) {
        (Some((oh, op)), Some((hh, hp))) => {
            oh.eq_ignore_ascii_case(hh) && op.unwrap_or(default) == hp.unwrap_or(default)
        }
        _ => false,
    }
}

/// The request's `Host` header (or the authority of an absolute-form request line).
fn host_of(req: &Request) -> Option<String> {
    match req.headers().get(header::HOST) {
        Some(v) => v.to_str().ok().map(str::to_owned),
        None => req.uri().authority().map(|a| a.as_str().to_owned()),
    }
}

/// The `Host` allow-list (first check on every request).
pub async fn check_host(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let host = host_of(&req);
    if host.as_deref().is_some_and(|h| state.inner.hosts.allows(h)) {
        return next.run(req).await;
    }
    let message = match host {
        None => "the request has no Host header; browsers always send one: open the URL `rewardsmith serve` \
                 printed"
            .to_owned(),
        Some(h) => {
            let name = split_authority(&h).map_or(h.as_str(), |(n, _)| n);
            format!(
                "Host `{}` is not an address of this server, so the request is refused (a guard against DNS \
                 rebinding): open the URL `rewardsmith serve` printed, or if that name is yours restart it with \
                 `--allow-host {}`",
                short(&h),
                short(name)
            )
        }
    };
    ApiError::new(StatusCode::FORBIDDEN, "bad_host", message).into_response()
}

/// Same origin and JSON for every state change (after the Host check, before the token).
pub async fn check_state_change(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let text = |name: HeaderName| headers.get(name).map(|v| v.to_str().unwrap_or("(not text)"));
    let cross = match (text(header::ORIGIN), text(HeaderName::from_static("sec-fetch-site"))) {
        (Some(origin), _) => {
            let host = host_of(&req).unwrap_or_default();
            (!same_origin(origin, &host)).then(|| format!("its Origin `{}` is not this server", short(origin)))
        }
        (None, Some(site)) if !matches!(site, "same-origin" | "none") => {
            Some(format!("the browser says it comes from another site (Sec-Fetch-Site: {})", short(site)))
        }
        _ => None,
    };
    if let Some(why) = cross {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            format!(
                "refused: {why}. The playground changes state only for its own pages: use the URL \
                 `rewardsmith serve` printed (scripts: send no Origin header)"
            ),
        )
        .into_response();
    }
    let json = text(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"));
    if !json {
        let got = text(header::CONTENT_TYPE).map_or("none".to_owned(), |c| format!("`{}`", short(c)));
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_json",
            format!("{} needs `Content-Type: application/json` (got {got}): send the body as JSON", req.method()),
        )
        .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(bind: &str, extra: &[&str]) -> HostPolicy {
        let mut cfg = ServeConfig::new("x.db");
        cfg.bind = bind.parse().unwrap();
        cfg.allow_hosts = extra.iter().map(|s| s.to_string()).collect();
        HostPolicy::new(&cfg)
    }

    #[test]
    fn hosts() {
        let p = policy("127.0.0.1:8080", &["Box.LAN"]);
        for ok in ["localhost", "LOCALHOST:1", "127.0.0.1:8080", "127.0.0.2", "[::1]:9", "[::1]", "box.lan:80"] {
            assert!(p.allows(ok), "{ok}");
        }
        for bad in
            ["evil.example:8080", "localhost.evil.example", "10.0.0.1", "", ":80", "[::1", "::1", "a b", "x@127.0.0.1"]
        {
            assert!(!p.allows(bad), "{bad}");
        }
        assert!(policy("192.168.1.5:80", &[]).allows("192.168.1.5:80"));
        assert!(!policy("192.168.1.5:80", &[]).allows("192.168.1.6"));
        // All interfaces: any address (it cannot be rebound), still no unknown name.
        assert!(policy("0.0.0.0:80", &[]).allows("10.1.2.3:80"));
        assert!(!policy("0.0.0.0:80", &[]).allows("evil.example"));
    }

    #[test]
    fn origins() {
        assert!(same_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(same_origin("http://LOCALHOST:8080", "localhost:8080"));
        assert!(same_origin("http://box.lan", "box.lan:80"));
        assert!(same_origin("http://[::1]:9", "[::1]:9"));
        for (o, h) in [
            ("http://127.0.0.1:9999", "127.0.0.1:8080"),
            ("http://evil.example:8080", "127.0.0.1:8080"),
            ("null", "127.0.0.1:8080"),
            ("http://127.0.0.1:8080/x", "127.0.0.1:8080"),
            ("file://", "127.0.0.1:8080"),
        ] {
            assert!(!same_origin(o, h), "{o} vs {h}");
        }
    }

    #[test]
    fn allow_host_values() {
        for ok in ["box.lan", "10.0.0.2", "[::1]", "::1", "my-host"] {
            assert!(plain_host(ok), "{ok}");
        }
        for bad in ["", "http://x", "x:80", "x/y", "*", "*.example", "-x", "a b"] {
            assert!(!plain_host(bad), "{bad}");
        }
    }
}
