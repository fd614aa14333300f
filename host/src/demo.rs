//! Exported browser demos: one static folder holding the browser runtime (`web/`, built
//! by `web/build.sh`), a run's policy and its reward program, and a `demo.json` that tells
//! the page what to play. The folder works from any static host; every URL in it is
//! relative.
//!
//! ```text
//! index.html, demo.js, rewardsmith_web.js, rewardsmith_web_bg.wasm, ...   the runtime
//! policy.safetensors                                                       actor, log_std, obs_norm.* (the run's best or last checkpoint)
//! reward.wasm                                                              the sandboxed reward (no imports)
//! demo.json                                                                {env, seed, policy, reward, title, run}
//! ```

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::train::{BestInfo, Checkpoint, RunDir, RunDirError};

/// Files of the runtime that a demo cannot play without.
pub const RUNTIME_FILES: [&str; 4] = ["index.html", "demo.js", "rewardsmith_web.js", "rewardsmith_web_bg.wasm"];

/// Where the built browser runtime is looked for: `$REWARDSMITH_WEB_PKG`, else the
/// workspace's `target/web-pkg` (what `web/build.sh` writes).
pub fn runtime_dir() -> PathBuf {
    match std::env::var_os("REWARDSMITH_WEB_PKG") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/web-pkg"),
    }
}

/// Why a demo could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the browser runtime is not built: {path} lacks {missing} (run web/build.sh, or set REWARDSMITH_WEB_PKG to a built runtime folder)"
    )]
    RuntimeMissing { path: PathBuf, missing: String },
    #[error(transparent)]
    Run(#[from] RunDirError),
    #[error("{path} already exists and is not empty (choose another --out, or pass --force to replace it)")]
    OutExists { path: PathBuf },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl DemoError {
    /// A stable machine-readable kind (the CLI's `--json` error `kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            DemoError::RuntimeMissing { .. } => "runtime_missing",
            DemoError::Run(_) => "run_dir",
            DemoError::OutExists { .. } => "out_exists",
            DemoError::Io { .. } => "io",
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io { path: path.to_owned(), source }
}

/// What to export.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    /// The built runtime (see [`runtime_dir`]).
    pub runtime: PathBuf,
    /// The first episode's seed (the page plays seed, seed+1, ...).
    pub seed: u64,
    /// The page title; defaults to the env id and run folder name.
    pub title: Option<String>,
    /// Replace a non-empty `out`.
    pub force: bool,
    /// Which saved policy the page plays (`best` falls back to `last` when the run kept none).
    pub checkpoint: Checkpoint,
}

/// `demo.json`: what the page plays.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoConfig {
    pub env: String,
    pub seed: u64,
    pub policy: String,
    pub reward: String,
    pub title: String,
    /// Where it came from: the run's manifest fields a viewer may want.
    pub run: DemoRun,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoRun {
    pub name: String,
    pub reward_file: String,
    pub seed: u64,
    pub steps: u64,
    pub crate_version: String,
    /// The checkpoint the demo's policy is (`best` or `last`), and for the best when it was
    /// taken and its held-out fitness.
    pub checkpoint: Checkpoint,
    pub best: Option<BestInfo>,
}

/// One exported file and its sizes in bytes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExportedFile {
    pub name: String,
    pub bytes: u64,
    pub gzip_bytes: u64,
    /// Its precompressed copy beside it (`<name>.gz`), written when gzip saves at least a
    /// tenth: what static servers with precompressed support send to browsers that take gzip.
    pub gzip_file: Option<String>,
}

/// What [`export`] wrote.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExportReport {
    pub out: PathBuf,
    pub config: DemoConfig,
    pub files: Vec<ExportedFile>,
    /// Sum over files: what a visitor downloads, raw and gzip-compressed (as static hosts
    /// serve it).
    pub total_bytes: u64,
    pub total_gzip_bytes: u64,
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("writing to memory cannot fail");
    enc.finish().expect("writing to memory cannot fail")
}

/// Writes the demo folder for the trained run at `run` into `out`. The folder is built
/// next to `out` and renamed into place, so an interrupted export leaves no half folder.
pub fn export(run: &Path, out: &Path, opts: &ExportOptions) -> Result<ExportReport, DemoError> {
    for name in RUNTIME_FILES {
        if !opts.runtime.join(name).is_file() {
            return Err(DemoError::RuntimeMissing { path: opts.runtime.clone(), missing: name.into() });
        }
    }
    let dir = RunDir::open(run)?;
    // Loading proves the policy file is whole before anything is written.
    let (_, checkpoint) = dir.load_checkpoint(opts.checkpoint)?;
    let best = if checkpoint == Checkpoint::Best { dir.result().and_then(|r| r.best) } else { None };
    let reward = dir.reward_wasm()?;
    let policy_path = run.join(checkpoint.file_name());
    let policy = fs::read(&policy_path).map_err(io(&policy_path))?;

    if out.exists() && !opts.force && fs::read_dir(out).map_err(io(out))?.next().is_some() {
        return Err(DemoError::OutExists { path: out.to_owned() });
    }
    let m = dir.manifest();
    let name = run.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let config = DemoConfig {
        env: m.env.clone(),
        seed: opts.seed,
        policy: "policy.safetensors".into(),
        reward: "reward.wasm".into(),
        title: opts.title.clone().unwrap_or_else(|| format!("{} — {name}", m.env)),
        run: DemoRun {
            name,
            reward_file: m.reward_file.clone(),
            seed: m.seed,
            steps: m.steps,
            crate_version: m.crate_version.clone(),
            checkpoint,
            best,
        },
    };

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut runtime: Vec<_> = fs::read_dir(&opts.runtime)
        .map_err(io(&opts.runtime))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io(&opts.runtime))?;
    runtime.sort_by_key(|e| e.file_name());
    // Files the export writes itself; a stray copy in the runtime folder is not shipped.
    let reserved = ["demo.json", "policy.safetensors", "reward.wasm"];
    for entry in runtime {
        let path = entry.path();
        let fname = entry.file_name().to_string_lossy().into_owned();
        if path.is_file() && !reserved.contains(&fname.as_str()) {
            files.push((fname, fs::read(&path).map_err(io(&path))?));
        }
    }
    files.push(("policy.safetensors".into(), policy));
    files.push(("reward.wasm".into(), reward));
    let json = serde_json::to_vec_pretty(&config).expect("the demo config serialises");
    files.push(("demo.json".into(), json));

    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io(&parent))?;
    let staging = tempfile::Builder::new().prefix(".demo-").tempdir_in(&parent).map_err(io(&parent))?;
    let mut report_files = Vec::new();
    for (fname, bytes) in &files {
        let path = staging.path().join(fname);
        fs::write(&path, bytes).map_err(io(&path))?;
        let gz = gzip(bytes);
        let gzip_file = (gz.len() * 10 <= bytes.len() * 9).then(|| format!("{fname}.gz"));
        if let Some(name) = &gzip_file {
            let path = staging.path().join(name);
            fs::write(&path, &gz).map_err(io(&path))?;
        }
        report_files.push(ExportedFile {
            name: fname.clone(),
            bytes: bytes.len() as u64,
            gzip_bytes: gz.len() as u64,
            gzip_file,
        });
    }
    if out.exists() {
        fs::remove_dir_all(out).map_err(io(out))?;
    }
    let staged = staging.keep();
    fs::rename(&staged, out).map_err(io(out))?;
    Ok(ExportReport {
        out: out.to_owned(),
        config,
        total_bytes: report_files.iter().map(|f| f.bytes).sum(),
        total_gzip_bytes: report_files.iter().map(|f| f.gzip_bytes).sum(),
        files: report_files,
    })
}
