//! `rewardsmith export-demo --run DIR --out FOLDER`.

use std::path::PathBuf;
use std::process::ExitCode;

use rewardsmith::demo::{ExportOptions, export, runtime_dir};

use rewardsmith::train::Checkpoint;

use crate::common::{Failure, checkpoint_line, fail};

/// Export a trained agent as a static browser demo.
///
/// Writes FOLDER with the browser runtime (the env's physics and the policy compiled to
/// wasm32, drawn with wgpu: WebGPU where the browser has it, WebGL2 otherwise), the run's
/// policy.safetensors and reward.wasm, and demo.json. Every URL in it is relative, so any
/// static host serves it (GitHub Pages, `python3 -m http.server`); browsers refuse ES
/// modules from file://, so open it through a server. The page plays the same trajectory
/// as `rewardsmith rollout --run DIR --seed S`, step for step.
///
/// Needs the runtime built once: `web/build.sh` (writes target/web-pkg).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  web/build.sh\n  rewardsmith export-demo --run runs/train/cartpole-v0-s0-1764230000 --out demo/\n  python3 -m http.server --bind 127.0.0.1 8000 --directory demo/   # then open http://127.0.0.1:8000/"
)]
pub struct Args {
    /// The run folder `rewardsmith train` wrote.
    #[arg(long)]
    run: PathBuf,
    /// The folder to write (created; must be empty or absent unless --force).
    #[arg(long)]
    out: PathBuf,
    /// Seed of the first episode the page plays (then seed+1, ...).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Page title [default: the env id and run folder name].
    #[arg(long)]
    title: Option<String>,
    /// The built browser runtime [default: $REWARDSMITH_WEB_PKG, else target/web-pkg].
    #[arg(long)]
    runtime: Option<PathBuf>,
    /// Replace FOLDER if it is not empty.
    #[arg(long)]
    force: bool,
    /// Which saved policy the page plays: `best` (the best held-out fitness during training;
    /// the last when the run kept none) or `last` (the policy when training stopped).
    #[arg(long, default_value = "best")]
    checkpoint: Checkpoint,
    /// Print the report (files, raw and gzip sizes) as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> ExitCode {
    let opts = ExportOptions {
        runtime: args.runtime.clone().unwrap_or_else(runtime_dir),
        seed: args.seed,
        title: args.title.clone(),
        force: args.force,
        checkpoint: args.checkpoint,
    };
    let report = match export(&args.run, &args.out, &opts) {
        Ok(r) => r,
        Err(e) => return fail(&Failure::new(e.kind(), e), args.json),
    };
    if args.json {
        println!("{}", serde_json::to_string(&report).expect("the report serialises"));
        return ExitCode::SUCCESS;
    }
    println!("{} demo → {}", report.config.env, report.out.display());
    let run = &report.config.run;
    println!("  {}", checkpoint_line(args.checkpoint, run.checkpoint, run.best.as_ref()));
    for f in &report.files {
        println!("  {:<28} {:>10} B  {:>10} B gzip", f.name, f.bytes, f.gzip_bytes);
    }
    println!("  {:<28} {:>10} B  {:>10} B gzip", "total", report.total_bytes, report.total_gzip_bytes);
    let gz = report.files.iter().filter(|f| f.gzip_file.is_some()).count();
    println!(
        "{gz} precompressed copies (*.gz) are beside their files: a server that sends them (nginx `gzip_static on;`, \
         Caddy `file_server {{ precompressed gzip }}`) ships the gzip total; `python3 -m http.server` sends the raw files."
    );
    println!("serve it with e.g. `python3 -m http.server --bind 127.0.0.1 8000 --directory {}`", report.out.display());
    ExitCode::SUCCESS
}
