//! Files: a candidate's run-folder files by fixed name, and the browser runtime at `/runtime/`.
//!
//! No request path reaches anything else: ids are integers, candidate file names come from
//! [`CANDIDATE_FILES`], runtime paths are plain names, and every resolved path is
//! canonicalised and checked to lie under its folder (which itself must lie under the store's
//! folder), so `..`, encoded `%2e%2e`, absolute paths and symlinks out are all 404.

use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::parse_id;
use super::runtime::{VERSION_PREFIX, accepts_gzip, plain_name};
use super::{ApiError, AppState};

/// The files served from a candidate's (or an editor training's) run folder.
pub const CANDIDATE_FILES: &[&str] =
    &["policy.safetensors", "policy-best.safetensors", "reward.wasm", "metrics.jsonl", "curves.svg", "result.json"];

/// The hint shown wherever the runtime is missing.
pub const RUNTIME_HINT: &str = "the browser runtime is not built: run `web/build.sh` (it writes target/web-pkg), or point \
     REWARDSMITH_WEB_PKG at a built copy, then reload";

pub fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map_or("", |(_, e)| e) {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "jsonl" => "application/x-ndjson",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `dir` canonicalised, if it exists and lies under `under` (canonical).
pub fn folder_under(dir: &Path, under: &Path) -> Option<PathBuf> {
    let d = std::fs::canonicalize(dir).ok()?;
    (d.starts_with(under) && d.is_dir()).then_some(d)
}

/// Reads `name` (an allow-listed plain name) from `dir` (canonical), refusing anything whose
/// resolved path leaves `dir`.
pub fn read_named(dir: &Path, name: &str) -> Result<Response, ApiError> {
    if !CANDIDATE_FILES.contains(&name) {
        return Err(ApiError::not_found(format!(
            "no file `{}`: the files are {}",
            super::error::short(name),
            CANDIDATE_FILES.join(", ")
        )));
    }
    read_under(dir, &dir.join(name), name)
}

fn read_under(dir: &Path, path: &Path, name: &str) -> Result<Response, ApiError> {
    let missing = || ApiError::not_found(format!("`{}` does not exist (yet)", super::error::short(name)));
    let p = std::fs::canonicalize(path).map_err(|_| missing())?;
    if !p.starts_with(dir) || !p.is_file() {
        return Err(missing());
    }
    let bytes = std::fs::read(&p).map_err(|_| missing())?;
    Ok(([(header::CONTENT_TYPE, content_type(name)), (header::CACHE_CONTROL, "no-store")], bytes).into_response())
}

/// A candidate's run folder, canonical and under the store's folder; 404 when it has none.
pub fn candidate_dir(state: &AppState, run: i64, cid: i64) -> Result<PathBuf, ApiError> {
    let st = state.store();
    let row = st.run(run)?;
    st.candidate_of_run(run, cid)?;
    let run_dir = folder_under(&row.artifact_dir, &state.inner.root)
        .ok_or_else(|| ApiError::not_found(format!("run {run}'s artifact folder is missing")))?;
    folder_under(&run_dir.join(format!("c{cid}")), &run_dir)
        .ok_or_else(|| ApiError::not_found(format!("candidate {cid} has no run folder (it was not trained)")))
}

pub async fn candidate_file(
    State(state): State<AppState>,
    UrlPath((id, cid, file)): UrlPath<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (id, cid) = (parse_id("run id", &id)?, parse_id("candidate id", &cid)?);
    let dir = candidate_dir(&state, id, cid)?;
    read_named(&dir, &file)
}

/// `/runtime/{path}`: the browser runtime ([`super::runtime`]). `v-<hash>/<file>` of the
/// current version may be cached forever; a plain `<file>` (or another version's) is
/// revalidated by ETag. gzip where the browser accepts it. 404 with how to build it when
/// missing.
pub async fn runtime(
    State(state): State<AppState>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(rt) = state.runtime() else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "runtime_missing", RUNTIME_HINT));
    };
    let no_file = || ApiError::not_found(format!("no runtime file `{}`", super::error::short(&path)));
    let (version, name) = match path.split('/').collect::<Vec<_>>().as_slice() {
        [v, name] if v.starts_with(VERSION_PREFIX) && plain_name(v) => (Some(*v), *name),
        [name] => (None, *name),
        _ => return Err(no_file()),
    };
    let asset = rt.files.get(name).filter(|_| plain_name(name)).ok_or_else(no_file)?;
    let cache = if version == Some(rt.version.as_str()) { "public, max-age=31536000, immutable" } else { "no-cache" };
    let header_text = |h| headers.get(h).and_then(|v| v.to_str().ok()).unwrap_or("");
    let common = [
        (header::CACHE_CONTROL, cache.to_owned()),
        (header::ETAG, asset.etag.clone()),
        (header::VARY, "Accept-Encoding".to_owned()),
    ];
    if etag_matches(header_text(header::IF_NONE_MATCH), &asset.etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let ct = [(header::CONTENT_TYPE, asset.content_type)];
    Ok(match asset.gzip.as_ref().filter(|_| accepts_gzip(header_text(header::ACCEPT_ENCODING))) {
        Some(gz) => (ct, common, [(header::CONTENT_ENCODING, "gzip")], gz.clone()).into_response(),
        None => (ct, common, asset.plain.clone()).into_response(),
    })
}

/// Whether an `If-None-Match` list names `etag` (or is `*`); weak tags compare by value.
fn etag_matches(list: &str, etag: &str) -> bool {
    list.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}
