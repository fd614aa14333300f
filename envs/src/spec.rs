//! What describes an env apart from its code: ids, rates, limits, spaces, texts.

use serde::Serialize;

use crate::space::Space;

/// How an episode's task fitness is computed from per-step signals (see [`crate::Task::fitness_signal`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FitnessKind {
    /// Steps whose signal is ≥ 0.5, divided by `max_episode_steps` (0..1): "how much of
    /// the full episode went right" — ending early counts as failing the rest.
    FractionOfSteps,
    /// The signal of the episode's last state (1 = success, 0 = failure).
    SuccessAtEnd,
    /// The signal of the episode's last state, a distance in metres (e.g. forward progress).
    ProgressAtEnd,
}

/// The registry entry of an env.
#[derive(Debug)]
pub struct EnvSpec {
    /// Versioned id, e.g. `cartpole-v0`.
    pub id: &'static str,
    /// The SDK env whose `State`/`Action` rewards read (variants share one).
    pub reward_env: &'static str,
    /// Seconds per `step` (one control step).
    pub control_dt: f32,
    /// Physics steps per control step.
    pub substeps: u32,
    /// Steps after which an episode is truncated.
    pub max_episode_steps: u32,
    /// What the policy observes.
    pub observation_space: fn() -> Space,
    /// What the policy may do.
    pub action_space: fn() -> Space,
    /// The task in words, for people and LLMs: what success means.
    pub description: &'static str,
    /// How fitness is computed.
    pub fitness: FitnessKind,
    /// The fitness definition in words, with its range.
    pub fitness_doc: &'static str,
    /// The declared fitness range (for the checker).
    pub fitness_range: (f32, f32),
    /// The fitness a solved run reaches (the trainer's learning bar).
    pub solved_fitness: f32,
}
