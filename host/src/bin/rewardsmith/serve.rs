//! `rewardsmith serve`: the local web playground.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use rewardsmith::serve::{ServeConfig, serve};

use crate::common::{Failure, fail};

/// Open the web playground: runs (live), candidates with 3-D replays, preference ranking,
/// and a reward editor.
///
/// Binds 127.0.0.1:8080 by default and makes a random access token on every start: open the
/// printed URL (it carries ?token=; the browser then keeps it in a cookie). Other web sites
/// can neither drive nor read the playground: the Host header must name this server (add
/// names with --allow-host), and changes need a same-origin JSON request. Replays need the
/// browser runtime built by `web/build.sh`. See docs/web.md.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  rewardsmith serve                       # prints: open http://127.0.0.1:8080/?token=<random>
  rewardsmith serve --store runs/rewardsmith.db --bind 127.0.0.1:9000
  rewardsmith serve --bind 0.0.0.0:8080 --allow-host mybox.lan   # reach it from the LAN by name
  REWARDSMITH_TOKEN=$(openssl rand -hex 24) rewardsmith serve    # a token of your own (>= 16 chars)
  rewardsmith serve --no-token            # loopback only: any local user or program may use it")]
pub struct Args {
    /// The run store (created if missing).
    #[arg(long, default_value = rewardsmith::store::DEFAULT_PATH)]
    store: PathBuf,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Access token every request must carry, at least 16 characters. Default: the
    /// REWARDSMITH_TOKEN environment variable, else a random one made at every start.
    #[arg(long, conflicts_with = "no_token")]
    token: Option<String>,
    /// Serve without a token (prints a warning). Refused on a non-loopback --bind.
    #[arg(long)]
    no_token: bool,
    /// A host name (or address) the Host header may carry besides localhost, loopback
    /// addresses and the bind address; repeatable. For reaching the server by name.
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<String>,
    /// Most reward compiles at once (/api/check and editor trainings); more get 429.
    /// Default: the number of cores.
    #[arg(long)]
    max_compiles: Option<usize>,
    /// Compile Rust rewards even where rustc cannot be isolated (no bubblewrap, no
    /// Landlock): a submitted source can then read and write your files. Off by default.
    #[arg(long)]
    allow_unsandboxed: bool,
    /// The browser runtime folder (default: REWARDSMITH_WEB_PKG, else <workspace>/target/web-pkg).
    #[arg(long)]
    runtime: Option<PathBuf>,
    /// Open the URL in a browser (`yes` or `no`).
    #[arg(long, value_enum, default_value_t = YesNo::No)]
    open_browser: YesNo,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum YesNo {
    Yes,
    No,
}

pub fn run(args: Args) -> ExitCode {
    let mut cfg = ServeConfig::new(&args.store);
    cfg.bind = args.bind;
    cfg.no_token = args.no_token;
    cfg.token = args.token.or_else(|| std::env::var("REWARDSMITH_TOKEN").ok()).filter(|t| !t.is_empty());
    cfg.allow_hosts = args.allow_hosts;
    cfg.allow_unsandboxed = args.allow_unsandboxed;
    if let Some(n) = args.max_compiles {
        cfg.max_compiles = n;
    }
    if let Some(r) = args.runtime {
        cfg.runtime_dir = r;
    }
    if let Err(e) = cfg.validate() {
        return fail(&Failure::new(e.kind(), e), false);
    }
    if cfg.no_token {
        eprintln!(
            "warning: --no-token: any user or program on this machine can use the playground (run code, start \
             trainings, read runs); other web sites still cannot (Host and Origin checks)"
        );
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&Failure::new("io", e), false),
    };
    let runtime_built = cfg.runtime_dir.join("index.html").is_file();
    let open = args.open_browser == YesNo::Yes;
    let result = rt.block_on(serve(cfg, move |s| {
        // The token is part of the URL to open, printed once to this terminal only.
        let link = s.url();
        println!("rewardsmith playground: open {link}");
        println!("compiler isolation: {}", s.isolation);
        if !runtime_built {
            eprintln!("note: replays need the browser runtime: run web/build.sh");
        }
        if open {
            let _ = std::process::Command::new("xdg-open").arg(&link).spawn();
        }
    }));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&Failure::new(e.kind(), e), false),
    }
}
