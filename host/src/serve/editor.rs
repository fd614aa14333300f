//! Editor trainings: `POST /api/train` compiles a reward (the CLI's sandbox and limits) and
//! trains on it in a background thread, into `<store dir>/editor/<n>` (a normal run folder).
//! One at a time (429 `train_busy` while one runs), its compile under the compile limit (429
//! `compile_busy`), steps capped, wall clock limited. Text with ``` fences is an LLM answer:
//! its program is extracted first (400 `no_code`/`no_export` when it has none), trained on
//! and kept as the run's reward.rs, and the 202 says what was extracted.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api::json_body;
use super::error::parse_id;
use super::files::{folder_under, read_named};
use super::{ApiError, AppState, CompileSlot};
use crate::compiler::{CompileError, Source};
use crate::sandbox::RewardError;
use crate::train::{Folder, Hooks, Job, JobError, RunDir, TrainConfig, train_into};

/// Progress of one editor training (in memory; the run folder is the lasting record).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Progress {
    pub job: u64,
    pub env: String,
    /// `running`, `completed`, `time_limit`, `cancelled` or `failed`.
    pub status: String,
    pub steps: u64,
    pub total_steps: u64,
    /// Latest mean episode fitness reported by the trainer.
    pub fitness: Option<f64>,
    /// `[kind] message` of what failed.
    pub error: Option<String>,
    /// The failure's stable kind ([`JobFailure::kind`]).
    pub error_kind: Option<&'static str>,
}

/// Why an editor training failed before or while training.
#[derive(Debug, thiserror::Error)]
pub enum JobFailure {
    #[error(transparent)]
    Env(#[from] rewardsmith_envs::EnvError),
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// The sandbox refused the module (load or instantiate).
    #[error(transparent)]
    Load(#[from] RewardError),
    #[error("cannot start the training threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    #[error(transparent)]
    Train(#[from] JobError),
}

impl JobFailure {
    pub fn kind(&self) -> &'static str {
        match self {
            JobFailure::Env(_) => "unknown_env",
            JobFailure::Compile(e) => e.kind(),
            JobFailure::Load(e) => e.kind(),
            JobFailure::Threads(_) => "threads",
            JobFailure::Train(e) => e.kind(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Editor {
    /// The job running now, if any, and when it started.
    busy: Mutex<Option<(u64, Instant)>>,
    jobs: Mutex<HashMap<u64, Progress>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainBody {
    env: String,
    source: String,
    steps: Option<u64>,
    #[serde(default)]
    seed: u64,
}

fn editor_root(state: &AppState) -> std::path::PathBuf {
    state.inner.root.join("editor")
}

/// The next free folder number under `editor/`.
fn next_job(state: &AppState) -> u64 {
    let taken = std::fs::read_dir(editor_root(state))
        .map(|rd| rd.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok()).max())
        .ok()
        .flatten();
    taken.map_or(1, |n| n + 1)
}

/// The steps an editor training gets unless it asks: the env's training budget (what the
/// CLI trains for), within the editor's cap.
pub fn editor_default_steps(env: &str, max: u64) -> u64 {
    crate::train::PpoConfig::for_env(env).total_steps.min(max)
}

pub async fn start(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let b: TrainBody = json_body(body)?;
    let reg =
        rewardsmith_envs::registry::find(&b.env).map_err(|e| ApiError::bad_request("unknown_env", e.to_string()))?;
    let cfg = &state.inner.cfg;
    let steps = b.steps.unwrap_or_else(|| editor_default_steps(reg.spec.id, cfg.editor_max_steps));
    if steps == 0 || steps > cfg.editor_max_steps {
        return Err(ApiError::bad_request(
            "bad_steps",
            format!("steps must be between 1 and {} for an editor training", cfg.editor_max_steps),
        ));
    }
    // Extraction is linear in the answer's size, quadratic in its blocks at worst: off the
    // async threads.
    let text = b.source;
    let (source, extracted) = tokio::task::spawn_blocking(move || Source::rust_or_answer(text))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
        .map_err(|e| ApiError::bad_request(e.kind(), e.to_string()))?;
    let source = String::from_utf8(source.bytes).expect("Rust source is text");
    let slot = state.compile_slots().try_take()?;
    let job = {
        let mut busy = state.inner.editor.busy.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((j, since)) = *busy {
            // At most the training's wall-clock limit from its start (plus its compile).
            let left = (cfg.editor_seconds - since.elapsed().as_secs_f64()).max(0.0) as u64 + 10;
            return Err(ApiError::busy(
                "train_busy",
                format!("editor training {j} is still running (one at a time): wait for it to finish"),
                left,
            ));
        }
        let job = next_job(&state);
        *busy = Some((job, Instant::now()));
        job
    };
    let env = reg.spec.id;
    let mut tc = TrainConfig::new(env);
    tc.ppo.total_steps = steps;
    tc.seed = b.seed;
    tc.time_limit = Some(Duration::from_secs_f64(cfg.editor_seconds.max(1.0)));
    let progress =
        Progress { job, env: env.to_owned(), status: "compiling".into(), total_steps: steps, ..Progress::default() };
    state.inner.editor.jobs.lock().unwrap_or_else(|p| p.into_inner()).insert(job, progress.clone());
    let st = state.clone();
    std::thread::spawn(move || {
        let outcome = run_job(&st, job, &source, &tc, slot);
        let mut jobs = st.inner.editor.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = jobs.get_mut(&job) {
            match outcome {
                Ok(status) => p.status = status,
                Err(e) => {
                    p.status = "failed".into();
                    p.error = Some(format!("[{}] {e}", e.kind()));
                    p.error_kind = Some(e.kind());
                }
            }
        }
        drop(jobs);
        *st.inner.editor.busy.lock().unwrap_or_else(|p| p.into_inner()) = None;
    });
    let mut body = json!({ "job": job, "status_url": format!("/api/train/{job}"), "progress": progress });
    if let Some(ex) = extracted {
        body["extracted"] = json!(ex);
    }
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// Compiles (holding `slot` until done) and trains; returns how training ended
/// (`completed`, `time_limit`, ...).
fn run_job(
    state: &AppState,
    job: u64,
    source: &str,
    tc: &TrainConfig,
    slot: CompileSlot,
) -> Result<String, JobFailure> {
    let inner = &state.inner;
    let reg = rewardsmith_envs::registry::find(&tc.env)?;
    let compiled = inner.compiler.compile(&Source::rust(source));
    drop(slot);
    let compiled = compiled?;
    let module = inner.sandbox.load(&compiled.wasm)?;
    inner.sandbox.instantiate(&module, reg.spec.reward_env)?;
    let dir = editor_root(state).join(job.to_string());
    let set = |f: &dyn Fn(&mut Progress)| {
        if let Some(p) = inner.editor.jobs.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&job) {
            f(p);
        }
    };
    set(&|p| p.status = "running".into());
    // Two threads at most: the machine is shared with whatever else the person runs.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(2);
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(threads).build()?);
    let cancel = AtomicBool::new(false);
    let mut on_iteration = |r: &crate::train::metrics::Record| {
        let (step, fitness) = (r.global_step, r.get(crate::train::metrics::FITNESS));
        set(&|p| {
            p.steps = step;
            if fitness.is_some() {
                p.fitness = fitness;
            }
        });
    };
    let hooks = Hooks { on_iteration: Some(&mut on_iteration), cancel: Some(&cancel) };
    let job = Job {
        config: tc,
        source_name: "reward.rs",
        source: source.as_bytes(),
        wasm: &compiled.wasm,
        module: &module,
        compiler_isolation: Some(inner.compiler.describe_isolation()),
        created_unix: None,
        folder: Folder::Required,
    };
    match train_into(&dir, &job, &inner.sandbox, &pool, hooks) {
        Ok(done) => Ok(done.dir.map_or_else(|| "completed".into(), |d| d.manifest().status.clone())),
        Err(e) => Err(e.into()),
    }
}

/// A job's progress: in memory while this server runs, else read back from its folder.
pub async fn status(State(state): State<AppState>, Path(n): Path<String>) -> Result<Json<Value>, ApiError> {
    let n = parse_id("training id", &n)? as u64;
    let mem = state.inner.editor.jobs.lock().unwrap_or_else(|p| p.into_inner()).get(&n).cloned();
    let dir = folder_under(&editor_root(&state).join(n.to_string()), &state.inner.root);
    let progress = match (mem, &dir) {
        (Some(p), _) => p,
        (None, Some(d)) => {
            let m = RunDir::open(d).map_err(|e| ApiError::not_found(e.to_string()))?;
            let m = m.manifest();
            Progress {
                job: n,
                env: m.env.clone(),
                status: m.status.clone(),
                steps: m.steps,
                total_steps: m.config.pointer("/ppo/total_steps").and_then(Value::as_u64).unwrap_or(m.steps),
                fitness: None,
                error: m.error.clone(),
                error_kind: None,
            }
        }
        (None, None) => return Err(ApiError::not_found(format!("no editor training {n}"))),
    };
    let result = dir
        .as_ref()
        .and_then(|d| std::fs::read_to_string(d.join("result.json")).ok())
        .and_then(|t| serde_json::from_str::<Value>(&t).ok());
    let done = !matches!(progress.status.as_str(), "compiling" | "running");
    Ok(Json(json!({
        "progress": progress, "done": done, "result": result,
        "files": if result.is_some() { format!("/api/train/{n}/") } else { String::new() },
    })))
}

pub async fn file(
    State(state): State<AppState>,
    Path((n, file)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let n = parse_id("training id", &n)?;
    let dir = folder_under(&editor_root(&state).join(n.to_string()), &state.inner.root)
        .ok_or_else(|| ApiError::not_found(format!("no editor training {n}")))?;
    read_named(&dir, &file)
}
