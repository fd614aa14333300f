//! Native PPO and evaluation from Python. Training runs on its own thread with the GIL
//! released; the calling thread wakes every 100 ms to let Python handle signals, so Ctrl-C
//! stops the training after its current iteration (keeping what it learned, the run folder
//! complete) and then raises `KeyboardInterrupt`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use pyo3::prelude::*;
use rewardsmith::compiler::{Compiler, CompilerOptions, Source, SourceKind};
use rewardsmith::sandbox::{Limits, Sandbox};
use rewardsmith::train::{
    ActMode, Checkpoint, Folder, Hooks, Job, RunDir, TrainConfig, evaluate as eval_native, rollout as rollout_native,
    train_into,
};
use serde_json::Value;

use crate::error::{ToPy, error};

/// Applies `{"learning_rate": 1e-3, ...}` to the env's tuned PPO settings. Only names the
/// settings have are taken (an unknown one is an error that lists the known ones).
fn with_overrides(py: Python<'_>, cfg: &mut TrainConfig, overrides: &str) -> PyResult<()> {
    let given: serde_json::Map<String, Value> =
        serde_json::from_str(overrides).map_err(|e| error(py, "config", format!("PPO overrides: {e}")))?;
    let mut ppo = serde_json::to_value(&cfg.ppo).expect("PPO settings serialise");
    let known = ppo.as_object_mut().expect("PPO settings are an object");
    for (k, v) in given {
        if !known.contains_key(&k) {
            let names: Vec<&str> = known.keys().map(String::as_str).collect();
            return Err(error(py, "config", format!("unknown PPO setting `{k}`; known: {}", names.join(", "))));
        }
        known.insert(k, v);
    }
    cfg.ppo = serde_json::from_value(ppo).map_err(|e| error(py, "config", format!("PPO overrides: {e}")))?;
    Ok(())
}

/// Trains a policy on `env` with the reward at `reward` (a file) into `out`; returns the
/// `TrainResult` as JSON.
#[pyfunction]
#[pyo3(signature = (env, reward, out, steps=None, seed=0, threads=None, ppo="{}", allow_unsandboxed=false, best_episodes=None))]
#[allow(clippy::too_many_arguments)]
pub fn train(
    py: Python<'_>,
    env: &str,
    reward: PathBuf,
    out: PathBuf,
    steps: Option<u64>,
    seed: u64,
    threads: Option<usize>,
    ppo: &str,
    allow_unsandboxed: bool,
    best_episodes: Option<u32>,
) -> PyResult<String> {
    let reg = rewardsmith_envs::registry::find(env).py(py)?;
    let mut cfg = TrainConfig::new(reg.spec.id);
    if let Some(n) = best_episodes {
        cfg.best_episodes = n;
    }
    with_overrides(py, &mut cfg, ppo)?;
    if let Some(s) = steps {
        cfg.ppo.total_steps = s;
    }
    cfg.seed = seed;
    let (source, extracted) = Source::read(&reward).py(py)?;
    let compiler = Compiler::new(CompilerOptions { allow_unsandboxed, ..CompilerOptions::default() });
    let compiled = py.detach(|| compiler.compile(&source)).py(py)?;
    let sandbox = Sandbox::new(Limits::default()).py(py)?;
    let module = sandbox.load(&compiled.wasm).py(py)?;
    sandbox.instantiate(&module, reg.spec.reward_env).py(py)?;
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| error(py, "threads", format!("cannot start {threads} threads: {e}")))?,
    );
    let ext = match (&extracted, source.kind) {
        (Some(_), _) | (None, SourceKind::Rust) => "rs",
        (None, SourceKind::Wat) => "wat",
        (None, SourceKind::Wasm) => "wasm",
    };
    let source_name = format!("reward.{ext}");
    let rust = source.kind == SourceKind::Rust;
    let isolation = rust.then(|| compiler.describe_isolation());
    let cancel = AtomicBool::new(false);
    let job = Job {
        config: &cfg,
        source_name: &source_name,
        source: &source.bytes,
        wasm: &compiled.wasm,
        module: &module,
        compiler_isolation: isolation,
        created_unix: None,
        folder: Folder::Required,
    };
    let done = crate::interrupt::interruptible(py, &cancel, || {
        let hooks = Hooks { on_iteration: None, cancel: Some(&cancel) };
        train_into(&out, &job, &sandbox, &pool, hooks)
    })?
    .py(py)?;
    Ok(serde_json::to_string(&done.trained.result).expect("a result serialises"))
}

/// Evaluates the policy of run folder `run` on `episodes` seeded episodes; returns the
/// `EvalReport` as JSON.
#[pyfunction]
#[pyo3(signature = (run, episodes=10, seed=0, stochastic=false, checkpoint="best"))]
pub fn evaluate(
    py: Python<'_>,
    run: PathBuf,
    episodes: u32,
    seed: u64,
    stochastic: bool,
    checkpoint: &str,
) -> PyResult<String> {
    let r = Loaded::open(py, &run, stochastic, checkpoint)?;
    let report = py.detach(|| eval_native(&r.policy, &r.env, &r.sandbox, &r.module, episodes, seed, r.mode)).py(py)?;
    let mut v = serde_json::to_value(&report).expect("a report serialises");
    v["checkpoint"] = r.checkpoint.as_str().into();
    Ok(v.to_string())
}

/// One episode of run folder `run`'s policy from `seed`, step by step (observations,
/// actions, rewards, terms, body poses): the `Replay` as JSON, the same as `rewardsmith
/// rollout` writes.
#[pyfunction]
#[pyo3(signature = (run, seed=0, stochastic=false, checkpoint="best"))]
pub fn rollout(py: Python<'_>, run: PathBuf, seed: u64, stochastic: bool, checkpoint: &str) -> PyResult<String> {
    let r = Loaded::open(py, &run, stochastic, checkpoint)?;
    let replay = py.detach(|| rollout_native(&r.policy, &r.env, &r.sandbox, &r.module, seed, r.mode)).py(py)?;
    let mut v = serde_json::to_value(&replay).expect("a replay serialises");
    v["checkpoint"] = r.checkpoint.as_str().into();
    Ok(v.to_string())
}

/// What evaluating or replaying a run folder needs: its env, policy and reward module.
struct Loaded {
    env: String,
    policy: rewardsmith_policy::Policy,
    sandbox: Sandbox,
    module: Arc<rewardsmith::sandbox::RewardModule>,
    mode: ActMode,
    /// The checkpoint `policy` is (`best` falls back to `last` where the run kept none).
    checkpoint: Checkpoint,
}

/// `"best"` or `"last"` as a checkpoint, or a `ValueError` saying so.
pub fn checkpoint_arg(py: Python<'_>, s: &str) -> PyResult<Checkpoint> {
    s.parse().map_err(|msg: String| error(py, "bad_checkpoint", msg))
}

impl Loaded {
    fn open(py: Python<'_>, run: &Path, stochastic: bool, checkpoint: &str) -> PyResult<Loaded> {
        let wanted = checkpoint_arg(py, checkpoint)?;
        let dir = open_run(py, run)?;
        let (policy, checkpoint) = dir.load_checkpoint(wanted).map_err(|e| error(py, "run_dir", &e))?;
        let sandbox = Sandbox::new(Limits::default()).py(py)?;
        let wasm = dir.reward_wasm().map_err(|e| error(py, "run_dir", &e))?;
        let module = sandbox.load(&wasm).py(py)?;
        let mode = if stochastic { ActMode::Stochastic } else { ActMode::Deterministic };
        Ok(Loaded { env: dir.manifest().env.clone(), policy, sandbox, module, mode, checkpoint })
    }
}

fn open_run(py: Python<'_>, run: &Path) -> PyResult<RunDir> {
    RunDir::open(run).map_err(|e| error(py, "run_dir", &e))
}
