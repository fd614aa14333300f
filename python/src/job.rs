//! One evolve candidate's training job, run from Python: what a remote worker (a Ray task)
//! runs for the driver. The job and its outcome are the host's `TrainJob`/`TrainOutcome`
//! JSON, and the training is the host's `run_job`, so the bits are the same as a local run.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use rewardsmith::evolve::TrainJob;
use rewardsmith::sandbox::{Limits, Sandbox};

use crate::error::{ToPy, error};

/// Trains `job` (a `TrainJob` as JSON) into `dir` on `threads` threads, with the GIL
/// released; returns the `TrainOutcome` as JSON with the run folder's files packed in it
/// (base64), ready to travel back to the driver.
#[pyfunction]
#[pyo3(signature = (job, dir, threads=1))]
pub fn run_job(py: Python<'_>, job: &str, dir: PathBuf, threads: usize) -> PyResult<String> {
    let job: TrainJob = serde_json::from_str(job).map_err(|e| error(py, "config", format!("not a train job: {e}")))?;
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
