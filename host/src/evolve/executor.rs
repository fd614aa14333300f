//! Where candidate trainings run. The loop decides *what* to train; an [`Executor`] decides
//! *where*.
//!
//! A [`TrainJob`] is self-contained and serialisable: the compiled module's bytes (a worker
//! needs no compiler), the reward's source for the run folder, and the training config with
//! its env id and seed. Its [`TrainOutcome`] is too. [`run_job`] is the one function that
//! trains a job, whatever runs it, so a job run elsewhere comes back as the same bits as one
//! run here. [`LocalExecutor`] is the thread pool every run used before executors existed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rayon::ThreadPool;
use serde::{Deserialize, Serialize};

use super::search::EvolveError;
use crate::candidate::{Candidate, Status};
use crate::sandbox::Sandbox;
use crate::schema::Schema;
use crate::train::run_files::{self, RunFile};
use crate::train::{Done, Folder, Hooks, Job, JobError, RunDirError, TrainConfig, TrainError, train_into};

/// One candidate training, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainJob {
    /// The store's id of the candidate: its run folder is `c<id>`.
    pub candidate_id: i64,
    /// The reward's source, written into the run folder as `reward.rs`.
    pub source: String,
    /// The compiled module (base64 in JSON).
    #[serde(with = "crate::base64_bytes")]
    pub wasm: Vec<u8>,
    /// Env, seed, step budget and PPO settings.
    pub config: TrainConfig,
    /// A schema env's schema: the job is then trained by the user's training function
    /// ([`super::user_train`]), which needs it to load the module; built-in envs have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    /// How rustc was confined when the module was compiled (for the run's manifest).
    pub compiler_isolation: Option<String>,
}

/// How a job ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainOutcome {
    pub candidate_id: i64,
    /// `trained`, `reward_error` or `train_error`.
    pub status: Status,
    /// Late-window mean task fitness; `None` when no episode ended (or it failed).
    pub fitness: Option<f64>,
    /// The serialised `TrainResult`, when trained.
    pub result: Option<serde_json::Value>,
    pub error_kind: Option<String>,
    pub error_text: Option<String>,
    /// The run folder, where the executor that ran the job wrote one.
    pub run_dir: Option<PathBuf>,
    /// The run folder's files, when the outcome travels from another machine
    /// ([`TrainOutcome::packed`]); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<RunFile>,
}

impl TrainOutcome {
    /// A failed job: `status` (`reward_error` or `train_error`), an error kind and text.
    pub fn failed(candidate_id: i64, status: Status, kind: &str, text: String) -> TrainOutcome {
        TrainOutcome {
            candidate_id,
            status,
            fitness: None,
            result: None,
            error_kind: Some(kind.to_owned()),
            error_text: Some(text),
            run_dir: None,
            files: Vec::new(),
        }
    }

    /// This outcome with its run folder's files inside, for the trip to the driver (what a
    /// remote worker sends). The worker's folder path is dropped: it means nothing there.
    pub fn packed(mut self) -> Result<TrainOutcome, RunDirError> {
        if let Some(dir) = self.run_dir.take() {
            self.files = run_files::pack(&dir)?;
        }
        Ok(self)
    }

    /// Writes a travelled outcome's files into `artifacts/c<id>` (the folder a local run
    /// would have) and points `run_dir` there. A folder that cannot be written leaves the
    /// candidate without one, as a local run's best-effort folder does.
    pub fn landed(mut self, artifacts: &Path) -> TrainOutcome {
        if !self.files.is_empty() {
            let dir = artifacts.join(format!("c{}", self.candidate_id));
            let _ = std::fs::remove_dir_all(&dir);
            self.run_dir = run_files::unpack(&dir, &self.files).ok().map(|()| dir);
            self.files.clear();
        }
        self
    }
}

impl Candidate {
    /// Takes a finished job's outcome. Trained without an ended episode is fitness −∞ (see
    /// the module docs of [`crate::candidate`]).
    pub fn apply(&mut self, o: TrainOutcome) {
        debug_assert_eq!(o.candidate_id, self.id);
        self.status = o.status;
        self.fitness = match o.status {
            Status::Trained => Some(o.fitness.unwrap_or(f64::NEG_INFINITY)),
            _ => None,
        };
        self.result = o.result;
        self.error_kind = o.error_kind;
        self.error_text = o.error_text;
        self.run_dir = o.run_dir;
    }
}

/// Runs candidate trainings somewhere.
pub trait Executor: Sync {
    /// A short name for messages and reports (`local`, `ray`).
    fn name(&self) -> &str;

    /// Whether it trains schema-env jobs (with a user's training function). The built-in
    /// trainer cannot: it has no simulator for them.
    fn trains_schema_envs(&self) -> bool {
        false
    }

    /// Runs every job and calls `done` with each outcome as it finishes, in any order, on
    /// the calling thread. Returns when all have finished, or early with the first error of
    /// `done` or [`EvolveError::Cancelled`].
    fn run(
        &self,
        jobs: Vec<TrainJob>,
        done: &mut dyn FnMut(TrainOutcome) -> Result<(), EvolveError>,
    ) -> Result<(), EvolveError>;
}

/// Trains `job` into `dir` (replacing a folder an interrupted attempt left) with `sandbox`
/// and `pool`: what every executor runs for a job. A folder that cannot be written does
/// not fail the job; the candidate is still judged, it just has no policy to replay.
pub fn run_job(
    job: &TrainJob,
    dir: &Path,
    sandbox: &Sandbox,
    pool: &Arc<ThreadPool>,
    cancel: Option<&AtomicBool>,
) -> TrainOutcome {
    let failed = |status, kind: &str, text: String| TrainOutcome::failed(job.candidate_id, status, kind, text);
    if let Some(schema) = &job.schema {
        let why = format!("`{}` is a schema env; the built-in trainer has no simulator for it", schema.id);
        return failed(Status::TrainError, "config", why);
    }
    // Loaded again here: on another machine this is the first time this sandbox sees it.
    let module = match sandbox.load(&job.wasm) {
        Ok(m) => m,
        Err(e) => return failed(Status::RewardError, e.kind(), e.to_string()),
    };
    let _ = std::fs::remove_dir_all(dir);
    let train_job = Job {
        config: &job.config,
        source_name: "reward.rs",
        source: job.source.as_bytes(),
        wasm: &job.wasm,
        module: &module,
        compiler_isolation: job.compiler_isolation.clone(),
        created_unix: None,
        folder: Folder::BestEffort,
    };
    match train_into(dir, &train_job, sandbox, pool, Hooks { on_iteration: None, cancel }) {
        Ok(Done { trained, dir }) => TrainOutcome {
            candidate_id: job.candidate_id,
            status: Status::Trained,
            fitness: trained.result.late_fitness.map(|m| m.mean),
            result: serde_json::to_value(&trained.result).ok(),
            error_kind: None,
            error_text: None,
            run_dir: dir.map(|d| d.path().to_owned()),
            files: Vec::new(),
        },
        // Not with a best-effort folder; kept typed all the same.
        Err(JobError::RunDir { source, .. }) => failed(Status::TrainError, "run_dir", source.to_string()),
        Err(JobError::Train(e)) => {
            let status = if matches!(e, TrainError::Reward { .. }) { Status::RewardError } else { Status::TrainError };
            failed(status, e.kind(), e.to_string())
        }
    }
}

/// Jobs on this machine: as many trainings at once as the pool has threads, each running
/// inside the pool, so together they never use more threads than it has. Run folders go
/// under `artifacts` (`c<id>`).
pub struct LocalExecutor<'a> {
    pub sandbox: &'a Sandbox,
    pub pool: &'a Arc<ThreadPool>,
    pub artifacts: &'a Path,
    /// Checked between jobs, and by each training between its iterations.
    pub cancel: Option<&'a AtomicBool>,
}

impl std::fmt::Debug for LocalExecutor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalExecutor").field("artifacts", &self.artifacts).finish_non_exhaustive()
    }
}

impl Executor for LocalExecutor<'_> {
    fn name(&self) -> &str {
        "local"
    }

    fn run(
        &self,
        jobs: Vec<TrainJob>,
        done: &mut dyn FnMut(TrainOutcome) -> Result<(), EvolveError>,
    ) -> Result<(), EvolveError> {
        let cancelled = || self.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
        let queue = Mutex::new(jobs.into_iter());
        let (tx, rx) = std::sync::mpsc::channel::<TrainOutcome>();
        std::thread::scope(|s| {
            for _ in 0..self.pool.current_num_threads().max(1) {
                let (tx, queue) = (tx.clone(), &queue);
                s.spawn(move || {
                    while !cancelled() {
                        let Some(job) = queue.lock().expect("queue").next() else { return };
                        let dir = self.artifacts.join(format!("c{}", job.candidate_id));
                        if tx.send(run_job(&job, &dir, self.sandbox, self.pool, self.cancel)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(tx);
            // Outcomes are handed over on this thread as they arrive; on an error the
            // workers stop at their next job.
            for outcome in rx {
                if let Err(e) = done(outcome) {
                    queue.lock().expect("queue").by_ref().for_each(drop);
                    return Err(e);
                }
            }
            Ok(())
        })?;
        if cancelled() { Err(EvolveError::Cancelled) } else { Ok(()) }
    }
}
