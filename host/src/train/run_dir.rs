//! A training run's folder: everything needed to evaluate, replay or export the agent
//! without the original files.
//!
//! ```text
//! manifest.json       env, reward hashes, config, seed, crate version, status (written first, updated last)
//! reward.rs|.wat      the reward program's source, as given
//! reward.wasm         the compiled module that computed every reward
//! metrics.jsonl       one JSON object per iteration, appended and flushed as training runs
//! metrics.csv         the same table, written when training stops
//! policy.safetensors  actor.*, log_std, obs_norm.* (what acts) and critic.* (for fine-tuning): the last policy
//! policy-best.safetensors  actor.*, log_std, obs_norm.*: the best held-out policy (`train::best`; absent with best_episodes 0)
//! result.json         the TrainResult summary, with the reward-reflection curves
//! curves.svg          fitness, return, length, PPO diagnostics and every reward term over env steps
//! ```
//!
//! Files are written to a temporary name and renamed, so a crash leaves either the old or
//! the new version, never half a file.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rewardsmith_policy::{Policy, PolicyError, read_safetensors, write_safetensors};
use serde::{Deserialize, Serialize};

use super::best::Checkpoint;
use super::metrics::{self, Record};
use super::plot::{self, Series};
use super::ppo::Trained;

/// Version of the folder layout above.
pub const FORMAT: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// Run files from elsewhere (another machine's outcome) that cannot be unpacked.
    #[error("{path}: run files refused: {reason}")]
    Files { path: PathBuf, reason: String },
    #[error("{path} already holds a run; choose another --out or delete it")]
    Exists { path: PathBuf },
    #[error("{path} is not a run folder (no manifest.json); pass the folder `rewardsmith train` wrote")]
    NotARun { path: PathBuf },
    #[error("{path}: bad manifest: {reason}")]
    BadManifest { path: PathBuf, reason: String },
    #[error("{path}: {source}")]
    Policy { path: PathBuf, source: PolicyError },
    #[error("{0}")]
    Plot(#[from] plot::PlotError),
}

/// What `manifest.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// Registered env id with its version, e.g. `cartpole-v0`.
    pub env: String,
    /// The SDK env the reward reads.
    pub reward_env: String,
    /// File name of the reward source in the folder (`reward.rs`, `reward.wat` or `reward.wasm`).
    pub reward_file: String,
    /// SHA-256 of the reward source bytes, and of the compiled module.
    pub reward_source_sha256: String,
    pub reward_module_sha256: String,
    pub seed: u64,
    /// The full training config (PPO hyperparameters included), as JSON.
    pub config: serde_json::Value,
    /// `rewardsmith` version that trained it.
    pub crate_version: String,
    /// Seconds since the Unix epoch when training started.
    pub created_unix: u64,
    /// `running`, `completed`, `time_limit`, `cancelled` or `failed`.
    pub status: String,
    /// The error text when `status` is `failed`.
    pub error: Option<String>,
    /// Env steps trained.
    pub steps: u64,
    /// How the compiler that built `reward.wasm` from Rust was isolated (`Compiler::
    /// describe_isolation`); `None` for `.wat`/`.wasm` rewards and runs older than this field.
    #[serde(default)]
    pub compiler_isolation: Option<String>,
}

impl Manifest {
    /// The manifest of a training about to start: `status` running, 0 steps, created now.
    /// `reward_file` is the source's name in the folder (`reward.rs`, `reward.wat`, ...).
    pub fn new(cfg: &super::TrainConfig, reward_file: &str, source: &[u8], module_sha256: &str) -> Manifest {
        use sha2::{Digest, Sha256};
        Manifest {
            format: FORMAT,
            env: cfg.env.clone(),
            reward_env: rewardsmith_envs::registry::find(&cfg.env)
                .map(|r| r.spec.reward_env.to_owned())
                .unwrap_or_default(),
            reward_file: reward_file.to_owned(),
            reward_source_sha256: Sha256::digest(source).iter().map(|b| format!("{b:02x}")).collect(),
            reward_module_sha256: module_sha256.to_owned(),
            seed: cfg.seed,
            config: serde_json::to_value(cfg).expect("the training config serialises"),
            crate_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_unix: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            status: "running".into(),
            error: None,
            steps: 0,
            compiler_isolation: None,
        }
    }
}

/// An open run folder.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
    manifest: Manifest,
    metrics: Option<File>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RunDirError + '_ {
    move |source| RunDirError::Io { path: path.to_owned(), source }
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunDirError> {
    let tmp = path.with_extension(format!("{}.tmp", path.extension().and_then(|e| e.to_str()).unwrap_or_default()));
    {
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    fs::rename(&tmp, path).map_err(io(path))
}

impl RunDir {
    /// Creates the folder (and parents) for a new run and writes the reward and manifest.
    /// Refuses a folder that already holds a run.
    pub fn create(
        path: &Path,
        manifest: Manifest,
        reward_source: &[u8],
        reward_wasm: &[u8],
    ) -> Result<RunDir, RunDirError> {
        if path.join("manifest.json").exists() {
            return Err(RunDirError::Exists { path: path.to_owned() });
        }
        fs::create_dir_all(path).map_err(io(path))?;
        write_atomic(&path.join(&manifest.reward_file), reward_source)?;
        write_atomic(&path.join("reward.wasm"), reward_wasm)?;
        let metrics_path = path.join("metrics.jsonl");
        let metrics = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&metrics_path)
            .map_err(io(&metrics_path))?;
        let dir = RunDir { path: path.to_owned(), manifest, metrics: Some(metrics) };
        dir.write_manifest()?;
        Ok(dir)
    }

    /// Opens an existing run folder.
    pub fn open(path: &Path) -> Result<RunDir, RunDirError> {
        let mpath = path.join("manifest.json");
        if !mpath.exists() {
            return Err(RunDirError::NotARun { path: path.to_owned() });
        }
        let text = fs::read_to_string(&mpath).map_err(io(&mpath))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| RunDirError::BadManifest { path: mpath.clone(), reason: e.to_string() })?;
        if manifest.format != FORMAT {
            return Err(RunDirError::BadManifest {
                path: mpath,
                reason: format!("format {} is not supported (this build reads {FORMAT})", manifest.format),
            });
        }
        Ok(RunDir { path: path.to_owned(), manifest, metrics: None })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn write_manifest(&self) -> Result<(), RunDirError> {
        let text = serde_json::to_string_pretty(&self.manifest).expect("the manifest serialises");
        write_atomic(&self.path.join("manifest.json"), text.as_bytes())
    }

    /// Appends one iteration to `metrics.jsonl` and flushes it (so a crash loses nothing
    /// already reported).
    pub fn append_metrics(&mut self, record: &Record) -> Result<(), RunDirError> {
        let path = self.path.join("metrics.jsonl");
        if let Some(f) = self.metrics.as_mut() {
            writeln!(f, "{}", record.to_json_line()).map_err(io(&path))?;
            f.flush().map_err(io(&path))?;
        }
        Ok(())
    }

    /// Saves the policy, metrics table, summary and plot, and marks the manifest with how
    /// training ended.
    pub fn finish(&mut self, trained: &Trained) -> Result<(), RunDirError> {
        let mut tensors = trained.policy.to_tensors();
        tensors.extend(trained.critic.to_safetensors("critic"));
        let ppath = self.path.join("policy.safetensors");
        let bytes =
            write_safetensors(&tensors).map_err(|source| RunDirError::Policy { path: ppath.clone(), source })?;
        write_atomic(&ppath, &bytes)?;
        if let Some(best) = &trained.best {
            let bpath = self.path.join(Checkpoint::Best.file_name());
            let bytes = write_safetensors(&best.policy.to_tensors())
                .map_err(|source| RunDirError::Policy { path: bpath.clone(), source })?;
            write_atomic(&bpath, &bytes)?;
        }
        write_atomic(&self.path.join("metrics.csv"), metrics::to_csv(&trained.records).as_bytes())?;
        let result = serde_json::to_string_pretty(&trained.result).expect("the result serialises");
        write_atomic(&self.path.join("result.json"), result.as_bytes())?;
        let svg =
            plot::render_svg(&format!("{} · seed {}", self.manifest.env, self.manifest.seed), &plot_series(trained))?;
        write_atomic(&self.path.join("curves.svg"), svg.as_bytes())?;
        self.manifest.status = serde_json::to_value(trained.result.stop)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        self.manifest.steps = trained.result.steps;
        self.write_manifest()
    }

    /// Marks the run failed with `error` (the metrics streamed so far stay).
    pub fn fail(&mut self, error: &str) -> Result<(), RunDirError> {
        self.manifest.status = "failed".into();
        self.manifest.error = Some(error.to_owned());
        self.write_manifest()
    }

    /// The last policy (`policy.safetensors`).
    pub fn load_policy(&self) -> Result<Policy, RunDirError> {
        self.load_file(Checkpoint::Last)
    }

    /// The checkpoint this folder has for `wanted`: `Best` falls back to `Last` when the run
    /// kept no best checkpoint (trained with `best_episodes` 0, or before they existed).
    pub fn checkpoint(&self, wanted: Checkpoint) -> Checkpoint {
        if wanted == Checkpoint::Best && !self.path.join(Checkpoint::Best.file_name()).is_file() {
            Checkpoint::Last
        } else {
            wanted
        }
    }

    /// The policy of [`RunDir::checkpoint`]`(wanted)`, and which one that is.
    pub fn load_checkpoint(&self, wanted: Checkpoint) -> Result<(Policy, Checkpoint), RunDirError> {
        let which = self.checkpoint(wanted);
        Ok((self.load_file(which)?, which))
    }

    fn load_file(&self, which: Checkpoint) -> Result<Policy, RunDirError> {
        let path = self.path.join(which.file_name());
        let bytes = fs::read(&path).map_err(io(&path))?;
        let tensors = read_safetensors(&bytes).map_err(|source| RunDirError::Policy { path: path.clone(), source })?;
        Policy::from_tensors(&tensors).map_err(|source| RunDirError::Policy { path, source })
    }

    /// `result.json`, when training finished and wrote one that this build reads.
    pub fn result(&self) -> Option<super::TrainResult> {
        let text = fs::read_to_string(self.path.join("result.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The compiled reward module's bytes.
    pub fn reward_wasm(&self) -> Result<Vec<u8>, RunDirError> {
        let path = self.path.join("reward.wasm");
        fs::read(&path).map_err(io(&path))
    }
}

/// The curves drawn in `curves.svg`, every logged iteration: the charts, then PPO's
/// diagnostics (losses, entropy, KL, clip fraction, explained variance), then every term.
fn plot_series(trained: &Trained) -> Vec<Series> {
    let mut names: Vec<String> = [
        metrics::FITNESS,
        metrics::EVAL_FITNESS,
        metrics::EPISODIC_RETURN,
        metrics::EPISODE_LENGTH,
        metrics::VALUE_LOSS,
        metrics::POLICY_LOSS,
        metrics::ENTROPY,
        metrics::APPROX_KL,
        metrics::CLIPFRAC,
        metrics::EXPLAINED_VARIANCE,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    names.extend(trained.term_names.iter().map(|t| format!("{}{t}", metrics::TERM_PREFIX)));
    names
        .into_iter()
        .map(|name| {
            let points =
                trained.records.iter().filter_map(|r| r.get(&name).map(|v| (r.global_step as f64, v))).collect();
            Series::curve(name, points)
        })
        .collect()
}
