//! `rewardsmith serve`: the local web playground over a run store. Server-rendered pages
//! (runs, one run with live updates, candidates with replays, preference ranking, a reward
//! editor) and a JSON API under `/api`; see docs/web.md.
//!
//! [`router`] builds the whole app from an [`AppState`], so tests drive it with
//! `tower::ServiceExt::oneshot` and no socket; [`serve`] binds one. The evolve loop runs in
//! another process writing the same SQLite file (WAL): live updates poll the store.
//!
//! Security: loopback by default; a non-loopback bind needs an access token, and with a
//! token every request must carry it (header, cookie, or `?token=` once). Bodies are
//! size-limited, submitted code goes through the CLI's compiler sandbox and limits, and files
//! are served only by fixed name from a candidate's own run folder.

mod api;
mod auth;
mod editor;
mod error;
mod files;
mod pages;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use error::ApiError;
pub use files::CANDIDATE_FILES;

use crate::compiler::{Compiler, CompilerOptions};
use crate::sandbox::{Limits, Sandbox};
use crate::store::{Store, StoreError};

/// Largest request body accepted (413 above it).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The cookie that carries the access token after `?token=` was given once.
pub const TOKEN_COOKIE: &str = "rewardsmith_token";

/// How `rewardsmith serve` is set up.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The run store (SQLite). Created if missing.
    pub store: PathBuf,
    /// Address to bind. Default `127.0.0.1:8080`.
    pub bind: SocketAddr,
    /// Access token every request must carry. Required for a non-loopback bind.
    pub token: Option<String>,
    /// The browser runtime built by `web/build.sh`, served at `/runtime/`. Default:
    /// [`crate::demo::runtime_dir`] (`$REWARDSMITH_WEB_PKG`, else `target/web-pkg`).
    pub runtime_dir: PathBuf,
    /// How often live pages' event streams poll the store. Default 500 ms.
    pub poll: Duration,
    /// Env steps of an editor training when the request names none. Default 20,000.
    pub editor_steps: u64,
    /// Most env steps an editor training may ask for. Default 200,000.
    pub editor_max_steps: u64,
    /// Wall-clock limit of an editor training, seconds. Default 300.
    pub editor_seconds: f64,
}

impl ServeConfig {
    /// The defaults above, over the store at `store`.
    pub fn new(store: impl Into<PathBuf>) -> ServeConfig {
        ServeConfig {
            store: store.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            token: None,
            runtime_dir: crate::demo::runtime_dir(),
            poll: Duration::from_millis(500),
            editor_steps: 20_000,
            editor_max_steps: 200_000,
            editor_seconds: 300.0,
        }
    }

    /// Refuses a non-loopback bind without a token, and a token that cannot travel safely
    /// in a header, cookie and query string.
    pub fn validate(&self) -> Result<(), ServeError> {
        if let Some(t) = &self.token {
            let bad = |c: char| !c.is_ascii_graphic() || matches!(c, ';' | ',' | '"' | '\\' | '&' | '=');
            if t.is_empty() || t.chars().any(bad) {
                return Err(ServeError::BadToken);
            }
        } else if !self.bind.ip().is_loopback() {
            return Err(ServeError::NoToken { bind: self.bind });
        }
        Ok(())
    }
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "refusing to serve on {bind} without an access token: anyone who can reach that address could run code \
         and read your runs. Pass `--token T` (or set REWARDSMITH_TOKEN), or bind 127.0.0.1"
    )]
    NoToken { bind: SocketAddr },
    #[error("the access token must be non-empty printable ASCII without spaces, `;`, `,`, `\"`, `\\`, `&` or `=`")]
    BadToken,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start the compiler sandbox: {0}")]
    Sandbox(String),
    #[error("cannot bind {bind}: {source}")]
    Bind { bind: SocketAddr, source: std::io::Error },
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

impl ServeError {
    /// Stable error-class name.
    pub fn kind(&self) -> &'static str {
        match self {
            ServeError::NoToken { .. } => "no_token",
            ServeError::BadToken => "bad_token",
            ServeError::Store(e) => e.kind(),
            ServeError::Sandbox(_) => "sandbox",
            ServeError::Bind { .. } => "bind",
            ServeError::Io(_) => "io",
        }
    }
}

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
    token: Option<String>,
    runtime_dir: PathBuf,
    poll: Duration,
    compiler: Compiler,
    sandbox: Sandbox,
    editor: editor::Editor,
    cfg: ServeConfig,
}

impl AppState {
    /// Opens (or creates) the store and sets up the compiler and sandbox. Validates `cfg`.
    pub fn new(cfg: &ServeConfig) -> Result<AppState, ServeError> {
        cfg.validate()?;
        let store = Store::open(&cfg.store)?;
        let root = std::fs::canonicalize(store.root())
            .map_err(|source| StoreError::Io { path: store.root().to_owned(), source })?;
        let sandbox = Sandbox::new(Limits::default()).map_err(|e| ServeError::Sandbox(e.to_string()))?;
        Ok(AppState {
            inner: Arc::new(Inner {
                store,
                root,
                token: cfg.token.clone(),
                runtime_dir: cfg.runtime_dir.clone(),
                poll: cfg.poll,
                compiler: Compiler::new(CompilerOptions::default()),
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

    /// Whether the browser runtime is built (its `index.html` exists).
    pub fn runtime_built(&self) -> bool {
        self.inner.runtime_dir.join("index.html").is_file()
    }
}

/// The whole app: pages, `/api`, `/runtime/`, behind the token check and the body limit.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::runs))
        .route("/envs", get(pages::envs))
        .route("/editor", get(pages::editor))
        .route("/runs/{id}", get(pages::run))
        .route("/runs/{id}/plot.svg", get(pages::run_plot))
        .route("/runs/{id}/candidates/{cid}", get(pages::candidate))
        .route("/runs/{id}/iterations/{k}/rank", get(pages::rank))
        .route("/static/playground.js", get(pages::script))
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
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_token))
        .with_state(state)
}

/// The URL to open (with `?token=` when a token is set).
pub fn url(addr: SocketAddr, token: Option<&str>) -> String {
    match token {
        Some(t) => format!("http://{addr}/?token={t}"),
        None => format!("http://{addr}/"),
    }
}

/// Binds `cfg.bind` and serves until the process ends. `on_ready` gets the bound address
/// (port 0 picks a free one).
pub async fn serve(cfg: ServeConfig, on_ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let state = AppState::new(&cfg)?;
    let listener =
        tokio::net::TcpListener::bind(cfg.bind).await.map_err(|source| ServeError::Bind { bind: cfg.bind, source })?;
    let addr = listener.local_addr()?;
    on_ready(addr);
    axum::serve(listener, router(state)).await?;
    Ok(())
}

/// Starts the server on a thread of its own (with its own runtime) and returns the bound
/// address once it accepts connections: for tests and for embedding in blocking programs.
pub fn spawn(cfg: ServeConfig) -> Result<SocketAddr, ServeError> {
    let state = AppState::new(&cfg)?;
    let listener =
        std::net::TcpListener::bind(cfg.bind).map_err(|source| ServeError::Bind { bind: cfg.bind, source })?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    std::thread::spawn(move || {
        rt.block_on(async move {
            if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                let _ = axum::serve(listener, router(state)).await;
            }
        });
    });
    Ok(addr)
}

/// HTML-escapes text (shared with the run report).
fn esc(s: &str) -> String {
    crate::evolve::report::esc(s)
}
