//! `rewardsmith check`: compile, validate and exercise a reward on seeded transitions.

use std::time::{Duration, Instant};

use rewardsmith_guest::envs::EnvLayout;
use serde::Serialize;

use crate::compiler::{CompileError, Compiler, Source, SourceKind};
use crate::sandbox::{RewardError, Sandbox, Value};
use crate::transitions;

/// Where the test transitions come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum States {
    /// Real rollouts of the env under seeded random actions (the default).
    Rollout,
    /// Synthetic states drawn uniformly from each field's typical range: reaches corners
    /// rollouts rarely visit.
    Random,
}

/// What to run. Defaults: 4,096 rollout transitions in batches of 1,024, seed 0, values
/// not kept.
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    pub transitions: usize,
    pub batch: usize,
    pub seed: u64,
    pub states: States,
    /// Keep every transition and its total and terms in the report ([`Values`]).
    pub keep_values: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { transitions: 4096, batch: 1024, seed: 0, states: States::Rollout, keep_values: false }
    }
}

/// Every transition the reward ran on and what it returned: for comparing another caller
/// of the same reward (the Python package) bit for bit.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Values {
    /// One row per transition: `[state, action, next_state]`.
    pub transitions: Vec<Vec<f32>>,
    /// One total per transition.
    pub totals: Vec<f32>,
    /// One row per transition, a value per term (in `CheckReport::terms` order).
    pub terms: Vec<Vec<f32>>,
}

/// min / mean / max of one value over all transitions, and how many were not finite.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    pub name: String,
    pub min: f32,
    pub mean: f32,
    pub max: f32,
    pub non_finite: usize,
}

/// Everything `check` measured about a passing reward.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub env: &'static str,
    pub source_kind: SourceKind,
    pub module_sha256: String,
    pub module_bytes: usize,
    /// How rustc was isolated ([`Compiler::describe_isolation`]), or that none ran.
    pub compiler_sandbox: String,
    pub compile_ms: f64,
    pub compile_cached: bool,
    pub load_ms: f64,
    pub instantiate_us: f64,
    pub ns_per_transition: f64,
    /// Fuel (≈ wasm instructions) per transition in the last batch: a deterministic cost.
    pub fuel_per_transition: f64,
    pub transitions: usize,
    pub seed: u64,
    pub states: States,
    pub total: Stats,
    pub terms: Vec<Stats>,
    /// Present when [`CheckOptions::keep_values`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Values>,
}

/// Why a reward failed its check.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("unknown env `{0}`; known envs: {known}", known = known())]
    UnknownEnv(String),
    #[error(
        "env `{0}` is defined by a schema and has no simulator here, so there are no rollouts; check it on states drawn from its fields' ranges (--states random)"
    )]
    NoSimulator(String),
    #[error(transparent)]
    Env(#[from] rewardsmith_envs::EnvError),
    #[error(transparent)]
    Compile(#[from] CompileError),
    #[error("{error}{}", .state.as_ref().map(|s| format!("\n  at state: {s}")).unwrap_or_default())]
    Reward {
        error: RewardError,
        /// The offending transition's `next` state, for non-finite values.
        state: Option<String>,
        /// Statistics gathered before the failure (non-finite counts included).
        partial: Option<Vec<Stats>>,
    },
}

impl CheckError {
    /// Stable error-class name (`"timeout"`, `"refused"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            CheckError::UnknownEnv(_) => "unknown_env",
            CheckError::NoSimulator(_) => "no_simulator",
            CheckError::Env(_) => "env",
            CheckError::Compile(e) => e.kind(),
            CheckError::Reward { error, .. } => error.kind(),
        }
    }
}

fn known() -> String {
    let mut ids = rewardsmith_envs::ids();
    ids.extend(crate::schema::registry::known_ids().into_iter().filter(|id| !ids.contains(id)).collect::<Vec<_>>());
    ids.join(", ")
}

impl From<RewardError> for CheckError {
    fn from(error: RewardError) -> Self {
        CheckError::Reward { error, state: None, partial: None }
    }
}

/// Compiles `source`, loads it into `sandbox`, and runs it on `opts.transitions` seeded
/// transitions of `env_id`: a registered env, or an SDK or schema env (registered with
/// [`crate::schema::register`]; compile its rewards with [`Source::for_schema`]) on random
/// states. Fails on the first typed error; non-finite values are counted over the whole run
/// and then reported as an error naming the first offending transition.
pub fn check(
    compiler: &Compiler,
    sandbox: &Sandbox,
    source: &Source,
    env_id: &str,
    opts: CheckOptions,
) -> Result<CheckReport, CheckError> {
    // A registered env (maybe a variant such as `cartpole_continuous`) names the SDK env its
    // rewards are built for; a schema env (no simulator) can still be checked on random
    // states.
    let registered = rewardsmith_envs::registry::find(env_id).ok();
    let reward_env = registered.map_or(env_id, |r| r.spec.reward_env);
    let env: &'static EnvLayout =
        crate::schema::layout(reward_env).ok_or_else(|| CheckError::UnknownEnv(env_id.into()))?;
    if opts.states == States::Rollout && registered.is_none() {
        return Err(CheckError::NoSimulator(env.id.into()));
    }
    let compiled = compiler.compile(source)?;
    let t = Instant::now();
    let module = sandbox.load(&compiled.wasm)?;
    let load = t.elapsed();
    let t = Instant::now();
    let mut instance = sandbox.instantiate(&module, env.id)?;
    let instantiate = t.elapsed();

    let data = match (opts.states, registered) {
        (States::Rollout, Some(r)) => transitions::rollout(r.spec.id, opts.transitions, opts.seed)?,
        (States::Rollout, None) => return Err(CheckError::NoSimulator(env.id.into())),
        (States::Random, _) => transitions::sample(env, opts.transitions, opts.seed),
    };
    let mut values = opts.keep_values.then(Values::default);
    let stride = instance.transition_len();
    let mut acc: Vec<Acc> = Vec::new();
    let mut total = Acc::default();
    let mut first_bad: Option<(Value, f32, usize)> = None;
    let mut busy = Duration::ZERO;
    let mut fuel_per_transition = 0.0;
    for (b, chunk) in data.chunks(opts.batch.max(1) * stride).enumerate() {
        let t = Instant::now();
        let r = instance.run_batch_unchecked(chunk)?;
        busy += t.elapsed();
        fuel_per_transition = r.fuel as f64 / r.totals.len() as f64;
        let n = r.totals.len();
        let width = r.names.len();
        acc.resize_with(width, Acc::default);
        if let Some(v) = &mut values {
            v.transitions.extend(chunk.chunks_exact(stride).map(<[f32]>::to_vec));
            v.totals.extend_from_slice(r.totals);
            // A term first added in this batch is 0.0 in the rows before it.
            v.terms.iter_mut().for_each(|row| row.resize(width, 0.0));
            v.terms.extend((0..n).map(|i| r.terms[i * width..(i + 1) * width].to_vec()));
        }
        for i in 0..n {
            let index = b * opts.batch.max(1) + i;
            for (k, a) in acc.iter_mut().enumerate() {
                let v = r.terms[i * width + k];
                if !a.add(v) && first_bad.is_none() {
                    first_bad = Some((Value::Term(r.names[k].clone()), v, index));
                }
            }
            if !total.add(r.totals[i]) && first_bad.is_none() {
                first_bad = Some((Value::Total, r.totals[i], index));
            }
        }
    }
    let names = instance.term_names().to_vec();
    let terms: Vec<Stats> = acc.iter().zip(&names).map(|(a, n)| a.stats(n)).collect();
    if let Some((value, number, index)) = first_bad {
        let (_, _, next) = env.split_transition(&data[index * stride..(index + 1) * stride]);
        return Err(CheckError::Reward {
            error: RewardError::NonFinite { value, number, transition: index },
            state: Some(transitions::describe_state(env.state_fields, next)),
            partial: Some(std::iter::once(total.stats("total")).chain(terms).collect()),
        });
    }
    Ok(CheckReport {
        env: env.id,
        source_kind: compiled.kind,
        module_sha256: module.hash_hex(),
        module_bytes: module.size(),
        compiler_sandbox: match compiled.kind {
            SourceKind::Rust => compiler.describe_isolation(),
            SourceKind::Wat | SourceKind::Wasm => "not needed (no Rust compiler runs for .wat/.wasm)".into(),
        },
        compile_ms: compiled.elapsed.as_secs_f64() * 1e3,
        compile_cached: compiled.cached,
        load_ms: load.as_secs_f64() * 1e3,
        instantiate_us: instantiate.as_secs_f64() * 1e6,
        ns_per_transition: busy.as_nanos() as f64 / opts.transitions.max(1) as f64,
        fuel_per_transition,
        transitions: opts.transitions,
        seed: opts.seed,
        states: opts.states,
        total: total.stats("total"),
        terms,
        values,
    })
}

#[derive(Default)]
struct Acc {
    min: f32,
    max: f32,
    sum: f64,
    n: usize,
    bad: usize,
}

impl Acc {
    /// Adds a value; false if it is not finite.
    fn add(&mut self, v: f32) -> bool {
        if !v.is_finite() {
            self.bad += 1;
            return false;
        }
        if self.n == 0 || v < self.min {
            self.min = v;
        }
        if self.n == 0 || v > self.max {
            self.max = v;
        }
        self.sum += v as f64;
        self.n += 1;
        true
    }

    fn stats(&self, name: &str) -> Stats {
        let mean = if self.n > 0 { (self.sum / self.n as f64) as f32 } else { f32::NAN };
        Stats { name: name.into(), min: self.min, mean, max: self.max, non_finite: self.bad }
    }
}
