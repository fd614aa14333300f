//! One training into a run folder: the job `rewardsmith train`, the playground editor and
//! every evolve candidate run. It writes the manifest, the reward's source and module,
//! trains with the caller's hooks while appending each iteration's metrics, and records
//! how the training ended (policy, result, curves; or the error) — so the three callers
//! cannot drift apart on what a run folder holds.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::ThreadPool;

use super::metrics::Record;
use super::ppo::{Hooks, Trained, train};
use super::run_dir::{Manifest, RunDir, RunDirError};
use super::{TrainConfig, TrainError};
use crate::sandbox::{RewardModule, Sandbox};

/// What to train and what the run folder records about it.
#[derive(Debug)]
pub struct Job<'a> {
    pub config: &'a TrainConfig,
    /// The reward's file name in the folder (`reward.rs`, `reward.wat`, `reward.wasm`).
    pub source_name: &'a str,
    /// The reward as given (for an LLM answer: the extracted program).
    pub source: &'a [u8],
    /// The compiled module, and the sandbox's loaded form of it.
    pub wasm: &'a [u8],
    pub module: &'a RewardModule,
    /// How rustc was confined (`Compiler::describe_isolation`), for Rust sources.
    pub compiler_isolation: Option<String>,
    /// Overrides the manifest's creation time (seconds since the epoch).
    pub created_unix: Option<u64>,
    /// Whether a folder that cannot be written stops the job (`rewardsmith train`, the
    /// editor) or the training goes on without it (an evolve candidate still gets judged).
    pub folder: Folder,
}

/// What a folder that cannot be written means for the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Folder {
    Required,
    BestEffort,
}

/// How a job ended when the training did not fail.
#[derive(Debug)]
pub struct Done {
    pub trained: Trained,
    /// The finished folder (`None`: best effort, and it could not be written).
    pub dir: Option<RunDir>,
}

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The training failed; the folder (when there is one) records the error.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The folder could not be written (with `Folder::Required`). When `trained` is set the
    /// training itself finished: what the folder holds is incomplete.
    #[error("run folder {path}: {source}")]
    RunDir { path: PathBuf, source: Box<RunDirError>, trained: Option<Box<Trained>> },
}

impl JobError {
    pub fn kind(&self) -> &'static str {
        match self {
            JobError::Train(e) => e.kind(),
            JobError::RunDir { .. } => "run_dir",
        }
    }
}

/// Runs `job` into `dir` on `pool`. `hooks.on_iteration` sees every iteration after its
/// metrics were appended to the folder.
pub fn train_into(
    dir: &Path,
    job: &Job<'_>,
    sandbox: &Sandbox,
    pool: &Arc<ThreadPool>,
    hooks: Hooks<'_>,
) -> Result<Done, JobError> {
    let folder_error = |source, trained: Option<Trained>| JobError::RunDir {
        path: dir.to_owned(),
        source: Box::new(source),
        trained: trained.map(Box::new),
    };
    let mut manifest = Manifest::new(job.config, job.source_name, job.source, &job.module.hash_hex());
    manifest.compiler_isolation.clone_from(&job.compiler_isolation);
    if let Some(t) = job.created_unix {
        manifest.created_unix = t;
    }
    let mut run = match RunDir::create(dir, manifest, job.source, job.wasm) {
        Ok(run) => Some(run),
        Err(e) if job.folder == Folder::Required => return Err(folder_error(e, None)),
        Err(_) => None,
    };
    let mut metrics_error = None;
    let Hooks { on_iteration: mut caller, cancel } = hooks;
    let mut on_iteration = |r: &Record| {
        if let Some(run) = run.as_mut()
            && let Err(e) = run.append_metrics(r)
        {
            metrics_error.get_or_insert(e);
        }
        if let Some(f) = caller.as_mut() {
            f(r);
        }
    };
    let result = train(job.config, sandbox, job.module, pool, Hooks { on_iteration: Some(&mut on_iteration), cancel });
    match result {
        Ok(trained) => {
            let finished = run.as_mut().map_or(Ok(()), |run| run.finish(&trained));
            match (finished.err().or(metrics_error), job.folder) {
                (Some(e), Folder::Required) => Err(folder_error(e, Some(trained))),
                (Some(_), Folder::BestEffort) => Ok(Done { trained, dir: None }),
                (None, _) => Ok(Done { trained, dir: run }),
            }
        }
        Err(e) => {
            if let Some(run) = run.as_mut() {
                let _ = run.fail(&e.to_string());
            }
            Err(JobError::Train(e))
        }
    }
}
