//! A trained run's policy as a callable: observation in, action out (the most likely
//! action, as evaluation and the browser demos use).

use std::path::PathBuf;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use rewardsmith::train::RunDir;
use rewardsmith_policy::Policy;

use crate::error::error;

#[pyclass(module = "rewardsmith._native")]
#[derive(Debug)]
pub struct NativePolicy {
    policy: Policy,
    env: String,
}

#[pymethods]
impl NativePolicy {
    /// Loads `policy.safetensors` of run folder `run`.
    #[new]
    fn new(py: Python<'_>, run: PathBuf) -> PyResult<Self> {
        let dir = RunDir::open(&run).map_err(|e| error(py, "run_dir", &e))?;
        let policy = dir.load_policy().map_err(|e| error(py, "run_dir", &e))?;
        Ok(NativePolicy { policy, env: dir.manifest().env.clone() })
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
