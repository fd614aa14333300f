//! How `rewardsmith serve` is set up ([`ServeConfig`]) and why it cannot start ([`ServeError`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::store::StoreError;

/// Shortest access token accepted from the user (`--token`, `REWARDSMITH_TOKEN`).
pub const MIN_TOKEN_CHARS: usize = 16;

/// How `rewardsmith serve` is set up.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The run store (SQLite). Created if missing.
    pub store: PathBuf,
    /// Address to bind. Default `127.0.0.1:8080`.
    pub bind: SocketAddr,
    /// The access token every request must carry. Default `None`: a fresh random token
    /// (192 bits from the OS) on every start, printed in the URL to open. A given token must
    /// have at least [`MIN_TOKEN_CHARS`] characters.
    pub token: Option<String>,
    /// Serve without any token (default `false`). Allowed on a loopback bind only; the Host,
    /// Origin and content-type checks still apply.
    pub no_token: bool,
    /// Host names accepted in the `Host` header besides loopback names and addresses and the
    /// bind address (the DNS-rebinding guard). Plain names or IP addresses, no port. Default none.
    pub allow_hosts: Vec<String>,
    /// Most reward compiles at once (`/api/check` and the compile step of `/api/train`);
    /// one more is answered 429. Default: the number of available cores.
    pub max_compiles: usize,
    /// Compile Rust rewards even where rustc cannot be isolated (no bubblewrap, no Landlock):
    /// a submitted source could then read and write your files. Default `false` (such
    /// compiles fail with `no_isolation`). Passed to [`crate::compiler::CompilerOptions`].
    pub allow_unsandboxed: bool,
    /// The browser runtime built by `web/build.sh`, served at `/runtime/`. Default:
    /// [`crate::demo::runtime_dir`] (`$REWARDSMITH_WEB_PKG`, else `target/web-pkg`).
    pub runtime_dir: PathBuf,
    /// How often live pages' event streams poll the store. Default 500 ms.
    pub poll: Duration,
    /// Most env steps an editor training may ask for; one that names none gets the env's
    /// training budget up to this. Default 200,000.
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
            no_token: false,
            allow_hosts: Vec::new(),
            max_compiles: std::thread::available_parallelism().map_or(1, |n| n.get()),
            allow_unsandboxed: false,
            runtime_dir: crate::demo::runtime_dir(),
            poll: Duration::from_millis(500),
            editor_max_steps: 200_000,
            editor_seconds: 300.0,
        }
    }

    /// Refuses `--no-token` off loopback, a token that is too short or cannot travel safely
    /// in a header, cookie and query string, a bad `--allow-host` and a zero compile limit.
    pub fn validate(&self) -> Result<(), ServeError> {
        match (&self.token, self.no_token) {
            (Some(_), true) => return Err(ServeError::TokenAndNoToken),
            (None, true) if !self.bind.ip().is_loopback() => {
                return Err(ServeError::NoToken { bind: self.bind });
            }
            (Some(t), false) => {
                let bad = |c: char| !c.is_ascii_graphic() || matches!(c, ';' | ',' | '"' | '\\' | '&' | '=');
                if t.chars().any(bad) {
                    return Err(ServeError::BadToken);
                }
                if t.chars().count() < MIN_TOKEN_CHARS {
                    return Err(ServeError::ShortToken { chars: t.chars().count() });
                }
            }
            _ => {}
        }
        if let Some(h) = self.allow_hosts.iter().find(|h| !super::guard::plain_host(h)) {
            return Err(ServeError::BadAllowHost { host: h.clone() });
        }
        if self.max_compiles == 0 {
            return Err(ServeError::NoCompileSlots);
        }
        Ok(())
    }
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "refusing --no-token on {bind}: anyone who can reach that address could run code and read your runs. \
         Drop --no-token (serve then makes a random token and prints it in the URL), or bind 127.0.0.1"
    )]
    NoToken { bind: SocketAddr },
    #[error("--no-token and a token (--token or REWARDSMITH_TOKEN) contradict each other: give one or the other")]
    TokenAndNoToken,
    #[error("the access token must be printable ASCII without spaces, `;`, `,`, `\"`, `\\`, `&` or `=`")]
    BadToken,
    #[error(
        "the access token has {chars} characters; it needs at least {MIN_TOKEN_CHARS}: make one with \
         `openssl rand -hex 24`, or give none and serve makes a random one"
    )]
    ShortToken { chars: usize },
    #[error("--allow-host `{host}` is not a plain host name or IP address: give it without scheme, port or path")]
    BadAllowHost { host: String },
    #[error("the compile limit must be at least 1 (--max-compiles)")]
    NoCompileSlots,
    #[error("cannot make a random access token (reading /dev/urandom): {0}")]
    Random(std::io::Error),
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
            ServeError::TokenAndNoToken => "token_and_no_token",
            ServeError::BadToken => "bad_token",
            ServeError::ShortToken { .. } => "short_token",
            ServeError::BadAllowHost { .. } => "bad_allow_host",
            ServeError::NoCompileSlots => "no_compile_slots",
            ServeError::Random(_) => "random",
            ServeError::Store(e) => e.kind(),
            ServeError::Sandbox(_) => "sandbox",
            ServeError::Bind { .. } => "bind",
            ServeError::Io(_) => "io",
        }
    }
}
