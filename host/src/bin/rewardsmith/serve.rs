//! `rewardsmith serve`: the local web playground.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use rewardsmith::serve::{ServeConfig, serve, url};

use crate::common::{Failure, fail};

/// Open the web playground: runs (live), candidates with 3-D replays, preference ranking,
/// and a reward editor.
///
/// Binds 127.0.0.1:8080 by default. A non-loopback --bind needs an access token (--token or
/// REWARDSMITH_TOKEN); with one, open the printed URL once (it carries ?token=). Replays need
/// the browser runtime built by `web/build.sh`. See docs/web.md.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  rewardsmith serve                       # then open http://127.0.0.1:8080/
  rewardsmith serve --store runs/rewardsmith.db --bind 127.0.0.1:9000
  REWARDSMITH_TOKEN=$(openssl rand -hex 16) rewardsmith serve --bind 0.0.0.0:8080")]
pub struct Args {
    /// The run store (created if missing).
    #[arg(long, default_value = rewardsmith::store::DEFAULT_PATH)]
    store: PathBuf,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Access token every request must carry; required for a non-loopback --bind.
    /// Default: the REWARDSMITH_TOKEN environment variable.
    #[arg(long)]
    token: Option<String>,
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
    cfg.token = args.token.or_else(|| std::env::var("REWARDSMITH_TOKEN").ok()).filter(|t| !t.is_empty());
    if let Some(r) = args.runtime {
        cfg.runtime_dir = r;
    }
    if let Err(e) = cfg.validate() {
        return fail(&Failure::new(e.kind(), e), false);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&Failure::new("io", e), false),
    };
    let token = cfg.token.clone();
    let runtime_built = cfg.runtime_dir.join("index.html").is_file();
    let open = args.open_browser == YesNo::Yes;
    let result = rt.block_on(serve(cfg, move |addr| {
        // The token is part of the URL to open, printed once to this terminal only.
        let link = url(addr, token.as_deref());
        println!("rewardsmith playground: open {link}");
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
