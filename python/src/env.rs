//! One env: reset, step, and the rich SDK state rewards read.

use std::sync::Mutex;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use rewardsmith_envs::{Env, registry};
use serde_json::{Value, json};

use crate::error::ToPy;
use crate::reward::NativeReward;

/// Every registered env id (`cartpole-v0`, ...).
#[pyfunction]
pub fn env_ids() -> Vec<&'static str> {
    registry::ids()
}

/// Env `id`'s spec as JSON: spaces, limits, rates, texts and the SDK `State`/`Action`
/// fields (name, length, unit, doc, range). A schema env registered in this process has only
/// its id, task text and fields (`schema: true`): there is no simulator behind it.
#[pyfunction]
pub fn spec_json(py: Python<'_>, id: &str) -> PyResult<String> {
    let fields = |fs: &[rewardsmith_guest::Field]| -> Value {
        fs.iter()
            .map(|f| json!({ "name": f.name, "len": f.len, "unit": f.unit, "doc": f.doc, "range": [f.range.0, f.range.1] }))
            .collect()
    };
    let reg = match registry::find(id) {
        Ok(reg) => reg,
        Err(e) => {
            let Some(schema) = rewardsmith::schema::registry::schema(id) else { return Err(e).py(py) };
            let layout = rewardsmith::schema::layout(&schema.id).expect("a registered schema has a layout");
            return Ok(json!({
                "id": layout.id,
                "name": layout.name,
                "reward_env": layout.id,
                "schema": true,
                "description": schema.task,
                "state_len": layout.state_len,
                "action_len": layout.action_len,
                "state_fields": fields(layout.state_fields),
                "action_fields": fields(layout.action_fields),
            })
            .to_string());
        }
    };
    let s = reg.spec;
    let layout = rewardsmith_guest::envs::find(s.reward_env).expect("every registered env has an SDK layout");
    Ok(json!({
        "id": s.id,
        "name": registry::base_name(s.id),
        "reward_env": s.reward_env,
        "schema": false,
        "control_dt": s.control_dt,
        "max_episode_steps": s.max_episode_steps,
        "observation_space": (s.observation_space)(),
        "action_space": (s.action_space)(),
        "description": s.description,
        "fitness": s.fitness,
        "fitness_doc": s.fitness_doc,
        "fitness_range": [s.fitness_range.0, s.fitness_range.1],
        "solved_fitness": s.solved_fitness,
        "state_len": layout.state_len,
        "action_len": layout.action_len,
        "state_fields": fields(layout.state_fields),
        "action_fields": fields(layout.action_fields),
    })
    .to_string())
}

/// One env (Gymnasium's semantics, no reward: rewards come from reward programs).
#[pyclass(module = "rewardsmith._native")]
pub struct NativeEnv {
    // A Mutex only to be `Sync` (pyo3's rule): `&mut self` methods use `get_mut`, no lock.
    env: Mutex<Box<dyn Env>>,
    /// Reused by `step_rewarded`.
    transition: Vec<f32>,
}

impl std::fmt::Debug for NativeEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeEnv").finish_non_exhaustive()
    }
}

impl NativeEnv {
    fn env(&self) -> std::sync::MutexGuard<'_, Box<dyn Env>> {
        self.env.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn env_mut(&mut self) -> &mut Box<dyn Env> {
        self.env.get_mut().unwrap_or_else(|p| p.into_inner())
    }
}

#[pymethods]
impl NativeEnv {
    #[new]
    fn new(py: Python<'_>, id: &str) -> PyResult<Self> {
        Ok(NativeEnv { env: Mutex::new(registry::make(id).py(py)?), transition: Vec::new() })
    }

    /// Starts an episode from `seed`; returns the observation.
    fn reset<'py>(&mut self, py: Python<'py>, seed: u64) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_vec(py, self.env_mut().reset(seed))
    }

    /// One control step: `(obs, terminated, truncated, fitness)`.
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        action: PyReadonlyArray1<'py, f32>,
    ) -> PyResult<(Bound<'py, PyArray1<f32>>, bool, bool, f32)> {
        let step = self.env_mut().step(action.as_slice()?).py(py)?;
        Ok((PyArray1::from_vec(py, step.obs), step.terminated, step.truncated, step.fitness))
    }

    /// One control step rewarded by `reward` in the same call (no per-step arrays built in
    /// Python): `(obs, terminated, truncated, fitness, total, terms, names)`.
    #[allow(clippy::type_complexity)]
    fn step_rewarded<'py>(
        &mut self,
        py: Python<'py>,
        action: PyReadonlyArray1<'py, f32>,
        reward: &mut NativeReward,
    ) -> PyResult<(Bound<'py, PyArray1<f32>>, bool, bool, f32, f32, Vec<f32>, Vec<String>)> {
        let env = self.env.get_mut().unwrap_or_else(|p| p.into_inner());
        self.transition.resize(env.layout().transition_len(), 0.0);
        let step = env.step_recorded(action.as_slice()?, &mut self.transition).py(py)?;
        let (total, terms, names) = reward.run_one(py, &self.transition)?;
        Ok((PyArray1::from_vec(py, step.obs), step.terminated, step.truncated, step.fitness, total, terms, names))
    }

    /// The SDK `State` floats now (what rewards read as `next`).
    fn state<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, self.env().state())
    }

    /// The SDK `Action` floats of the last step (zero after reset).
    fn sdk_action<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, self.env().sdk_action())
    }

    /// The episode's task fitness so far.
    fn fitness(&self) -> f32 {
        self.env().fitness()
    }

    fn elapsed_steps(&self) -> u32 {
        self.env().elapsed_steps()
    }

    #[getter]
    fn id(&self) -> &'static str {
        self.env().spec().id
    }
}
