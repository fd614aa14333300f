//! A trained run's policy as a callable: observation in, action out (the most likely
//! action, as evaluation and the browser demos use).

use std::path::PathBuf;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use rewardsmith::train::{Checkpoint, RunDir};
use rewardsmith_policy::Policy;

use crate::error::error;

#[pyclass(module = "rewardsmith._native")]
#[derive(Debug)]
pub struct NativePolicy {
    policy: Policy,
    env: String,
    checkpoint: Checkpoint,
}

#[pymethods]
impl NativePolicy {
    /// Loads checkpoint `checkpoint` (`"best"`: `policy-best.safetensors`, the last policy
    /// where the run kept none; `"last"`: `policy.safetensors`) of run folder `run`.
    #[new]
    #[pyo3(signature = (run, checkpoint="best"))]
    fn new(py: Python<'_>, run: PathBuf, checkpoint: &str) -> PyResult<Self> {
        let wanted = crate::train::checkpoint_arg(py, checkpoint)?;
        let dir = RunDir::open(&run).map_err(|e| error(py, "run_dir", &e))?;
        let (policy, used) = dir.load_checkpoint(wanted).map_err(|e| error(py, "run_dir", &e))?;
        Ok(NativePolicy { policy, env: dir.manifest().env.clone(), checkpoint: used })
    }

    /// The checkpoint loaded: `"best"` or `"last"`.
    #[getter]
    fn checkpoint(&self) -> &'static str {
        self.checkpoint.as_str()
    }

    /// The deterministic action for `obs` (float32; a discrete action is its index).
    fn act<'py>(&self, py: Python<'py>, obs: PyReadonlyArray1<'py, f32>) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let obs = obs.as_slice()?;
        if obs.len() != self.policy.actor.in_dim() {
            let msg = format!("observation has {} floats, the policy takes {}", obs.len(), self.policy.actor.in_dim());
            return Err(error(py, "policy_mismatch", msg));
        }
        let mut action = vec![0.0; self.policy.action_dim()];
        self.policy.act_deterministic(obs, &mut action);
        Ok(PyArray1::from_vec(py, action))
    }

    /// The env id the policy was trained on.
    #[getter]
    fn env(&self) -> &str {
        &self.env
    }
}
