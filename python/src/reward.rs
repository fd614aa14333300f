//! A reward program compiled and instantiated in the same sandbox as the CLI's, called on
//! batches of transitions handed over as one numpy array.

use std::path::Path;
use std::sync::Arc;

use numpy::prelude::*;
use numpy::{PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use rewardsmith::compiler::{Compiler, CompilerOptions, Source};
use rewardsmith::sandbox::{Limits, RewardInstance, RewardModule, Sandbox};
use rewardsmith::schema::Schema;
use rewardsmith_envs::registry;

use crate::error::{ToPy, error};

/// What a batch returns: `(totals, terms, names)`, totals `n`, terms `n × len(names)`.
type BatchOut<'py> = (Bound<'py, PyArray1<f32>>, Bound<'py, PyArray2<f32>>, Vec<String>);

/// The source of env `env`'s `human` (shaped, Gymnasium-style) or `sparse` (the task's
/// success signal) baseline reward.
#[pyfunction]
pub fn baseline(py: Python<'_>, env: &str, which: &str) -> PyResult<&'static str> {
    let reg = registry::find(env).py(py)?;
    let found = match which {
        "human" => rewardsmith::evolve::baselines::human(reg.spec.reward_env),
        "sparse" => rewardsmith::evolve::baselines::sparse(reg.spec.reward_env),
        _ => return Err(error(py, "config", format!("no baseline `{which}`; use `human` or `sparse`"))),
    };
    Ok(found.expect("every registered env has both baselines"))
}

#[pyclass(module = "rewardsmith._native")]
pub struct NativeReward {
    sandbox: Sandbox,
    module: Arc<RewardModule>,
    instance: RewardInstance,
    env: &'static str,
    extracted: Option<String>,
}

impl std::fmt::Debug for NativeReward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeReward").field("env", &self.env).finish_non_exhaustive()
    }
}

impl NativeReward {
    /// One transition's `(total, terms, names)`; after a failure the next call gets a
    /// fresh instance.
    pub fn run_one(&mut self, py: Python<'_>, transition: &[f32]) -> PyResult<(f32, Vec<f32>, Vec<String>)> {
        match self.instance.run_batch(transition) {
            Ok(r) => Ok((r.totals[0], r.terms.to_vec(), r.names.to_vec())),
            Err(e) => {
                if let Ok(fresh) = self.sandbox.instantiate(&self.module, self.env) {
                    self.instance = fresh;
                }
                Err(error(py, e.kind(), &e))
            }
        }
    }
}

#[pymethods]
impl NativeReward {
    /// Compiles `text` (Rust, or an LLM answer holding it) or the file at `path` (`.rs`,
    /// `.md`, `.wat`, `.wasm`) for env `env` and instantiates it. With `schema` (JSON or TOML
    /// text), `env` is ignored: the schema is registered and the program compiled with its
    /// generated module. Rust is compiled in the OS sandbox; where there is none it is refused
    /// unless `allow_unsandboxed`.
    #[staticmethod]
    #[pyo3(signature = (env, text=None, path=None, allow_unsandboxed=false, schema=None))]
    fn compile(
        py: Python<'_>,
        env: &str,
        text: Option<String>,
        path: Option<String>,
        allow_unsandboxed: bool,
        schema: Option<&str>,
    ) -> PyResult<Self> {
        let schema = schema.map(|text| Schema::parse(text).py(py)).transpose()?;
        let env: &'static str = match &schema {
            Some(schema) => rewardsmith::schema::register(schema).py(py)?.id,
            None => registry::find(env).py(py)?.spec.reward_env,
        };
        let (source, extracted) = match (text, path) {
            (Some(t), None) => Source::rust_or_answer(t).py(py)?,
            (None, Some(p)) => Source::read(Path::new(&p)).py(py)?,
            _ => return Err(error(py, "config", "give exactly one of `text` (a program) and `path` (a file)")),
        };
        let source = match &schema {
            Some(schema) => source.for_schema(schema),
            None => source,
        };
        let compiled = py
            .detach(|| {
                Compiler::new(CompilerOptions { allow_unsandboxed, ..CompilerOptions::default() }).compile(&source)
            })
            .py(py)?;
        let sandbox = Sandbox::new(Limits::default()).py(py)?;
        let module = sandbox.load(&compiled.wasm).py(py)?;
        let instance = sandbox.instantiate(&module, env).py(py)?;
        Ok(NativeReward { sandbox, module, instance, env, extracted: extracted.map(|e| e.description()) })
    }

    /// The reward of schema-env job `job` (a `TrainJob` as JSON): its schema registered and
    /// its compiled module loaded and instantiated, as on the driver. Returns the reward and
    /// its env id. No compiler is needed: the job carries the module.
    #[staticmethod]
    fn from_job(py: Python<'_>, job: &str) -> PyResult<(Self, String)> {
        let job = crate::job::parse_job(py, job)?;
        let Some(schema) = &job.schema else {
            return Err(error(py, "config", "the job is for a built-in env; train it with rewardsmith.run_job"));
        };
        let env = rewardsmith::schema::register(schema).py(py)?.id;
        let sandbox = Sandbox::new(Limits::default()).py(py)?;
        let module = sandbox.load(&job.wasm).py(py)?;
        let instance = sandbox.instantiate(&module, env).py(py)?;
        Ok((NativeReward { sandbox, module, instance, env, extracted: None }, env.to_owned()))
    }

    /// Runs the reward on `transitions` (`n × transition_len` float32 rows of `[state,
    /// action, next state]`). After a failure (trap, timeout, NaN, ...) the next call gets
    /// a fresh instance: one bad batch does not poison the object.
    fn run<'py>(&mut self, py: Python<'py>, transitions: PyReadonlyArray2<'py, f32>) -> PyResult<BatchOut<'py>> {
        let data = transitions.as_slice()?;
        let n = transitions.shape()[0];
        let instance = &mut self.instance;
        let out =
            py.detach(|| instance.run_batch(data).map(|r| (r.totals.to_vec(), r.terms.to_vec(), r.names.to_vec())));
        match out {
            Ok((totals, terms, names)) => {
                let k = names.len();
                let terms = PyArray1::from_vec(py, terms).reshape([n, k]).expect("terms are n × k");
                Ok((PyArray1::from_vec(py, totals), terms, names))
            }
            Err(e) => {
                if let Ok(fresh) = self.sandbox.instantiate(&self.module, self.env) {
                    self.instance = fresh;
                }
                Err(error(py, e.kind(), &e))
            }
        }
    }

    /// Floats per transition (`2 × state_len + action_len`, from the env's layout).
    #[getter]
    fn transition_len(&self) -> usize {
        self.instance.env().transition_len()
    }

    /// The SDK env the reward reads.
    #[getter]
    fn env(&self) -> &'static str {
        self.env
    }

    /// What was taken out of an LLM answer (`None` for a plain program).
    #[getter]
    fn extracted(&self) -> Option<String> {
        self.extracted.clone()
    }

    /// SHA-256 of the module, hex.
    #[getter]
    fn module_sha256(&self) -> String {
        self.module.hash_hex()
    }
}
