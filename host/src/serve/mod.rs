//! `rewardsmith serve`: the local web playground over a run store. Server-rendered pages
//! (runs, one run with live updates, candidates with replays, preference ranking, a reward
//! editor) and a JSON API under `/api`; see docs/web.md.
//!
//! [`router`] builds the whole app from an [`AppState`], so tests drive it with
//! `tower::ServiceExt::oneshot` and no socket; [`serve`] binds one. The evolve loop runs in
//! another process writing the same SQLite file (WAL): live updates poll the store.
//!
//! Security (docs/web.md, "Security model"): loopback by default; a token on every start
//! (random unless given; `--no-token` only on loopback); a `Host` allow-list against DNS
//! rebinding; state changes only as same-origin JSON; compiles limited (429); security
//! headers on every response. Bodies are size-limited, submitted code goes through the CLI's
//! compiler sandbox and limits, and files are served only by fixed name from a candidate's own
//! run folder.

mod api;
mod auth;
mod compare;
mod config;
mod conversation;
mod diff;
mod editor;
mod error;
mod files;
mod guard;
mod headers;
mod pages;
mod progress;
mod runtime;
mod slots;
mod trainings;
pub mod view;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};

pub use config::{MIN_TOKEN_CHARS, ServeConfig, ServeError};
pub use error::ApiError;
pub use files::CANDIDATE_FILES;
pub use headers::{PAGES_CSP, RUNTIME_CSP};
pub use slots::{COMPILE_RETRY_AFTER, CompileSlot, CompileSlots};

use crate::compiler::{Compiler, CompilerOptions};
use crate::sandbox::{Limits, Sandbox};
use crate::store::{Store, StoreError};
use guard::HostPolicy;

/// Largest request body accepted (413 above it).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The cookie that carries the access token after `?token=` was given once.
pub const TOKEN_COOKIE: &str = "rewardsmith_token";

/// What every handler shares. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    /// The store's folder, canonical: no served file lies outside it.
    root: PathBuf,
    /// The token in force (`None` only with `--no-token`).
    token: Option<String>,
    hosts: HostPolicy,
    compiles: CompileSlots,
    runtime: runtime::Runtime,
    poll: Duration,
    compiler: Compiler,
    sandbox: Sandbox,
    editor: editor::Editor,
    cfg: ServeConfig,
}

impl AppState {
    /// Opens (or creates) the store, sets up the compiler and sandbox, and makes a random
    /// token unless `cfg` gives one or says `no_token`. Validates `cfg`.
    pub fn new(cfg: &ServeConfig) -> Result<AppState, ServeError> {
        cfg.validate()?;
        let token = match (&cfg.token, cfg.no_token) {
            (Some(t), _) => Some(t.clone()),
            (None, true) => None,
            (None, false) => Some(auth::random_token().map_err(ServeError::Random)?),
        };
        let store = Store::open(&cfg.store)?;
        let root = std::fs::canonicalize(store.root())
            .map_err(|source| StoreError::Io { path: store.root().to_owned(), source })?;
        let sandbox = Sandbox::new(Limits::default()).map_err(|e| ServeError::Sandbox(e.to_string()))?;
        Ok(AppState {
            inner: Arc::new(Inner {
                store,
                root,
                token,
                hosts: HostPolicy::new(cfg),
                compiles: CompileSlots::new(cfg.max_compiles),
                runtime: runtime::Runtime::new(cfg.runtime_dir.clone()),
                poll: cfg.poll,
                compiler: Compiler::new(CompilerOptions {
                    allow_unsandboxed: cfg.allow_unsandboxed,
                    ..CompilerOptions::default()
                }),
                sandbox,
                editor: editor::Editor::default(),
                cfg: cfg.clone(),
            }),
        })
    }

    /// The run store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The access token requests must carry (`None` only with `no_token`).
    pub fn token(&self) -> Option<&str> {
        self.inner.token.as_deref()
    }

    /// The compile slots (`/api/check`, `/api/train`): take one to hold it.
    pub fn compile_slots(&self) -> &CompileSlots {
        &self.inner.compiles
    }

    /// The compiler's isolation in words, and without any whether Rust is refused or
    /// compiled anyway (for the start line).
    pub fn isolation(&self) -> String {
        self.inner.compiler.describe_isolation()
    }

    /// The browser runtime, loaded; `None` when it is not built (no `index.html`).
    pub fn runtime(&self) -> Option<Arc<runtime::Loaded>> {
        self.inner.runtime.current()
    }

    /// Whether the browser runtime is built (its `index.html` exists).
    pub fn runtime_built(&self) -> bool {
        self.runtime().is_some()
    }
}

/// The whole app: pages, `/api`, `/runtime/`; outermost first: security headers, the Host
/// allow-list, the same-origin JSON check for state changes, the token, the body limit.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::runs))
        .route("/envs", get(pages::envs))
        .route("/editor", get(pages::editor))
        .route("/runs/{id}", get(pages::run))
        .route("/runs/{id}/plot.svg", get(pages::run_plot))
        .route("/runs/{id}/report", get(pages::run_report))
        .route("/runs/{id}/compare", get(compare::compare))
        .route("/runs/{id}/candidates/{cid}", get(pages::candidate))
        .route("/runs/{id}/iterations/{k}/rank", get(pages::rank))
        .route("/trainings/{kind}/{name}", get(trainings::page))
        .route("/api/trainings/{kind}/{name}/{file}", get(trainings::file))
        .route("/static/playground.js", get(pages::script))
        .route("/static/playground.css", get(pages::style))
        .route("/api/runs", get(api::runs))
        .route("/api/runs/{id}", get(api::run))
        .route("/api/runs/{id}/events", get(api::events))
        .route("/api/runs/{id}/feedback", post(api::feedback))
        .route("/api/runs/{id}/candidates/{cid}", get(api::candidate))
        .route("/api/runs/{id}/candidates/{cid}/{file}", get(files::candidate_file))
        .route("/api/envs", get(api::envs))
        .route("/api/envs/{id}/example", get(api::example))
        .route("/api/check", post(api::check))
        .route("/api/train", post(editor::start))
        .route("/api/train/{n}", get(editor::status))
        .route("/api/train/{n}/{file}", get(editor::file))
        .route("/runtime/{*path}", get(files::runtime))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn_with_state(state.clone(), auth::require_token))
        .layer(from_fn(guard::check_state_change))
        .layer(from_fn_with_state(state.clone(), guard::check_host))
        .layer(from_fn(headers::security_headers))
        .with_state(state)
}

/// The URL to open (with `?token=` when a token is set).
pub fn url(addr: SocketAddr, token: Option<&str>) -> String {
    match token {
        Some(t) => format!("http://{addr}/?token={t}"),
        None => format!("http://{addr}/"),
    }
}

/// A server that accepts connections: where, with which token, under which compiler isolation.
#[derive(Clone, Debug)]
pub struct Started {
    /// The bound address (port 0 in the config picks a free one).
    pub addr: SocketAddr,
    /// The token in force (`None` only with `no_token`).
    pub token: Option<String>,
    /// The compiler's isolation, in words.
    pub isolation: String,
}

impl Started {
    /// The URL to open (carries `?token=`).
    pub fn url(&self) -> String {
        url(self.addr, self.token.as_deref())
    }
}

fn started(state: &AppState, addr: SocketAddr) -> Started {
    Started { addr, token: state.token().map(str::to_owned), isolation: state.isolation() }
}

/// Binds `cfg.bind` and serves until the process ends. `on_ready` gets the bound address, the
/// token and the isolation once it accepts connections.
pub async fn serve(cfg: ServeConfig, on_ready: impl FnOnce(&Started)) -> Result<(), ServeError> {
    let state = AppState::new(&cfg)?;
    let listener =
        tokio::net::TcpListener::bind(cfg.bind).await.map_err(|source| ServeError::Bind { bind: cfg.bind, source })?;
    on_ready(&started(&state, listener.local_addr()?));
    axum::serve(listener, router(state)).await?;
    Ok(())
}

/// Starts the server on a thread of its own (with its own runtime) and returns once it
/// accepts connections: for tests and for embedding in blocking programs.
pub fn spawn(cfg: ServeConfig) -> Result<Started, ServeError> {
    let state = AppState::new(&cfg)?;
    let listener =
        std::net::TcpListener::bind(cfg.bind).map_err(|source| ServeError::Bind { bind: cfg.bind, source })?;
    listener.set_nonblocking(true)?;
    let info = started(&state, listener.local_addr()?);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    std::thread::spawn(move || {
        rt.block_on(async move {
            if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                let _ = axum::serve(listener, router(state)).await;
            }
        });
    });
    Ok(info)
}

/// HTML-escapes text (shared with the run report).
fn esc(s: &str) -> String {
    crate::evolve::report::esc(s)
}
