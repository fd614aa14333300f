//! `rewardsmith.evolve` from Python: the CLI's evolve run (same store, loop, journal and
//! report), training on this machine's threads or on a Python executor object (the Ray
//! executor, `rewardsmith/ray_executor.py`). The loop runs with the GIL released on a
//! worker thread; this thread wakes every 100 ms to let Python handle signals, so Ctrl-C
//! stops the run between candidates (marked interrupted, resumable) and then raises
//! `KeyboardInterrupt`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;
use rewardsmith::candidate::Status;
use rewardsmith::compiler::{Compiler, CompilerOptions};
use rewardsmith::evolve::run::{self, EvolveRun, RunError};
use rewardsmith::evolve::{Event, EvolveConfig, EvolveError, Executor, TrainJob, TrainOutcome};
use rewardsmith::schema::Schema;
use rewardsmith::store::{self, Store};
use serde_json::json;

use crate::error::{ToPy, error};

/// Jobs handed to a Python object's `run(jobs)`: a list of `TrainJob` JSON strings in, an
/// iterator out that yields each outcome (files packed; JSON text or a mapping, as
/// `rewardsmith.run_job` returns) as it finishes, or `None`
/// while it waits (so the run can be stopped between outcomes). Closing the iterator
/// early must cancel what is still running.
struct PyExecutor {
    obj: Py<PyAny>,
    name: String,
    /// Its `trains_schema_envs` attribute: it runs a user's training function.
    schema_envs: bool,
    artifacts: PathBuf,
    cancel: Arc<AtomicBool>,
}

/// One item an executor yielded: `None` while it waits, else an outcome as JSON text or
/// as a mapping (what `rewardsmith.run_job` returns), made JSON here.
fn outcome_of(py: Python<'_>, item: Bound<'_, PyAny>) -> Result<Option<TrainOutcome>, String> {
    if item.is_none() {
        return Ok(None);
    }
    let text = match item.extract::<String>() {
        Ok(s) => s,
        Err(_) => py
            .import("json")
            .and_then(|j| j.call_method1("dumps", (&item,)))
            .and_then(|s| s.extract::<String>())
            .map_err(|e| e.to_string())?,
    };
    serde_json::from_str(&text).map(Some).map_err(|e| e.to_string())
}

impl Executor for PyExecutor {
    fn name(&self) -> &str {
        &self.name
    }

    fn trains_schema_envs(&self) -> bool {
        self.schema_envs
    }

    fn run(
        &self,
        jobs: Vec<TrainJob>,
        done: &mut dyn FnMut(TrainOutcome) -> Result<(), EvolveError>,
    ) -> Result<(), EvolveError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let lost = |what: String| EvolveError::Executor(format!("{} executor: {what}", self.name));
        Python::attach(|py| {
            let texts: Vec<String> = jobs.iter().map(|j| serde_json::to_string(j).expect("a job serialises")).collect();
            let it = self
                .obj
                .call_method1(py, "run", (texts,))
                .and_then(|r| r.into_bound(py).try_iter())
                .map_err(|e| lost(e.to_string()))?;
            let mut drain = || {
                for item in it.clone() {
                    if self.cancel.load(Ordering::Relaxed) {
                        return Err(EvolveError::Cancelled);
                    }
                    match outcome_of(py, item.map_err(|e| lost(e.to_string()))?) {
                        Ok(Some(o)) => done(o.landed(&self.artifacts))?,
                        // Waiting: let another thread (the signal watcher) run.
                        Ok(None) => py.detach(std::thread::yield_now),
                        Err(e) => return Err(lost(format!("not a train outcome: {e}"))),
                    }
                }
                Ok(())
            };
            let result = drain();
            // Stops what is still running when the loop ended early.
            let _ = it.call_method0("close");
            result
        })
    }
}

/// An evolve run's settings from Python.
struct Request {
    store: PathBuf,
    resume: Option<i64>,
    proposer: Option<String>,
    model: Option<String>,
    base_url: Option<String>,
    /// The new run's config (unused on resume: the stored one counts).
    config: EvolveConfig,
    executor: Option<(Py<PyAny>, String)>,
    allow_unsandboxed: bool,
    progress: bool,
}

/// A failure as its kind and message, made an exception on the calling thread.
type Failed = (String, String);

fn failed(kind: &str, e: impl std::fmt::Display) -> Failed {
    (kind.to_owned(), e.to_string())
}

/// Runs an evolve run (new, or `resume` = its id) in the store at `store`; returns
/// `{"run_id", "summary", "report", "report_md"}` as JSON.
#[pyfunction]
#[pyo3(signature = (env=None, *, store, schema=None, fitness=None, resume=None, proposer=None, model=None, base_url=None, iterations=5,
    samples=16, final_seeds=5, steps=None, candidate_seconds=600.0, best_episodes=5, recheck_top=2, recheck_seeds=2,
    threads=None, seed=0, feedback=None, executor=None, executor_name="custom".to_owned(), allow_unsandboxed=false,
    progress=true))]
#[allow(clippy::too_many_arguments)]
pub fn evolve(
    py: Python<'_>,
    env: Option<String>,
    store: PathBuf,
    schema: Option<String>,
    fitness: Option<String>,
    resume: Option<i64>,
    proposer: Option<String>,
    model: Option<String>,
    base_url: Option<String>,
    iterations: u32,
    samples: u32,
    final_seeds: u32,
    steps: Option<u64>,
    candidate_seconds: f64,
    best_episodes: u32,
    recheck_top: u32,
    recheck_seeds: u32,
    threads: Option<usize>,
    seed: u64,
    feedback: Option<String>,
    executor: Option<Py<PyAny>>,
    executor_name: String,
    allow_unsandboxed: bool,
    progress: bool,
) -> PyResult<String> {
    let mut config = match (schema, env) {
        (Some(text), _) => EvolveConfig::for_schema(Schema::parse(&text).py(py)?),
        (None, Some(env)) => EvolveConfig::new(&env),
        (None, None) if resume.is_some() => EvolveConfig::new(""),
        (None, None) => return Err(error(py, "config", "evolve needs env= (or resume= a stored run's id)")),
    };
    config.fitness_doc = fitness;
    config.iterations = iterations;
    config.samples = samples;
    config.final_seeds = final_seeds;
    config.steps = steps;
    config.candidate_seconds = candidate_seconds;
    config.best_episodes = best_episodes;
    config.recheck_top = recheck_top;
    config.recheck_seeds = recheck_seeds;
    config.seed = seed;
    config.feedback = feedback;
    if let Some(t) = threads {
        config.threads = t;
    }
    let req = Request {
        store,
        resume,
        proposer,
        model,
        base_url,
        config,
        executor: executor.map(|e| (e, executor_name)),
        allow_unsandboxed,
        progress,
    };
    let cancel = Arc::new(AtomicBool::new(false));
    // The store's connection stays on the thread that opened it: the worker does it all.
    let result = crate::interrupt::interruptible(py, &cancel, || run_request(req, &cancel))?
        .map_err(|(kind, msg)| error(py, &kind, msg))?;
    Ok(result.to_string())
}

fn run_request(req: Request, cancel: &Arc<AtomicBool>) -> Result<serde_json::Value, Failed> {
    let compiler =
        Compiler::new(CompilerOptions { allow_unsandboxed: req.allow_unsandboxed, ..CompilerOptions::default() });
    compiler.check_isolation().map_err(|e| failed(e.kind(), &e))?;
    let st = Store::open(&req.store).map_err(|e| failed(e.kind(), &e))?;
    let run_err = |e: RunError| failed(e.kind(), &e);
    let run = match req.resume {
        Some(id) => EvolveRun::resume(&st, id).map_err(run_err)?,
        None => {
            let proposer = match req.proposer.as_deref() {
                None => run::default_proposer(),
                Some("offline") => store::Proposer::Offline,
                Some("llm") => store::Proposer::Llm,
                Some(other) => return Err(failed("config", format!("proposer={other:?}: use \"offline\" or \"llm\""))),
            };
            EvolveRun::create(&st, req.config, proposer, req.model).map_err(run_err)?
        }
    };
    if run.config().schema.is_none() && req.executor.as_ref().is_some_and(|(obj, _)| trains_schema_envs(obj)) {
        // Refused as it was found: a resumed run goes back to its stored status.
        st.set_run_status(run.id(), run.row().status, None).map_err(|e| failed(e.kind(), &e))?;
        return Err(failed(
            "config",
            format!(
                "run {} is for built-in env {}, trained by the built-in PPO: resume it without train_fn=",
                run.id(),
                run.config().env
            ),
        ));
    }
    let mut proposer = run.proposer(req.base_url.as_deref()).map_err(run_err)?;
    let py_executor = req.executor.map(|(obj, name)| PyExecutor {
        schema_envs: trains_schema_envs(&obj),
        obj,
        name,
        artifacts: run.row().artifact_dir.clone(),
        cancel: cancel.clone(),
    });
    let progress = req.progress;
    if progress {
        eprintln!("evolve run {} on {} (store {})", run.id(), run.config().env, req.store.display());
    }
    let mut on_event = |e: Event| {
        if progress {
            progress_line(&e);
        }
    };
    let executor = py_executor.as_ref().map(|e| e as &dyn Executor);
    let finished = run.execute(&compiler, proposer.as_mut(), executor, cancel, &mut on_event).map_err(run_err)?;
    Ok(json!({
        "run_id": run.id(),
        "summary": finished.summary,
        "report": finished.report.html,
        "report_md": finished.report.markdown,
    }))
}

/// An executor object's `trains_schema_envs` attribute (false when it has none).
fn trains_schema_envs(obj: &Py<PyAny>) -> bool {
    Python::attach(|py| obj.bind(py).getattr("trains_schema_envs").and_then(|v| v.is_truthy()).unwrap_or(false))
}

fn progress_line(e: &Event) {
    let line = match e {
        Event::IterationStarted { iteration, attempt, candidates } => {
            format!("iteration {} (attempt {attempt}): {candidates} candidates", iteration + 1)
        }
        Event::CandidateDone { candidate: c, reused } => {
            let again = if *reused { " (done before resume)" } else { "" };
            match c.status {
                Status::Trained => format!("  {} fitness {:.4}{again}", c.label(), c.fitness.unwrap_or(f64::NAN)),
                s => format!("  {} {s}: {}{again}", c.label(), c.error_kind.as_deref().unwrap_or("")),
            }
        }
        Event::RecheckStarted { trainings, .. } => format!("  rechecking the leaders: {trainings} trainings"),
        Event::IterationDone { iteration, best_so_far, .. } => match best_so_far {
            Some((b, s)) => format!("iteration {}: best so far {} {}", iteration + 1, b.label(), s.describe()),
            None => format!("iteration {}: nothing trained yet", iteration + 1),
        },
        Event::FinalStarted { trainings } => format!("final evaluation: {trainings} trainings"),
        Event::FinalTrained { .. } => return,
    };
    eprintln!("{}", rewardsmith::text::for_terminal(&line));
}
