//! One evolve candidate's training job, run from Python: what a remote worker (a Ray task)
//! runs for the driver. The job and its outcome are the host's `TrainJob`/`TrainOutcome`
//! JSON, and the training is the host's `run_job`, so the bits are the same as a local run.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use rewardsmith::candidate::Status;
use rewardsmith::evolve::TrainJob;
use rewardsmith::sandbox::{Limits, Sandbox};

use crate::error::{ToPy, error};

/// Trains `job` (a `TrainJob` as JSON) into `dir` on `threads` threads, with the GIL
/// released; returns the `TrainOutcome` as JSON with the run folder's files packed in it
/// (base64), ready to travel back to the driver.
#[pyfunction]
#[pyo3(signature = (job, dir, threads=1))]
pub fn run_job(py: Python<'_>, job: &str, dir: PathBuf, threads: usize) -> PyResult<String> {
    let job = parse_job(py, job)?;
    let sandbox = Sandbox::new(Limits::default()).py(py)?;
    let threads = threads.max(1);
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| error(py, "threads", format!("cannot start {threads} threads: {e}")))?,
    );
    let outcome = py.detach(|| rewardsmith::evolve::run_job(&job, &dir, &sandbox, &pool, None));
    let packed = outcome.packed().map_err(|e| error(py, "run_dir", &e))?;
    Ok(serde_json::to_string(&packed).expect("an outcome serialises"))
}

/// The outcome of schema-env job `job` that the user's training function trained:
/// `report` is what it returned, as JSON (a number or a dict: see the host's
/// `user_train::TrainReport`), or `error` is `(status, kind, text)` when it raised
/// (`status` `reward_error` or `train_error`); `wall_s` is how long it ran. Returns the
/// `TrainOutcome` as JSON; a malformed report is the candidate's `train_fn` error.
#[pyfunction]
#[pyo3(signature = (job, report=None, error=None, wall_s=0.0))]
pub fn train_fn_outcome(
    py: Python<'_>,
    job: &str,
    report: Option<&str>,
    error: Option<(String, String, String)>,
    wall_s: f64,
) -> PyResult<String> {
    let job = parse_job(py, job)?;
    let returned = match (report, &error) {
        (Some(text), None) => Ok(text),
        (None, Some((status, kind, text))) => {
            let status = match Status::parse(status) {
                Some(s @ (Status::RewardError | Status::TrainError)) => s,
                _ => {
                    return Err(crate::error::error(
                        py,
                        "config",
                        format!("status {status:?}: use reward_error or train_error"),
                    ));
                }
            };
            Err((status, kind.as_str(), text.clone()))
        }
        _ => return Err(crate::error::error(py, "config", "give exactly one of `report` and `error`")),
    };
    let outcome = rewardsmith::evolve::user_train::outcome(&job, returned, wall_s);
    Ok(serde_json::to_string(&outcome).expect("an outcome serialises"))
}

/// A `TrainJob` from its JSON, or a `config` error.
pub fn parse_job(py: Python<'_>, job: &str) -> PyResult<TrainJob> {
    serde_json::from_str(job).map_err(|e| error(py, "config", format!("not a train job: {e}")))
}
