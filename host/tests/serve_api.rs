//! `rewardsmith serve`'s HTTP API, driven with `tower::ServiceExt::oneshot` (no socket) against
//! a real SQLite store in a temporary folder with fixture runs made through the store API,
//! plus a real socket where what goes over the wire matters (Host, headers).

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use futures_util::StreamExt;
use rewardsmith::candidate::{Candidate, Key, Origin, Status};
use rewardsmith::serve::{AppState, ServeConfig, router};
use rewardsmith::store::{FeedbackKind, NewRun, Proposer, RunRow, Store, Trained};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The Host this server's own pages send in the oneshot tests.
const HOST: &str = "127.0.0.1:8080";

struct Fixture {
    dir: tempfile::TempDir,
    /// The app as its own pages call it: Host and token added unless a request has its own.
    app: Router,
    /// The bare app: requests go in exactly as written.
    raw: Router,
    state: AppState,
    run: RunRow,
    /// Trained (with a run folder), compile error, trained in iteration 0 without a folder.
    trained: Candidate,
    failed: Candidate,
    other: Candidate,
    /// A candidate of a second run.
    foreign: Candidate,
}

impl Fixture {
    fn token(&self) -> &str {
        self.state.token().expect("a token by default")
    }

    /// The token cookie (what a browser that opened the printed URL sends).
    fn cookie(&self) -> String {
        format!("{}={}", rewardsmith::serve::TOKEN_COOKIE, self.token())
    }
}

fn config(dir: &Path) -> ServeConfig {
    let mut cfg = ServeConfig::new(dir.join("rewardsmith.db"));
    cfg.runtime_dir = dir.join("no-runtime");
    cfg.poll = Duration::from_millis(50);
    cfg
}

/// `router(state)` with what a legitimate client sends added to every request that lacks it:
/// `Host: 127.0.0.1:8080` and the token as a bearer header.
fn client(state: &AppState) -> Router {
    let token = state.token().map(str::to_owned);
    router(state.clone()).layer(axum::middleware::map_request(move |mut req: Request<Body>| {
        let token = token.clone();
        async move {
            let has_query_token = req.uri().query().is_some_and(|q| q.contains("token="));
            let h = req.headers_mut();
            if !h.contains_key(header::HOST) {
                h.insert(header::HOST, HeaderValue::from_static(HOST));
            }
            if let Some(t) = token
                && !h.contains_key(header::AUTHORIZATION)
                && !h.contains_key(header::COOKIE)
                && !has_query_token
            {
                h.insert(header::AUTHORIZATION, format!("Bearer {t}").parse().unwrap());
            }
            req
        }
    }))
}

fn new_candidate(run: i64, iteration: u32, sample: u32, source: &str) -> Candidate {
    let key = Key { iteration, attempt: 0, sample, origin: Origin::Offline, seed: 0 };
    Candidate { run_id: run, ..Candidate::new(key, source.into()) }
}

fn candidate(st: &Store, run: i64, iteration: u32, sample: u32, source: &str) -> Candidate {
    st.insert_candidate(&new_candidate(run, iteration, sample, source)).unwrap()
}

fn train(st: &Store, c: &Candidate, fitness: f64) -> Candidate {
    let trained = Trained { result: json!({}), fitness: Some(fitness), policy_path: None };
    st.set_candidate_trained(c.id, &trained).unwrap();
    st.candidate(c.id).unwrap()
}

fn fixture_with(cfg: impl FnOnce(&Path) -> ServeConfig) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let cfg = cfg(dir.path());
    let st = Store::open(&cfg.store).unwrap();
    let new = |env: &str| NewRun {
        env: env.into(),
        proposer: Proposer::Offline,
        model: None,
        config: json!({"iterations": 2}),
    };
    let run = st.create_run(&new("cartpole-v0")).unwrap();
    let trained = candidate(&st, run.id, 0, 0, "fn reward() {} // <script>alert(1)</script>");
    let trained = train(&st, &trained, 0.5);
    let failed = candidate(&st, run.id, 0, 1, "broken");
    st.set_candidate_failed(failed.id, Status::CompileError, "rustc", "line 1: expected item").unwrap();
    let failed = st.candidate(failed.id).unwrap();
    let other = train(&st, &candidate(&st, run.id, 0, 2, "fn other() {}"), 0.25);
    // The trained candidate's run folder, written directly.
    let cdir = run.artifact_dir.join(format!("c{}", trained.id));
    std::fs::create_dir_all(&cdir).unwrap();
    for (name, bytes) in [
        ("policy.safetensors", &b"POLICY"[..]),
        ("reward.wasm", b"\0asm\x01\0\0\0"),
        ("metrics.jsonl", b"{}\n"),
        ("curves.svg", b"<svg></svg>"),
        ("result.json", b"{}"),
        ("manifest.json", b"{\"secret\": true}"),
    ] {
        std::fs::write(cdir.join(name), bytes).unwrap();
    }
    let run2 = st.create_run(&new("pendulum-v0")).unwrap();
    let foreign = train(&st, &candidate(&st, run2.id, 0, 0, "fn x() {}"), 1.0);
    drop(st);
    let state = AppState::new(&cfg).unwrap();
    Fixture { app: client(&state), raw: router(state.clone()), state, dir, run, trained, failed, other, foreign }
}

fn fixture() -> Fixture {
    fixture_with(config)
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20).await.unwrap();
    (parts.status, parts.headers, bytes)
}

async fn get(app: &Router, uri: &str) -> (StatusCode, HeaderMap, Bytes) {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(app: &Router, uri: &str, body: impl Into<Body>) -> (StatusCode, Value) {
    let req = Request::post(uri).header(header::CONTENT_TYPE, "application/json").body(body.into()).unwrap();
    let (status, _, bytes) = send(app, req).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn json_of(b: &Bytes) -> Value {
    serde_json::from_slice(b).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(b)))
}

fn text(b: &Bytes) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn error_kind(b: &Bytes) -> String {
    json_of(b)["error"]["kind"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn runs_list_as_json_and_html() {
    let f = fixture();
    let (status, _, body) = get(&f.app, "/api/runs").await;
    assert_eq!(status, StatusCode::OK);
    let runs = json_of(&body);
    assert_eq!(runs.as_array().unwrap().len(), 2);
    let mine = runs.as_array().unwrap().iter().find(|r| r["id"] == f.run.id).unwrap();
    assert_eq!(mine["env"], "cartpole-v0");
    assert_eq!(mine["trained"], 2);
    assert_eq!(mine["candidates"], 3);
    assert_eq!(mine["best_fitness"], 0.5);
    assert_eq!(mine["best_candidate_id"], f.trained.id);

    let (status, headers, body) = get(&f.app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let html = text(&body);
    assert!(html.contains(&format!("data-run-id=\"{}\"", f.run.id)), "{html}");
    assert!(html.contains(&format!("href=\"/runs/{}\"", f.run.id)));
    assert!(html.contains("pendulum-v0"));

    let (status, _, body) = get(&f.app, &format!("/api/runs/{}", f.run.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)["candidates"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn pages_render_and_escape_sources() {
    let f = fixture();
    let (status, _, body) = get(&f.app, &format!("/runs/{}", f.run.id)).await;
    assert_eq!(status, StatusCode::OK);
    let html = text(&body);
    for c in [&f.trained, &f.failed, &f.other] {
        assert!(html.contains(&format!("data-candidate-id=\"{}\"", c.id)), "{html}");
    }
    assert!(html.contains("compile_error") && html.contains("<svg"));

    let (status, _, body) = get(&f.app, &format!("/runs/{}/candidates/{}", f.run.id, f.trained.id)).await;
    assert_eq!(status, StatusCode::OK);
    let html = text(&body);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("data-runtime-missing") && html.contains("web/build.sh"), "runtime hint: {html}");
    // Its run folder's figure of every logged iteration, PPO's diagnostics included.
    let files = format!("/api/runs/{}/candidates/{}/", f.run.id, f.trained.id);
    assert!(html.contains(&format!("<img data-train-diagnostics src=\"{files}curves.svg\"")), "{html}");
    let (_, _, body) = get(&f.app, &format!("/runs/{}/candidates/{}", f.run.id, f.other.id)).await;
    assert!(!text(&body).contains("data-train-diagnostics"), "no run folder, no figure");

    let (_, _, body) = get(&f.app, &format!("/runs/{}/candidates/{}", f.run.id, f.failed.id)).await;
    let html = text(&body);
    assert!(html.contains("data-error-kind=\"rustc\"") && html.contains("expected item"), "{html}");

    // Lineage (issue 13): a child names the candidate it was derived from and what changed,
    // escaped; the API's candidate list carries both.
    let child = f
        .state
        .store()
        .insert_candidate(&Candidate {
            parent_id: Some(f.trained.id),
            note: "mutated <b>alive</b> bonus".into(),
            ..new_candidate(f.run.id, 1, 0, "fn child() {}")
        })
        .unwrap();
    let (_, _, body) = get(&f.app, &format!("/runs/{}/candidates/{}", f.run.id, child.id)).await;
    let html = text(&body);
    assert!(html.contains(&format!("data-parent=\"{}\"", f.trained.id)), "{html}");
    assert!(html.contains("mutated &lt;b&gt;alive&lt;/b&gt; bonus"), "{html}");
    let (_, _, body) = get(&f.app, &format!("/api/runs/{}", f.run.id)).await;
    let listed =
        json_of(&body)["candidates"].as_array().unwrap().iter().find(|c| c["id"] == child.id).cloned().unwrap();
    assert_eq!(
        (listed["parent_id"].as_i64(), listed["note"].as_str()),
        (Some(f.trained.id), Some("mutated <b>alive</b> bonus"))
    );

    let (status, _, body) = get(&f.app, &format!("/runs/{}/iterations/0/rank", f.run.id)).await;
    assert_eq!(status, StatusCode::OK);
    let html = text(&body);
    assert!(
        html.contains(&format!("data-best=\"{}\"", f.trained.id))
            && html.contains(&format!("data-worst=\"{}\"", f.other.id))
    );
    assert!(!html.contains(&format!("data-best=\"{}\"", f.failed.id)), "failed candidates are not ranked");

    for page in ["/envs", "/editor", "/editor?env=pendulum", "/static/playground.js"] {
        let (status, _, body) = get(&f.app, page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(!body.is_empty());
    }
    let (_, _, body) = get(&f.app, "/editor").await;
    assert!(text(&body).contains("export_reward!"), "the editor is pre-filled with the baseline");
    let (status, _, body) = get(&f.app, "/api/envs/cartpole/example").await;
    assert_eq!(status, StatusCode::OK);
    assert!(json_of(&body)["source"].as_str().unwrap().contains("export_reward!"));
}

#[tokio::test]
async fn bad_and_unknown_ids() {
    let f = fixture();
    for uri in ["/api/runs/abc", "/api/runs/-1", "/api/runs/1.5/events", "/api/runs/x/candidates/1"] {
        let (status, _, body) = get(&f.app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(error_kind(&body), "bad_id", "{uri}");
    }
    let (status, _, body) = get(&f.app, "/runs/abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text(&body).contains("data-error-kind=\"bad_id\""));
    for uri in [
        "/api/runs/9999".to_owned(),
        "/runs/9999".to_owned(),
        "/api/runs/9999/events".to_owned(),
        format!("/api/runs/{}/candidates/9999", f.run.id),
        // A candidate of another run is unknown here.
        format!("/api/runs/{}/candidates/{}", f.run.id, f.foreign.id),
        format!("/runs/{}/candidates/{}", f.run.id, f.foreign.id),
        "/no/such/page".to_owned(),
    ] {
        let (status, _, _) = get(&f.app, &uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
    let (_, _, body) = get(&f.app, "/api/runs/9999").await;
    assert_eq!(error_kind(&body), "not_found");
}

#[tokio::test]
async fn oversized_and_malformed_bodies() {
    let f = fixture();
    let big = json!({ "env": "cartpole", "source": "x".repeat(300 * 1024) }).to_string();
    let (status, body) = post(&f.app, "/api/check", big.clone()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["kind"], "too_large");
    let (status, _) = post(&f.app, &format!("/api/runs/{}/feedback", f.run.id), big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, body) = post(&f.app, "/api/check", "{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["kind"], "bad_json");
    let (status, body) = post(&f.app, "/api/check", json!({ "env": "nope", "source": "" }).to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["kind"], "unknown_env");
}

/// A request as written, with only `Host: 127.0.0.1:8080` (no token).
fn bare(method: &str, uri: &str) -> axum::http::request::Builder {
    Request::builder().method(method).uri(uri).header(header::HOST, HOST)
}

#[tokio::test]
async fn a_token_is_required_on_every_request_by_default() {
    // The default config: no token given, so a random one is made; nothing passes without it.
    let f = fixture();
    let token = f.token().to_owned();
    assert!(token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    let again = AppState::new(&config(f.dir.path())).unwrap();
    assert_ne!(again.token(), Some(token.as_str()), "a fresh token on every start");
    for uri in [
        "/",
        "/api/runs",
        "/static/playground.js",
        "/runtime/index.html",
        "/api/runs/1/candidates/1/policy.safetensors",
    ] {
        let (status, _, body) = send(&f.raw, bare("GET", uri).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(error_kind(&body), "unauthorized");
        assert!(!text(&body).contains(&token), "the token is never echoed");
    }
    let req = bare("POST", "/api/check").header(header::CONTENT_TYPE, "application/json").body(Body::from("{}"));
    assert_eq!(send(&f.raw, req.unwrap()).await.0, StatusCode::UNAUTHORIZED);
    let with = |value: &str| bare("GET", "/api/runs").header(header::AUTHORIZATION, value).body(Body::empty()).unwrap();
    assert_eq!(send(&f.raw, with("Bearer wrong")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&f.raw, with(&format!("Bearer {token}x"))).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&f.raw, with(&format!("Bearer {token}"))).await.0, StatusCode::OK);
    let wrong = bare("GET", "/api/runs?token=wrong").body(Body::empty()).unwrap();
    assert_eq!(send(&f.raw, wrong).await.0, StatusCode::UNAUTHORIZED);

    // `?token=` once: a cookie (HttpOnly, SameSite=Strict) and a redirect without the token.
    let first = bare("GET", &format!("/runs/{}?token={token}&x=1", f.run.id)).body(Body::empty()).unwrap();
    let (status, headers, _) = send(&f.raw, first).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers[header::LOCATION].to_str().unwrap();
    assert_eq!(location, format!("/runs/{}?x=1", f.run.id));
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().unwrap();
    assert_eq!(pair, f.cookie());
    let req = bare("GET", location).header(header::COOKIE, pair).body(Body::empty()).unwrap();
    assert_eq!(send(&f.raw, req).await.0, StatusCode::OK);
    let req = bare("GET", "/api/runs").header(header::COOKIE, "rewardsmith_token=nope").body(Body::empty()).unwrap();
    assert_eq!(send(&f.raw, req).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn no_token_serves_loopback_without_a_token() {
    let f = fixture_with(|d| {
        let mut c = config(d);
        c.no_token = true;
        c
    });
    assert_eq!(f.state.token(), None);
    let (status, _, _) = send(&f.raw, bare("GET", "/api/runs").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    // The other checks still hold without a token.
    let evil = Request::get("/api/runs").header(header::HOST, "evil.example:8080").body(Body::empty()).unwrap();
    assert_eq!(send(&f.raw, evil).await.0, StatusCode::FORBIDDEN);
}

#[test]
fn no_token_is_refused_off_loopback_and_with_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.no_token = true;
    cfg.validate().unwrap();
    for bind in ["0.0.0.0:8080", "[::]:8080", "192.168.1.5:8080"] {
        cfg.bind = bind.parse().unwrap();
        let e = cfg.validate().unwrap_err();
        assert_eq!(e.kind(), "no_token", "{bind}");
        assert!(e.to_string().contains("--no-token") && e.to_string().contains("127.0.0.1"), "{e}");
    }
    assert_eq!(AppState::new(&cfg).unwrap_err().kind(), "no_token");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let served = rt.block_on(rewardsmith::serve::serve(cfg.clone(), |_| panic!("must not bind")));
    assert_eq!(served.unwrap_err().kind(), "no_token");
    // A non-loopback bind is fine with the default (random) token.
    cfg.no_token = false;
    cfg.validate().unwrap();
    assert!(AppState::new(&cfg).unwrap().token().is_some());
    cfg.bind = "127.0.0.1:0".parse().unwrap();
    cfg.no_token = true;
    cfg.token = Some("a-long-enough-token".into());
    assert_eq!(cfg.validate().unwrap_err().kind(), "token_and_no_token");
}

#[test]
fn a_short_or_unsafe_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    for short in ["x", "s3cret", "fifteen-chars-x"] {
        cfg.token = Some(short.into());
        let e = cfg.validate().unwrap_err();
        assert_eq!(e.kind(), "short_token", "{short}");
        assert!(e.to_string().contains("at least 16") && e.to_string().contains("openssl rand"), "{e}");
        assert_eq!(AppState::new(&cfg).unwrap_err().kind(), "short_token");
    }
    cfg.token = Some("sixteen-chars-ok".into());
    cfg.validate().unwrap();
    assert_eq!(AppState::new(&cfg).unwrap().token(), Some("sixteen-chars-ok"));
    cfg.token = Some("bad token; with spaces".into());
    assert_eq!(cfg.validate().unwrap_err().kind(), "bad_token");
    cfg.token = None;
    cfg.allow_hosts = vec!["http://box.lan:80".into()];
    assert_eq!(cfg.validate().unwrap_err().kind(), "bad_allow_host");
    cfg.allow_hosts.clear();
    cfg.max_compiles = 0;
    assert_eq!(cfg.validate().unwrap_err().kind(), "no_compile_slots");
}

#[tokio::test]
async fn candidate_files_by_fixed_name_only() {
    let f = fixture();
    let base = format!("/api/runs/{}/candidates/{}", f.run.id, f.trained.id);
    let (status, headers, body) = get(&f.app, &format!("{base}/policy.safetensors")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], b"POLICY");
    assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
    let (_, headers, _) = get(&f.app, &format!("{base}/reward.wasm")).await;
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
    for name in ["metrics.jsonl", "curves.svg", "result.json"] {
        assert_eq!(get(&f.app, &format!("{base}/{name}")).await.0, StatusCode::OK, "{name}");
    }
    // Not on the list, traversal (plain, encoded, double-encoded), absolute paths.
    for name in [
        "manifest.json",
        "reward.rs",
        "..",
        "%2e%2e",
        "..%2frewardsmith.db",
        "%2e%2e%2f%2e%2e%2frewardsmith.db",
        "%252e%252e%252frewardsmith.db",
        "%2fetc%2fpasswd",
        "policy.safetensors%00",
    ] {
        let (status, _, body) = get(&f.app, &format!("{base}/{name}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
        assert!(!text(&body).contains("secret"), "{name}");
    }
    for uri in [format!("{base}/../../rewardsmith.db"), format!("{base}//etc/passwd")] {
        let (status, _, body) = get(&f.app, &uri).await;
        assert!(status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST, "{uri}: {status}");
        assert!(!text(&body).contains("SQLite"), "{uri}");
    }
    // A candidate without a folder, and a foreign candidate through this run: 404.
    let (status, _, _) =
        get(&f.app, &format!("/api/runs/{}/candidates/{}/policy.safetensors", f.run.id, f.other.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) =
        get(&f.app, &format!("/api/runs/{}/candidates/{}/policy.safetensors", f.run.id, f.foreign.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Single trainings (`<store dir>/train/<name>`, `<store dir>/editor/<n>`): listed on `/`,
/// their pages and files by kind, plain name and file allow-list only.
#[tokio::test]
async fn single_trainings_are_listed_and_served_by_kind_and_plain_name_only() {
    let f = fixture();
    let root = f.dir.path();
    let write_run = |dir: &Path| {
        std::fs::create_dir_all(dir).unwrap();
        let cfg = rewardsmith::train::TrainConfig::new("cartpole");
        let m = rewardsmith::train::Manifest::new(&cfg, "reward.rs", b"fn r() {}", "00");
        std::fs::write(dir.join("manifest.json"), serde_json::to_string(&m).unwrap()).unwrap();
        std::fs::write(dir.join("reward.rs"), "fn r() {} // <b>mine</b>").unwrap();
        std::fs::write(dir.join("policy.safetensors"), "POLICY").unwrap();
    };
    write_run(&root.join("train/t-1"));
    write_run(&root.join("editor/3"));
    std::fs::create_dir_all(root.join("train/no-manifest")).unwrap();
    let (status, _, body) = get(&f.app, "/").await;
    assert_eq!(status, StatusCode::OK);
    let page = text(&body);
    assert!(page.contains("data-training=\"train/t-1\"") && page.contains("data-training=\"editor/3\""), "{page}");
    assert!(!page.contains("no-manifest"), "a folder without a manifest is not a training");
    let (status, _, body) = get(&f.app, "/trainings/train/t-1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text(&body).contains("&lt;b&gt;mine&lt;/b&gt;"), "the source, escaped");
    let (status, _, body) = get(&f.app, "/api/trainings/editor/3/policy.safetensors").await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"POLICY"[..]));
    // Another kind, a name that is not plain, traversal, files off the list, no manifest.
    let outside = tempfile::tempdir().unwrap();
    write_run(outside.path());
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), root.join("train/linked")).unwrap();
    for uri in [
        "/api/trainings/runs/t-1/policy.safetensors",
        "/api/trainings/train/%2e%2e/policy.safetensors",
        "/api/trainings/train/..%2ftrain%2ft-1/policy.safetensors",
        "/api/trainings/train/.hidden/policy.safetensors",
        "/api/trainings/train/t-1/manifest.json",
        "/api/trainings/train/t-1/reward.rs",
        "/api/trainings/train/no-manifest/policy.safetensors",
        "/api/trainings/train/linked/policy.safetensors",
        "/trainings/train/linked",
        "/trainings/other/t-1",
    ] {
        let (status, _, body) = get(&f.app, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!text(&body).contains("POLICY"), "{uri}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn symlinks_out_of_a_run_folder_are_not_followed() {
    let f = fixture();
    let outside = f.dir.path().join("outside.txt");
    std::fs::write(&outside, "OUTSIDE").unwrap();
    // A file symlinked out of the candidate's folder.
    let cdir = f.run.artifact_dir.join(format!("c{}", f.trained.id));
    std::fs::remove_file(cdir.join("curves.svg")).unwrap();
    std::os::unix::fs::symlink(&outside, cdir.join("curves.svg")).unwrap();
    let (status, _, body) =
        get(&f.app, &format!("/api/runs/{}/candidates/{}/curves.svg", f.run.id, f.trained.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!text(&body).contains("OUTSIDE"));
    // A candidate folder symlinked elsewhere.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("policy.safetensors"), "OUTSIDE").unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), f.run.artifact_dir.join(format!("c{}", f.other.id))).unwrap();
    let (status, _, body) =
        get(&f.app, &format!("/api/runs/{}/candidates/{}/policy.safetensors", f.run.id, f.other.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!text(&body).contains("OUTSIDE"));
}

#[tokio::test]
async fn the_runtime_folder_is_served_without_escapes() {
    let f = fixture();
    let (status, _, body) = get(&f.app, "/runtime/index.html").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_kind(&body), "runtime_missing");
    assert!(json_of(&body)["error"]["message"].as_str().unwrap().contains("web/build.sh"));

    let pkg = f.dir.path().join("pkg");
    std::fs::create_dir_all(pkg.join("sub")).unwrap();
    std::fs::write(pkg.join("index.html"), "<html>runtime</html>").unwrap();
    std::fs::write(pkg.join("rewardsmith_web_bg.wasm"), b"\0asm").unwrap();
    std::fs::write(pkg.join("sub/a.js"), "export {}").unwrap();
    std::fs::write(f.dir.path().join("secret.txt"), "SECRET").unwrap();
    let mut cfg = config(f.dir.path());
    cfg.runtime_dir = pkg.clone();
    let app = client(&AppState::new(&cfg).unwrap());
    let (status, headers, body) = get(&app, "/runtime/index.html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert_eq!(text(&body), "<html>runtime</html>");
    let (_, headers, _) = get(&app, "/runtime/rewardsmith_web_bg.wasm").await;
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
    // The runtime is flat: nothing in subfolders is served.
    assert_eq!(get(&app, "/runtime/sub/a.js").await.0, StatusCode::NOT_FOUND);
    for uri in [
        "/runtime/../secret.txt",
        "/runtime/%2e%2e/secret.txt",
        "/runtime/sub/%2e%2e/%2e%2e/secret.txt",
        "/runtime/%2fetc%2fpasswd",
        "/runtime//etc/passwd",
        "/runtime/.hidden",
        "/runtime/sub",
    ] {
        let (status, _, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!text(&body).contains("SECRET") && !text(&body).contains("root:"), "{uri}");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(f.dir.path().join("secret.txt"), pkg.join("link.txt")).unwrap();
        assert_eq!(get(&app, "/runtime/link.txt").await.0, StatusCode::NOT_FOUND);
    }
    // With the runtime built, candidate pages embed the replay iframe, under its version.
    let (_, _, body) = get(&app, &format!("/runs/{}/candidates/{}", f.run.id, f.trained.id)).await;
    let html = text(&body);
    let at = html.find("/runtime/v-").expect("a versioned replay") + "/runtime/".len();
    let version = &html[at..at + 18];
    let want = format!(
        "/runtime/{version}/index.html?env=cartpole-v0&policy=/api/runs/{r}/candidates/{c}/policy.safetensors&reward=/api/runs/{r}/candidates/{c}/reward.wasm&seed=0",
        r = f.run.id,
        c = f.trained.id
    );
    assert!(html.contains(&want), "{html}");
}

/// Issue 17: every replay frame downloaded the runtime again, uncompressed and uncached.
#[tokio::test]
async fn the_runtime_is_served_compressed_and_cached_under_its_content_hash() {
    let f = fixture();
    let pkg = f.dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("index.html"), "<html>runtime</html>").unwrap();
    let wasm: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
    std::fs::write(pkg.join("rewardsmith_web_bg.wasm"), &wasm).unwrap();
    let mut cfg = config(f.dir.path());
    cfg.runtime_dir = pkg.clone();
    let app = client(&AppState::new(&cfg).unwrap());
    let (_, _, body) = get(&app, &format!("/runs/{}/candidates/{}", f.run.id, f.trained.id)).await;
    let html = text(&body);
    let at = html.find("/runtime/v-").unwrap() + "/runtime/".len();
    let version = html[at..at + 18].to_owned();
    let wasm_at = format!("/runtime/{version}/rewardsmith_web_bg.wasm");

    let gzip = |uri: &str, accept: &str| {
        Request::get(uri).header(header::ACCEPT_ENCODING, accept).body(Body::empty()).unwrap()
    };
    let (status, h, body) = send(&app, gzip(&wasm_at, "gzip, deflate, br")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (h[header::CONTENT_ENCODING].to_str().unwrap(), h[header::VARY].to_str().unwrap()),
        ("gzip", "Accept-Encoding")
    );
    assert_eq!(h[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert_eq!(h[header::CONTENT_TYPE], "application/wasm");
    assert!(body.len() < wasm.len() / 4, "{} of {} bytes", body.len(), wasm.len());
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut plain).unwrap();
    assert_eq!(plain, wasm, "the same bytes, compressed");
    // No gzip when it is refused; the same bytes plain.
    for accept in ["identity", "gzip;q=0", "br"] {
        let (_, h, body) = send(&app, gzip(&wasm_at, accept)).await;
        assert!(h.get(header::CONTENT_ENCODING).is_none(), "{accept}");
        assert_eq!(body.to_vec(), wasm, "{accept}");
    }
    // Unversioned (or another version's) paths are revalidated, by ETag.
    for uri in ["/runtime/rewardsmith_web_bg.wasm", "/runtime/v-0000000000000000/rewardsmith_web_bg.wasm"] {
        let (status, h, _) = get(&app, uri).await;
        assert_eq!((status, h[header::CACHE_CONTROL].to_str().unwrap()), (StatusCode::OK, "no-cache"), "{uri}");
        let etag = h[header::ETAG].to_str().unwrap().to_owned();
        let req = Request::get(uri).header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
        let (status, h, body) = send(&app, req).await;
        assert_eq!((status, body.len()), (StatusCode::NOT_MODIFIED, 0), "{uri}");
        assert_eq!(h[header::ETAG].to_str().unwrap(), etag);
        let req = Request::get(uri).header(header::IF_NONE_MATCH, "\"other\"").body(Body::empty()).unwrap();
        assert_eq!(send(&app, req).await.0, StatusCode::OK);
    }
    // A rebuilt runtime gets a new version: pages point at it, the old prefix is revalidated.
    std::fs::write(pkg.join("rewardsmith_web_bg.wasm"), b"\0asm rebuilt").unwrap();
    let (_, _, body) = get(&app, &format!("/runs/{}/candidates/{}", f.run.id, f.trained.id)).await;
    assert!(!text(&body).contains(&version), "a new version after the rebuild");
    let (_, h, body) = get(&app, &wasm_at).await;
    assert_eq!((h[header::CACHE_CONTROL].to_str().unwrap(), &body[..]), ("no-cache", &b"\0asm rebuilt"[..]));
}

#[tokio::test]
async fn feedback_reaches_the_store_and_bad_feedback_is_refused() {
    let f = fixture();
    let url = format!("/api/runs/{}/feedback", f.run.id);
    let good = json!({ "iteration": 0, "best": f.trained.id, "worst": f.other.id, "text": "less wobble" });
    let (status, body) = post(&f.app, &url, good.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let st = f.state.store();
    let stored = st.feedback(f.run.id).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].kind, FeedbackKind::Preference);
    assert_eq!(stored[0].iteration, 0);
    assert_eq!(stored[0].consumed_by_iteration, None);
    assert_eq!(
        stored[0].payload,
        json!({ "iteration": 0, "best": f.trained.id, "worst": f.other.id, "text": "less wobble" })
    );
    // The evolve loop reads it as a preference.
    use rewardsmith::evolve::{Feedback, Journal};
    let mut j = rewardsmith::evolve::stored::StoreJournal { store: st, run_id: f.run.id };
    assert_eq!(
        j.take_feedback(1).unwrap(),
        vec![Feedback::Preference { best: f.trained.id, worst: f.other.id, text: "less wobble".into() }]
    );

    for (bad, why) in [
        (json!({ "iteration": 0, "best": f.foreign.id, "worst": f.other.id }), "candidate of another run"),
        (json!({ "iteration": 1, "best": f.trained.id, "worst": f.other.id }), "wrong iteration"),
        (json!({ "iteration": 0, "best": f.failed.id, "worst": f.other.id }), "not trained"),
        (json!({ "iteration": 0, "best": f.trained.id, "worst": f.trained.id }), "same candidate"),
        (json!({ "iteration": 0, "best": 99999, "worst": f.other.id }), "unknown candidate"),
        (json!({ "iteration": 0, "best": f.trained.id }), "no worst"),
        (json!({ "iteration": 0, "kind": "vote", "best": f.trained.id, "worst": f.other.id }), "unknown kind"),
        (json!({ "iteration": "zero", "best": f.trained.id, "worst": f.other.id }), "bad iteration"),
    ] {
        let (status, body) = post(&f.app, &url, bad.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert!(body["error"]["kind"].is_string(), "{why}");
    }
    assert_eq!(st.feedback(f.run.id).unwrap().len(), 1, "nothing bad was stored");
    let (status, _) = post(&f.app, "/api/runs/9999/feedback", good.to_string()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        post(&f.app, &url, json!({ "kind": "text", "iteration": 0, "text": "try velocity" }).to_string()).await;
    assert_eq!(status, StatusCode::CREATED);
}

/// Reads SSE frames until one contains `needle` (or the time runs out).
async fn read_until(
    stream: &mut (impl futures_util::Stream<Item = Result<Bytes, axum::Error>> + Unpin),
    needle: &str,
) -> String {
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(chunk) = stream.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if seen.contains(needle) {
                return true;
            }
        }
        false
    })
    .await;
    assert!(matches!(found, Ok(true)), "no `{needle}` in the stream; got:\n{seen}");
    seen
}

#[tokio::test]
async fn events_stream_new_candidates_and_status() {
    let f = fixture();
    let resp = f
        .app
        .clone()
        .oneshot(Request::get(format!("/api/runs/{}/events", f.run.id)).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut stream = resp.into_body().into_data_stream();
    // First the current state.
    let first = read_until(&mut stream, "event: status").await;
    assert!(first.contains(&format!("\"id\":{}", f.trained.id)), "{first}");
    // Then what another writer (the evolve process) adds.
    let other_writer = Store::open(f.state.store().path()).unwrap();
    let new = candidate(&other_writer, f.run.id, 1, 0, "fn new() {}");
    let got = read_until(&mut stream, &format!("\"id\":{}", new.id)).await;
    assert!(got.contains("event: candidate"), "{got}");
    other_writer.set_candidate_failed(new.id, Status::CompileError, "rustc", "boom").unwrap();
    read_until(&mut stream, "\"compile_error\"").await;
    other_writer.set_run_status(f.run.id, rewardsmith::store::RunStatus::Completed, None).unwrap();
    read_until(&mut stream, "\"completed\"").await;
}

#[tokio::test]
async fn check_reports_rustc_diagnostics_with_lines_and_passes_a_good_reward() {
    let f = fixture();
    let good = rewardsmith::evolve::baselines::human("cartpole").unwrap();
    let (status, body) = post(&f.app, "/api/check", json!({ "env": "cartpole", "source": good }).to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["ok"], true, "{body}");
    assert!(body["report"]["terms"].as_array().is_some_and(|t| !t.is_empty()), "{body}");

    // Line 5 calls something that does not exist.
    let broken = "use rewardsmith_guest::envs::cartpole::*;\nuse rewardsmith_guest::prelude::*;\n\n\
                  fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {\n\
                  \x20   let up = t.add(\"upright\", no_such_function(next.pole_angle));\n    up\n}\n\
                  export_reward!(reward);\n";
    assert!(broken.lines().nth(4).unwrap().contains("no_such_function"));
    let (status, body) =
        post(&f.app, "/api/check", json!({ "env": "cartpole-v0", "source": broken }).to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["ok"], false, "{body}");
    assert_eq!(body["error"]["kind"], "rustc", "{body}");
    let diags = body["error"]["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().any(|d| d["line"] == 5 && d["message"].as_str().unwrap().contains("no_such_function")),
        "{body}"
    );

    // A refused construct is located too.
    let refused = format!("{good}\ninclude_str!(\"/etc/passwd\");\n");
    let (_, body) = post(&f.app, "/api/check", json!({ "env": "cartpole", "source": refused }).to_string()).await;
    assert_eq!(body["ok"], false, "{body}");
    assert!(body["error"]["diagnostics"][0]["line"].as_u64().unwrap_or(0) > 0, "{body}");
}

/// `program` as an LLM answers: prose, a helper block it does not need, the program.
fn answer_with(program: &str) -> String {
    format!(
        "Here is my reward.\n\n```rust\nfn unused() {{}}\n```\n\nThe reward:\n\n```rust\n{program}```\n\nIt works.\n"
    )
}

#[tokio::test]
async fn the_editor_extracts_a_pasted_answer_before_checking_it() {
    let f = fixture();
    let good = rewardsmith::evolve::baselines::human("cartpole").unwrap();
    let answer = answer_with(good);
    let (status, body) = post(&f.app, "/api/check", json!({ "env": "cartpole", "source": answer }).to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["ok"], true, "{body}");
    let ex = &body["extracted"];
    let program = rewardsmith::compiler::answer::extract_program(&answer).unwrap();
    assert_eq!(ex["program"], program.as_str(), "{body}");
    assert_eq!(ex["blocks_used"], json!([2]), "{body}");
    let n = good.lines().count();
    assert_eq!(ex["description"], format!("fenced block 2 of 2 (lines 10–{}), prose dropped", 9 + n), "{body}");

    // Diagnostics' lines are lines of the extracted program (which the page then shows).
    let broken = good.replace("t.add(\"alive\", 1.0)", "t.add(\"alive\", no_such_function(1.0))");
    assert_ne!(broken, good);
    let (_, body) =
        post(&f.app, "/api/check", json!({ "env": "cartpole", "source": answer_with(&broken) }).to_string()).await;
    assert_eq!((body["ok"].as_bool(), body["error"]["kind"].as_str()), (Some(false), Some("rustc")), "{body}");
    let program = body["extracted"]["program"].as_str().unwrap();
    let line = program.lines().position(|l| l.contains("no_such_function")).unwrap() + 1;
    let diags = body["error"]["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().any(|d| d["line"] == line && d["message"].as_str().unwrap().contains("no_such_function")),
        "no diagnostic at line {line}: {body}"
    );

    // An answer without a program is a typed result, and plain Rust is not an answer.
    let none = "I would reward uprightness:\n```python\nreward = cos(angle)\n```\n";
    let (status, body) = post(&f.app, "/api/check", json!({ "env": "cartpole", "source": none }).to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((body["ok"].as_bool(), body["error"]["kind"].as_str()), (Some(false), Some("no_code")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("```rust fenced block"), "{body}");
    assert!(body.get("extracted").is_none(), "{body}");
    let (_, body) = post(&f.app, "/api/check", json!({ "env": "cartpole", "source": good }).to_string()).await;
    assert_eq!(body["ok"], true, "{body}");
    assert!(body.get("extracted").is_none(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_trains_on_the_program_extracted_from_an_answer() {
    let f = fixture();
    let none = json!({ "env": "cartpole", "source": "```rust\nfn reward() -> f32 { 1.0 }\n```\n", "steps": 64 });
    let (status, body) = post(&f.app, "/api/train", none.to_string()).await;
    assert_eq!((status, body["error"]["kind"].as_str()), (StatusCode::BAD_REQUEST, Some("no_export")), "{body}");
    assert!(!f.dir.path().join("editor").exists(), "a training started for an answer without a program");

    let good = rewardsmith::evolve::baselines::human("cartpole").unwrap();
    let req = json!({ "env": "cartpole", "source": answer_with(good), "steps": 1024 }).to_string();
    let (status, body) = post(&f.app, "/api/train", req).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let program = body["extracted"]["program"].as_str().expect("what was extracted").to_owned();
    assert_eq!(body["extracted"]["blocks_used"], json!([2]), "{body}");
    let job = body["job"].as_u64().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    let done = loop {
        let (_, _, b) = get(&f.app, &format!("/api/train/{job}")).await;
        let v = json_of(&b);
        if v["done"] == true {
            break v;
        }
        assert!(std::time::Instant::now() < deadline, "editor training did not finish: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done["progress"]["error"], Value::Null, "{done}");
    let kept = std::fs::read_to_string(f.dir.path().join("editor").join(job.to_string()).join("reward.rs")).unwrap();
    assert_eq!(kept, program, "the run folder keeps the extracted program");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_trains_one_reward_at_a_time_and_serves_the_result() {
    let f = fixture();
    let (_, _, example) = get(&f.app, "/api/envs/cartpole/example").await;
    let source = json_of(&example)["source"].as_str().expect("the example's source").to_owned();

    let too_many = json!({ "env": "cartpole", "source": source, "steps": 10_000_000 }).to_string();
    let (status, body) = post(&f.app, "/api/train", too_many).await;
    assert_eq!((status, body["error"]["kind"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_steps")), "{body}");

    let req = json!({ "env": "cartpole", "source": source, "steps": 4096, "seed": 1 }).to_string();
    let (status, body) = post(&f.app, "/api/train", req.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let job = body["job"].as_u64().unwrap();
    let busy = Request::post("/api/train").header(header::CONTENT_TYPE, "application/json").body(Body::from(req));
    let (status, headers, busy) = send(&f.app, busy.unwrap()).await;
    assert_eq!((status, error_kind(&busy)), (StatusCode::TOO_MANY_REQUESTS, "train_busy".into()), "{}", text(&busy));
    let retry: u64 = headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=310).contains(&retry), "at most the training's time limit: {retry}");

    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    let done = loop {
        let (status, _, b) = get(&f.app, &format!("/api/train/{job}")).await;
        assert_eq!(status, StatusCode::OK);
        let v = json_of(&b);
        if v["done"] == true {
            break v;
        }
        assert!(std::time::Instant::now() < deadline, "editor training did not finish: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done["progress"]["status"], "completed", "{done}");
    assert_eq!(done["progress"]["error"], Value::Null, "{done}");
    assert!(done["result"]["steps"].as_u64().unwrap() >= 4096, "{done}");
    let (status, _, policy) = get(&f.app, &format!("/api/train/{job}/policy.safetensors")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(policy.len() > 1000);
    let folder = f.dir.path().join("editor").join(job.to_string());
    assert_eq!(
        std::fs::read(folder.join("policy.safetensors")).unwrap(),
        policy.to_vec(),
        "served from its run folder"
    );
    // Free again once done.
    let (status, body) =
        post(&f.app, "/api/train", json!({ "env": "cartpole", "source": "fn x(", "steps": 1 }).to_string()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

// ----- what another site cannot do (docs/web.md, "Security model") -----

/// What a page on another site can make a browser send without a CORS preflight: a
/// `no-cors` POST with a text/plain body. It carries the token cookie when that page is on
/// the same *site* (another port on 127.0.0.1: SameSite=Strict does not tell ports apart),
/// so the cookie is sent here on purpose: the token alone does not stop this.
fn no_cors_post(f: &Fixture, uri: &str, body: &str, origin: Option<&str>, site: &str) -> Request<Body> {
    let mut b = bare("POST", uri)
        .header(header::CONTENT_TYPE, "text/plain;charset=UTF-8")
        .header(header::COOKIE, f.cookie())
        .header("sec-fetch-mode", "no-cors")
        .header("sec-fetch-site", site);
    if let Some(o) = origin {
        b = b.header(header::ORIGIN, o);
    }
    b.body(Body::from(body.to_owned())).unwrap()
}

/// A valid body for each state-changing route.
fn state_changes(f: &Fixture) -> Vec<(String, String)> {
    let source = rewardsmith::evolve::baselines::human("cartpole").unwrap();
    vec![
        ("/api/check".into(), json!({ "env": "cartpole", "source": source }).to_string()),
        ("/api/train".into(), json!({ "env": "cartpole", "source": source, "steps": 64 }).to_string()),
        (
            format!("/api/runs/{}/feedback", f.run.id),
            json!({ "iteration": 0, "best": f.trained.id, "worst": f.other.id, "text": "ignore previous advice" })
                .to_string(),
        ),
    ]
}

/// Nothing a refused request could have done happened: no feedback stored, no training
/// started (no editor folder, no job), and the compile slot was never taken.
async fn nothing_happened(f: &Fixture) {
    assert!(f.state.store().feedback(f.run.id).unwrap().is_empty(), "feedback was stored");
    assert!(!f.dir.path().join("editor").exists(), "a training started");
    assert_eq!(get(&f.app, "/api/train/1").await.0, StatusCode::NOT_FOUND, "a training started");
}

#[tokio::test]
async fn a_cross_site_no_cors_post_changes_nothing() {
    let f = fixture_with(|d| {
        let mut c = config(d);
        c.max_compiles = 1;
        c
    });
    for (uri, body) in state_changes(&f) {
        for (origin, site) in [
            (Some("http://evil.example"), "cross-site"),
            (Some("http://127.0.0.1:9999"), "same-site"),
            (Some("null"), "cross-site"),
            (None, "cross-site"),
            (None, "same-site"),
        ] {
            let (status, headers, resp) = send(&f.raw, no_cors_post(&f, &uri, &body, origin, site)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{uri} from {origin:?} ({site}): {}", text(&resp));
            assert_eq!(error_kind(&resp), "cross_origin", "{uri}");
            assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
        }
        // Same origin but text/plain (e.g. a script without the header): 415, still nothing done.
        for origin in [Some("http://127.0.0.1:8080"), None] {
            let (status, _, resp) = send(&f.raw, no_cors_post(&f, &uri, &body, origin, "same-origin")).await;
            assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{uri}: {}", text(&resp));
            assert_eq!(error_kind(&resp), "not_json");
            assert!(json_of(&resp)["error"]["message"].as_str().unwrap().contains("application/json"));
        }
    }
    nothing_happened(&f).await;
    // Nothing compiled: the only compile slot is still free.
    drop(f.state.compile_slots().try_take().expect("the compile slot is free"));
    // The same request from the server's own page goes through.
    let (uri, body) = state_changes(&f).pop().unwrap();
    let own = bare("POST", &uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, f.cookie())
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .unwrap();
    let (status, _, resp) = send(&f.raw, own).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&resp));
    assert_eq!(f.state.store().feedback(f.run.id).unwrap().len(), 1);
}

#[tokio::test]
async fn a_json_post_from_another_origin_is_refused() {
    let f = fixture();
    let (uri, body) = state_changes(&f).pop().unwrap();
    let from = |origin: Option<&str>, site: Option<&str>| {
        let mut b = bare("POST", &uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {}", f.token()));
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        if let Some(s) = site {
            b = b.header("sec-fetch-site", s);
        }
        b.body(Body::from(body.clone())).unwrap()
    };
    for (origin, site) in [
        (Some("http://evil.example:8080"), None),
        (Some("http://127.0.0.1:9999"), Some("same-site")),
        (Some("http://localhost:8080"), None),
        (Some("http://127.0.0.1:8080.evil.example"), None),
        (None, Some("cross-site")),
        (None, Some("same-site")),
    ] {
        let (status, _, resp) = send(&f.raw, from(origin, site)).await;
        assert_eq!((status, error_kind(&resp)), (StatusCode::FORBIDDEN, "cross_origin".into()), "{origin:?} {site:?}");
    }
    nothing_happened(&f).await;
    // Its own origin, or no Origin at all (curl, scripts): accepted.
    let (status, _, _) = send(&f.raw, from(Some("http://127.0.0.1:8080"), Some("same-origin"))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, _) = send(&f.raw, from(None, None)).await;
    assert_eq!(status, StatusCode::OK, "accepted; the same feedback again is the stored item");
}

#[tokio::test]
async fn a_rebinding_host_is_refused_on_every_request() {
    let f = fixture();
    let bearer = format!("Bearer {}", f.token());
    let with_host = |method: &str, uri: &str, host: &str| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, host)
            .header(header::AUTHORIZATION, &bearer)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap()
    };
    let run = format!("/runs/{}", f.run.id);
    let events = format!("/api/runs/{}/events", f.run.id);
    for (method, uri) in
        [("GET", "/"), ("GET", "/api/runs"), ("GET", run.as_str()), ("GET", events.as_str()), ("GET", "/runtime/x.js")]
            .into_iter()
            .chain([("POST", "/api/check"), ("HEAD", "/api/runs")])
    {
        for host in ["evil.example:8080", "evil.example", "127.0.0.1.evil.example:8080", "10.0.0.1:8080"] {
            let (status, _, body) = send(&f.raw, with_host(method, uri, host)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri} Host {host}");
            if method != "HEAD" {
                assert_eq!(error_kind(&body), "bad_host");
                let message = json_of(&body)["error"]["message"].as_str().unwrap().to_owned();
                assert!(message.contains("--allow-host") && !message.contains(f.token()), "{message}");
            }
        }
    }
    let no_host = Request::get("/api/runs").header(header::AUTHORIZATION, &bearer).body(Body::empty()).unwrap();
    assert_eq!(send(&f.raw, no_host).await.0, StatusCode::FORBIDDEN);
    for host in ["127.0.0.1:8080", "127.0.0.1", "localhost:8080", "LocalHost", "[::1]:8080", "127.1.2.3:1"] {
        assert_eq!(send(&f.raw, with_host("GET", "/api/runs", host)).await.0, StatusCode::OK, "{host}");
    }
    // A name of one's own, allowed with --allow-host.
    let mut cfg = config(f.dir.path());
    cfg.allow_hosts = vec!["evil.example".into()];
    let allowed = AppState::new(&cfg).unwrap();
    let bearer = format!("Bearer {}", allowed.token().unwrap());
    let req = Request::get("/api/runs")
        .header(header::HOST, "evil.example:8080")
        .header(header::AUTHORIZATION, bearer)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router(allowed), req).await.0, StatusCode::OK);
}

#[tokio::test]
async fn compiles_beyond_the_limit_get_429_with_retry_after() {
    let f = fixture_with(|d| {
        let mut c = config(d);
        c.max_compiles = 1;
        c
    });
    assert_eq!(f.state.compile_slots().size(), 1);
    let held = f.state.compile_slots().try_take().unwrap();
    assert_eq!(f.state.compile_slots().try_take().unwrap_err().kind, "compile_busy");
    for (uri, body) in state_changes(&f).into_iter().take(2) {
        let req = Request::post(uri.as_str()).header(header::CONTENT_TYPE, "application/json").body(Body::from(body));
        let (status, headers, resp) = send(&f.app, req.unwrap()).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{uri}: {}", text(&resp));
        assert_eq!(error_kind(&resp), "compile_busy");
        assert!(json_of(&resp)["error"]["message"].as_str().unwrap().contains("compiling 1 reward"), "{uri}");
        assert_eq!(headers[header::RETRY_AFTER], rewardsmith::serve::COMPILE_RETRY_AFTER.to_string());
    }
    nothing_happened(&f).await;
    drop(held);
    // Free again: the check runs (a program with a syntax error fails as a result, 200).
    let (status, body) = post(&f.app, "/api/check", json!({ "env": "cartpole", "source": "fn x(" }).to_string()).await;
    assert_eq!((status, &body["ok"]), (StatusCode::OK, &json!(false)), "{body}");
    drop(f.state.compile_slots().try_take().expect("the check gave its slot back"));
}

fn assert_security_headers(headers: &HeaderMap, framed_by_self: bool, what: &str) {
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let ancestors = if framed_by_self { "frame-ancestors 'self'" } else { "frame-ancestors 'none'" };
    assert!(
        csp.contains(ancestors) && csp.contains("script-src 'self'") && csp.contains("default-src 'none'"),
        "{what}: {csp}"
    );
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{what}: {csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{what}");
    assert_eq!(headers[header::X_FRAME_OPTIONS], if framed_by_self { "SAMEORIGIN" } else { "DENY" }, "{what}");
}

#[tokio::test]
async fn security_headers_on_pages_api_and_errors() {
    let f = fixture();
    let pages = [
        "/".to_owned(),
        "/editor".into(),
        "/envs".into(),
        format!("/runs/{}", f.run.id),
        format!("/runs/{}/candidates/{}", f.run.id, f.trained.id),
        format!("/runs/{}/iterations/0/rank", f.run.id),
    ];
    for uri in &pages {
        let (status, headers, body) = get(&f.app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_security_headers(&headers, false, uri);
        // Nothing inline for the CSP to block: no <style>, no script without src, no style="".
        let html = text(&body);
        assert!(!html.contains("<style") && !html.contains("style=\""), "{uri}: inline style");
        assert!(html.matches("<script").count() == html.matches("<script type=\"module\" src=").count(), "{uri}");
    }
    for (uri, status) in [
        ("/api/runs", StatusCode::OK),
        ("/static/playground.js", StatusCode::OK),
        ("/static/playground.css", StatusCode::OK),
        ("/api/runs/9999", StatusCode::NOT_FOUND),
        ("/runs/abc", StatusCode::BAD_REQUEST),
    ] {
        let (got, headers, _) = get(&f.app, uri).await;
        assert_eq!(got, status, "{uri}");
        assert_security_headers(&headers, false, uri);
    }
    // Refusals: no token (401), a rebinding Host (403), text/plain (415), too busy (429).
    let (status, headers, _) = send(&f.raw, bare("GET", "/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_security_headers(&headers, false, "401");
    let evil = Request::get("/").header(header::HOST, "evil.example").body(Body::empty()).unwrap();
    let (status, headers, _) = send(&f.raw, evil).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_security_headers(&headers, false, "403");
    let plain = Request::post("/api/check").header(header::CONTENT_TYPE, "text/plain").body(Body::from("{}"));
    let (status, headers, _) = send(&f.app, plain.unwrap()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_security_headers(&headers, false, "415");
    // The browser runtime is framed by the pages (the replays): this origin only.
    let (status, headers, _) = get(&f.app, "/runtime/index.html").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_security_headers(&headers, true, "/runtime/");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
}

/// One raw HTTP/1.1 exchange on a real socket: the status line, headers (lowercase names) and body.
fn exchange(addr: std::net::SocketAddr, request: &str) -> (String, String, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let out = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_owned(), headers.to_ascii_lowercase(), body.to_owned())
}

#[test]
fn over_a_real_socket_other_hosts_and_sites_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.bind = "127.0.0.1:0".parse().unwrap();
    let started = rewardsmith::serve::spawn(cfg).unwrap();
    let (addr, token) = (started.addr, started.token.clone().unwrap());
    assert_eq!(started.url(), format!("http://{addr}/?token={token}"));
    // The start line's isolation statement is the compiler's own.
    let compiler = rewardsmith::compiler::Compiler::new(rewardsmith::compiler::CompilerOptions::default());
    assert_eq!(started.isolation, compiler.describe_isolation());
    let get =
        |host: &str, auth: &str| format!("GET /api/runs HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n");
    let auth = format!("Authorization: Bearer {token}\r\n");

    let (status, headers, body) = exchange(addr, &get(&addr.to_string(), &auth));
    assert!(status.starts_with("HTTP/1.1 200"), "{status}\n{body}");
    for h in [
        "content-security-policy: default-src 'none'",
        "x-content-type-options: nosniff",
        "referrer-policy: no-referrer",
        "x-frame-options: deny",
    ] {
        assert!(headers.contains(h), "no `{h}` in\n{headers}");
    }
    // DNS rebinding: the browser sends the attacker's name as Host.
    let (status, headers, body) = exchange(addr, &get(&format!("evil.example:{}", addr.port()), &auth));
    assert!(status.starts_with("HTTP/1.1 403") && body.contains("bad_host"), "{status}\n{body}");
    assert!(headers.contains("content-security-policy"), "{headers}");
    // HTTP/1.0 without Host.
    let (status, _, _) = exchange(addr, &format!("GET /api/runs HTTP/1.0\r\n{auth}\r\n"));
    assert!(status.contains(" 403"), "{status}");
    // No token.
    let (status, _, _) = exchange(addr, &get(&addr.to_string(), ""));
    assert!(status.starts_with("HTTP/1.1 401"), "{status}");
    // A no-cors text/plain POST from another site, with the cookie a same-site page would send.
    let body = json!({ "env": "cartpole", "source": "fn x(" }).to_string();
    let post = format!(
        "POST /api/check HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://127.0.0.1:1\r\nCookie: rewardsmith_token={token}\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, _, resp) = exchange(addr, &post);
    assert!(status.starts_with("HTTP/1.1 403") && resp.contains("cross_origin"), "{status}\n{resp}");
}

#[tokio::test]
async fn a_nesting_bomb_is_refused_and_the_server_keeps_answering() {
    let f = fixture();
    // 40 KB of `(`: this once overflowed the screen's stack and took the whole server down.
    let bomb = format!("fn f() {{ {} }}", "(".repeat(40_000));
    let (status, body) = post(&f.app, "/api/check", json!({ "env": "cartpole", "source": bomb }).to_string()).await;
    // A refused program is a result (200, `ok: false`) with a located diagnostic, like any other.
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ok"], false, "{body}");
    assert_eq!(body["error"]["kind"], "refused", "{body}");
    assert_eq!(body["error"]["diagnostics"][0]["line"], 1, "{body}");
    let (status, _, _) = get(&f.app, "/api/runs").await;
    assert_eq!(status, StatusCode::OK, "the server still answers");
}

/// Issue 17: the run page left out the final evaluation (a best that scored below the human
/// baseline was never said), failure rows showed rustc's empty first line, and the envs page
/// printed an env id as a module path.
#[tokio::test]
async fn the_run_page_leads_with_the_final_evaluation_and_links_the_report() {
    use rewardsmith::evolve::{FinalScore, Summary};
    use rewardsmith::train::MeanStd;

    let f = fixture();
    let st = f.state.store();
    let (_, _, body) = get(&f.app, &format!("/runs/{}", f.run.id)).await;
    let html = text(&body);
    assert!(html.contains("data-final-pending") && !html.contains("data-final-evaluation"), "a running run: {html}");

    let score = |v: [f64; 2]| FinalScore { fitness: v.iter().map(|x| Some(*x)).collect(), mean_std: MeanStd::of(&v) };
    let summary = Summary {
        env: "cartpole-v0".into(),
        best_id: Some(f.trained.id),
        best_label: Some(f.trained.label()),
        best_fitness: Some(0.989),
        best_fitness_seeds: Some(3),
        best_per_iteration: vec![Some(0.9), Some(0.989)],
        rechecks: 4,
        candidates: 3,
        failed: 1,
        best: score([0.93, 0.954]),
        human: score([0.98, 0.984]),
        sparse: score([0.1, 0.3]),
        human_normalized_score: Some(0.95),
        human_normalized_undefined: None,
    };
    st.set_run_status(
        f.run.id,
        rewardsmith::store::RunStatus::Completed,
        Some(&serde_json::to_value(&summary).unwrap()),
    )
    .unwrap();
    let (_, _, body) = get(&f.app, &format!("/runs/{}", f.run.id)).await;
    let html = text(&body);
    let (table, iterations) = (html.find("data-final-evaluation").unwrap(), html.find("data-iterations").unwrap());
    assert!(table < iterations && table < html.find("data-best-candidate").unwrap_or(usize::MAX), "first: {html}");
    for (which, f) in [("best", &summary.best), ("human", &summary.human), ("sparse", &summary.sparse)] {
        let row = format!("data-final-row=\"{which}\" data-mean=\"{}\"", f.mean_std.unwrap().mean);
        assert!(html.contains(&row), "{row}: {html}");
    }
    assert!(
        html.contains("the best scored 0.942 (it was selected at 0.989), below the human baseline's 0.982"),
        "{html}"
    );
    assert!(html.contains("<b data-score>0.950</b>"), "{html}");
    assert!(html.contains(&format!("href=\"/runs/{}/report\" data-report-link", f.run.id)), "{html}");

    // The report: the page `rewardsmith report` writes, under a policy for its inline style.
    let (status, headers, body) = get(&f.app, &format!("/runs/{}/report", f.run.id)).await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("style-src 'unsafe-inline'") && !csp.contains("script-src"), "{csp}");
    let report = text(&body);
    assert!(report.contains("<h2>Final evaluation</h2>") && report.contains("data-final-row=\"human\""), "{report}");
    assert_eq!(get(&f.app, "/runs/999/report").await.0, StatusCode::NOT_FOUND);

    // A failure row says what failed, not rustc's empty first line.
    let c = candidate(st, f.run.id, 1, 0, "broken");
    st.set_candidate_failed(
        c.id,
        Status::CompileError,
        "rustc",
        "\n  \nerror[E0425]: cannot find function `nope`\n --> x",
    )
    .unwrap();
    let (_, _, body) = get(&f.app, &format!("/runs/{}", f.run.id)).await;
    assert!(text(&body).contains("<b>rustc</b> error[E0425]: cannot find function `nope`</td>"), "{}", text(&body));

    let (_, _, body) = get(&f.app, "/envs").await;
    let html = text(&body);
    assert!(
        html.contains("<code>rewardsmith_guest::envs::cartpole::State</code>") && !html.contains("cartpole-v0::State")
    );
}

/// Issue 17: the ranking page accepted feedback on a finished run and said "the next
/// iteration will use it", stored a second click as a second vote, forgot past choices
/// after a reload, and printed fitness on every card.
#[tokio::test]
async fn ranking_agrees_with_itself() {
    use rewardsmith::store::RunStatus;

    let f = fixture();
    let st = f.state.store();
    let (url, page) = (format!("/api/runs/{}/feedback", f.run.id), format!("/runs/{}/iterations/0/rank", f.run.id));
    st.begin_iteration(f.run.id, 0, 0).unwrap();
    let good = json!({ "iteration": 0, "best": f.trained.id, "worst": f.other.id, "text": "less wobble" });
    let (status, first) = post(&f.app, &url, good.to_string()).await;
    assert_eq!(
        (status, &first["duplicate"], first["used_by"].as_str()),
        (StatusCode::CREATED, &json!(false), Some("iteration 1 will use it"))
    );
    // The same choice again is the stored item, not a second vote.
    let (status, again) = post(&f.app, &url, good.to_string()).await;
    assert_eq!((status, &again["id"], &again["duplicate"]), (StatusCode::OK, &first["id"], &json!(true)));
    assert_eq!(st.feedback(f.run.id).unwrap().len(), 1);

    // Past choices are on the page; fitness shows unless blind; every card plays one seed.
    let (_, _, body) = get(&f.app, &page).await;
    let html = text(&body);
    assert!(html.contains(&format!("data-feedback-item=\"{}\"", first["id"])), "{html}");
    assert!(
        html.contains(&format!("best {}, worst {}: &quot;less wobble&quot; (pending)", f.trained.id, f.other.id)),
        "{html}"
    );
    assert!(html.contains("data-feedback-use=\"next\"") && html.contains("Iteration 1 will use it"), "{html}");
    assert!(html.contains("data-card-fitness") && html.contains("data-submit-feedback"), "{html}");
    let (_, _, body) = get(&f.app, &format!("{page}?blind=1&seed=7")).await;
    let html = text(&body);
    assert!(
        !html.contains("data-card-fitness") && !html.contains("0.500") && html.contains("data-blind=\"1\""),
        "{html}"
    );

    // An interrupted run: used when it is resumed, and said so.
    st.set_run_status(f.run.id, RunStatus::Interrupted, None).unwrap();
    let (_, _, body) = get(&f.app, &page).await;
    assert!(text(&body).contains(&format!("when the run is resumed (`rewardsmith evolve --resume {}`)", f.run.id)));
    // Every iteration proposed, or the run finished: nothing will read it, so it is refused.
    st.begin_iteration(f.run.id, 1, 0).unwrap();
    let other = json!({ "iteration": 0, "best": f.other.id, "worst": f.trained.id, "text": "" });
    let (status, body) = post(&f.app, &url, other.to_string()).await;
    assert_eq!((status, body["error"]["kind"].as_str()), (StatusCode::CONFLICT, Some("feedback_unused")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("every iteration of run"), "{body}");
    st.set_run_status(f.run.id, RunStatus::Completed, None).unwrap();
    let (status, body) = post(&f.app, &url, other.to_string()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]["message"].as_str().unwrap().contains("has finished"), "{body}");
    assert_eq!(st.feedback(f.run.id).unwrap().len(), 1, "nothing stored");
    let (_, _, body) = get(&f.app, &page).await;
    let html = text(&body);
    assert!(html.contains("data-feedback-use=\"never\"") && !html.contains("data-submit-feedback"), "{html}");
    assert!(html.contains(&format!("data-feedback-item=\"{}\"", first["id"])), "past choices stay listed: {html}");
}

/// Issue 17: an editor training that names no steps gets the env's budget, within the cap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_training_defaults_to_the_envs_budget_within_the_cap() {
    let f = fixture_with(|dir| ServeConfig { editor_max_steps: 2048, ..config(dir) });
    let (_, _, example) = get(&f.app, "/api/envs/cartpole/example").await;
    let source = json_of(&example)["source"].as_str().unwrap().to_owned();
    let (_, _, page) = get(&f.app, "/editor?env=cartpole").await;
    let html = text(&page);
    assert!(html.contains("data-budget=\"150000\" selected") && html.contains("value=\"2048\""), "{html}");
    let (status, body) = post(&f.app, "/api/train", json!({ "env": "cartpole", "source": source }).to_string()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["progress"]["total_steps"], 2048, "cartpole's 150,000 capped at 2,048: {body}");
    let job = body["job"].as_u64().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let (_, _, b) = get(&f.app, &format!("/api/train/{job}")).await;
        if json_of(&b)["done"] == true {
            break;
        }
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Issue 17: a no-code candidate's answer, and the prompt and reflection the LLM saw, were
/// shown nowhere (the call log held them).
#[tokio::test]
async fn an_llm_candidates_page_shows_its_answer_and_the_prompt() {
    use rewardsmith::store::{LlmCallStatus, NewLlmCall};

    let f = fixture();
    let st = f.state.store();
    let llm = |sample: u32| {
        let key = Key { iteration: 1, attempt: 0, sample, origin: Origin::Llm, seed: 0 };
        st.insert_candidate(&Candidate { run_id: f.run.id, ..Candidate::new(key, String::new()) }).unwrap()
    };
    let (coded, none) = (llm(0), llm(1));
    st.set_candidate_failed(none.id, Status::NoCode, "no_code", "the answer held no program").unwrap();
    let answer = "I would reward <staying up>; see http://user:hunter2@example.com/x";
    let prompt = json!({ "model": "m", "n": 2, "messages": [
        { "role": "system", "content": "You write reward functions." },
        { "role": "user", "content": "Task: `cartpole-v0`." },
        { "role": "user", "content": "We trained a policy with your reward function `i0.s0`: task_fitness: [0.1, 0.5]" },
    ]});
    st.record_llm_call(&NewLlmCall {
        run_id: f.run.id,
        iteration: 1,
        attempt: 0,
        request_key: "i1a0".into(),
        prompt,
        response: None,
        texts: Some(vec!["```rust\nfn r() {}\n```".into(), answer.into()]),
        prompt_tokens: Some(120),
        completion_tokens: Some(40),
        latency_ms: 5,
        status: LlmCallStatus::Ok,
        error_text: None,
    })
    .unwrap();
    let (_, _, body) = get(&f.app, &format!("/runs/{}/candidates/{}", f.run.id, none.id)).await;
    let html = text(&body);
    assert!(html.contains("data-llm-answer") && html.contains("I would reward &lt;staying up&gt;"), "{html}");
    assert!(!html.contains("hunter2"), "a credential in the text is masked: {html}");
    assert!(
        html.contains("The prompt: 3 message(s), sent with 2 sample(s), 120 prompt and 40 completion tokens"),
        "{html}"
    );
    assert!(
        html.contains("task_fitness: [0.1, 0.5]") && html.contains("data-llm-role=\"system\""),
        "the reflection: {html}"
    );
    let (_, _, body) = get(&f.app, &format!("/runs/{}/candidates/{}", f.run.id, coded.id)).await;
    assert!(text(&body).contains("fn r() {}"), "each candidate shows its own sample");
    let (_, _, body) = get(&f.app, &format!("/runs/{}/candidates/{}", f.run.id, f.trained.id)).await;
    assert!(!text(&body).contains("data-llm-answer"), "an offline candidate has no conversation");
}

/// The compare page takes 2 to 8 candidates of the run, by integer id.
#[tokio::test]
async fn compare_takes_two_to_eight_candidates_of_the_run() {
    let f = fixture();
    let base = format!("/runs/{}/compare", f.run.id);
    let (status, _, body) = get(&f.app, &format!("{base}?c={}&c={}", f.trained.id, f.other.id)).await;
    assert_eq!(status, StatusCode::OK);
    let html = text(&body);
    assert!(
        html.contains(&format!("data-compare-candidate=\"{}\"", f.other.id)) && html.contains("data-diff"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script>alert"), "sources escaped: {html}");
    let many: String = (0..9).map(|i| format!("c={}&", 1000 + i)).collect();
    for (query, status) in [
        (format!("?c={}", f.trained.id), StatusCode::BAD_REQUEST),
        (format!("?{many}"), StatusCode::BAD_REQUEST),
        (format!("?c={}&c=x", f.trained.id), StatusCode::BAD_REQUEST),
        (format!("?c={}&c={}", f.trained.id, f.foreign.id), StatusCode::NOT_FOUND),
        (String::new(), StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(get(&f.app, &format!("{base}{query}")).await.0, status, "{query}");
    }
}
