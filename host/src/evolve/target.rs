//! What an evolve run searches rewards for: a built-in env, simulated and trained on here
//! with the built-in PPO, or a schema env (your own simulator and trainer), whose candidates
//! an executor trains with a training function of yours (`rewardsmith.evolve(env=schema,
//! train_fn=...)` from Python).
//!
//! Everything the loop needs to know about the env goes through here: the layout rewards
//! are checked against, how a program is compiled for it, the task prompt, and whether the
//! final evaluation has human and sparse baselines to compare with.

use rewardsmith_envs::{EnvSpec, registry};
use rewardsmith_guest::envs::EnvLayout;

use super::executor::Executor;
use super::prompts;
use super::search::{EvolveConfig, EvolveError};
use crate::compiler::Source;
use crate::schema::{self, Schema};

/// The env of a run.
#[derive(Clone, Debug)]
pub enum Target {
    /// One of the built-in envs (`rewardsmith envs`).
    Builtin(&'static EnvSpec),
    /// An env described by a schema and trained by the user's function.
    Schema { schema: Box<Schema>, layout: &'static EnvLayout },
}

impl Target {
    /// The target of `cfg`: its schema when it has one (registered in this process, so the
    /// sandbox knows its layout), else its built-in env.
    pub fn of(cfg: &EvolveConfig) -> Result<Target, EvolveError> {
        match &cfg.schema {
            Some(s) => {
                let layout = schema::register(s).map_err(EvolveError::Schema)?;
                Ok(Target::Schema { schema: Box::new(s.clone()), layout })
            }
            None => {
                registry::find(&cfg.env).map(|r| Target::Builtin(r.spec)).map_err(|_| EvolveError::Env(cfg.env.clone()))
            }
        }
    }

    /// The env id rewards declare (`cartpole-v0`, `half_cheetah-v0`).
    pub fn id(&self) -> &'static str {
        self.layout().id
    }

    /// The `State`/`Action` layout a module is checked against.
    pub fn layout(&self) -> &'static EnvLayout {
        match self {
            Target::Builtin(spec) => {
                rewardsmith_guest::envs::find(spec.reward_env).expect("every registered env has a layout")
            }
            Target::Schema { layout, .. } => layout,
        }
    }

    /// The built-in env, if this is one.
    pub fn builtin(&self) -> Option<&'static EnvSpec> {
        match self {
            Target::Builtin(spec) => Some(spec),
            Target::Schema { .. } => None,
        }
    }

    /// The schema, if this is a schema env.
    pub fn schema(&self) -> Option<&Schema> {
        match self {
            Target::Builtin(_) => None,
            Target::Schema { schema, .. } => Some(schema),
        }
    }

    /// Why `executor` (`None`: the local one) cannot train this env's candidates, if it
    /// cannot: a schema env needs an executor with the user's training function.
    pub fn untrainable_on(&self, executor: Option<&dyn Executor>) -> Option<String> {
        if self.schema().is_none() || executor.is_some_and(|e| e.trains_schema_envs()) {
            return None;
        }
        Some(format!(
            "`{}` is a schema env: rewardsmith cannot simulate it, so its candidates are trained by your training \
             function, and the {} executor has none. Run (or resume) it from Python: \
             rewardsmith.evolve(env=schema, train_fn=..., steps=...) or rewardsmith.evolve(resume=ID, train_fn=...)",
            self.id(),
            executor.map_or("local", |e| e.name())
        ))
    }

    /// The Rust path a reward imports its `State` and `Action` from.
    pub fn import(&self) -> String {
        match self {
            Target::Builtin(spec) => {
                format!("rewardsmith_guest::envs::{}", registry::base_name(spec.reward_env))
            }
            Target::Schema { .. } => schema::codegen::IMPORT.trim_end_matches("::*").to_owned(),
        }
    }

    /// `text` (Rust) as a source for this env: a schema env's generated module goes with it.
    pub fn source(&self, text: String) -> Source {
        match self {
            Target::Builtin(_) => Source::rust(text),
            Target::Schema { schema, .. } => Source::rust(text).for_schema(schema),
        }
    }

    /// The task prompt an LLM gets: the env's description, fitness and `State` source; for a
    /// schema env its task text, `fitness_doc` (what the training function's fitness
    /// measures) and generated module.
    pub fn task_prompt(&self, fitness_doc: Option<&str>) -> String {
        match self {
            Target::Builtin(spec) => prompts::task(spec),
            Target::Schema { schema, .. } => prompts::schema_task(schema, fitness_doc),
        }
    }
}
