//! N copies of one env stepped natively (on threads) per call: observations, done flags,
//! final observations and the reward ABI's transitions come back as whole numpy arrays.

use std::sync::Mutex;

use numpy::prelude::*;
use numpy::{PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use rewardsmith_envs::VecEnv;

use crate::error::ToPy;

/// What one vector step returns: `(obs, terminated, truncated, fitness, final_obs,
/// transitions)`; `fitness` is NaN for envs whose episode did not end.
type StepOut<'py> = (
    Bound<'py, PyArray2<f32>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyArray1<f32>>,
    Bound<'py, PyArray2<f32>>,
    Bound<'py, PyArray2<f32>>,
);

/// Env `i`'s `k`-th episode is seeded from `(seed, i, k)` only: same bits whatever the
/// thread count. Envs reset themselves when an episode ends (the observation returned is
/// the next episode's first; the last one is in `final_obs`).
#[pyclass(module = "rewardsmith._native")]
pub struct NativeVecEnv {
    // A Mutex only to be `Sync` (pyo3's rule): `&mut self` methods use `get_mut`, no lock.
    inner: Mutex<VecEnv>,
}

impl std::fmt::Debug for NativeVecEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeVecEnv").finish_non_exhaustive()
    }
}

fn rows<'py>(py: Python<'py>, flat: &[f32], n: usize) -> Bound<'py, PyArray2<f32>> {
    let width = flat.len().checked_div(n).unwrap_or(0);
    PyArray1::from_slice(py, flat).reshape([n, width]).expect("the length is n × width")
}

#[pymethods]
impl NativeVecEnv {
    #[new]
    #[pyo3(signature = (id, n, seed, threads=1))]
    fn new(py: Python<'_>, id: &str, n: usize, seed: u64, threads: usize) -> PyResult<Self> {
        if n == 0 {
            return Err(crate::error::error(py, "config", "a vector env needs at least one env (num_envs ≥ 1)"));
        }
        let id = id.to_owned();
        let inner = py.detach(move || VecEnv::new(&id, n, threads.max(1), seed)).py(py)?;
        Ok(NativeVecEnv { inner: Mutex::new(inner) })
    }

    /// Observations now, `n × obs_dim`.
    fn observations<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f32>> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        rows(py, inner.observations(), inner.len())
    }

    /// Steps every env with its row of `actions` (`n × action_dim`, float32; a discrete
    /// action is its index as a float). A bad action leaves every env untouched.
    fn step<'py>(&mut self, py: Python<'py>, actions: PyReadonlyArray2<'py, f32>) -> PyResult<StepOut<'py>> {
        let actions = actions.as_slice()?.to_vec();
        let inner = self.inner.get_mut().unwrap_or_else(|p| p.into_inner());
        py.detach(|| inner.step(&actions)).py(py)?;
        let n = inner.len();
        let (mut terminated, mut truncated) = (vec![false; n], vec![false; n]);
        let mut fitness = vec![f32::NAN; n];
        for end in inner.episode_ends() {
            terminated[end.env] = !end.truncated;
            truncated[end.env] = end.truncated;
            fitness[end.env] = end.fitness;
        }
        Ok((
            rows(py, inner.observations(), n),
            PyArray1::from_vec(py, terminated),
            PyArray1::from_vec(py, truncated),
            PyArray1::from_vec(py, fitness),
            rows(py, inner.final_observations(), n),
            rows(py, inner.transitions(), n),
        ))
    }

    /// The SDK `State` of every env now, `n × state_len`.
    fn states<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f32>> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let flat: Vec<f32> = inner.envs().iter().flat_map(|e| e.state().iter().copied()).collect();
        rows(py, &flat, inner.len())
    }

    fn __len__(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}
