//! What can stop a training run. Texts say what happened and what to change; reward
//! failures carry the offending transition's state so a person or an LLM can see why.

use rewardsmith_envs::EnvError;
use rewardsmith_policy::{PolicyError, PolicyMismatch};

use crate::sandbox::RewardError;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A hyperparameter is out of range.
    #[error("bad config: `{field}` {reason}")]
    Config { field: &'static str, reason: String },

    /// A `key=value` override could not be applied.
    #[error("bad override `{set}`: {reason} (valid keys: {keys})")]
    Override { set: String, reason: String, keys: String },

    /// The env could not be made or stepped.
    #[error("env: {0}")]
    Env(#[from] EnvError),

    /// The reward failed mid-training. `state` describes the transition that failed
    /// (`field=value, ...` of its next state), when it could be found.
    #[error("{}", reward_text(.error, *.step, .state.as_deref()))]
    Reward { error: RewardError, step: u64, state: Option<String> },

    /// The nets produced a non-finite value (a diverging update).
    #[error(
        "training diverged at step {step}: {what} is not finite; lower learning_rate or raise max_grad_norm's strictness"
    )]
    Diverged { step: u64, what: &'static str },

    /// Saving or loading a policy failed.
    #[error("policy: {0}")]
    Policy(#[from] PolicyError),

    /// A saved policy does not fit the env it is run on (observation size or action space).
    #[error(transparent)]
    PolicyMismatch(#[from] PolicyMismatch),

    /// The reward module is for another env than the one trained on.
    #[error("the reward is for env `{reward}` but training runs `{env}`")]
    EnvMismatch { reward: String, env: String },
}

fn reward_text(error: &RewardError, step: u64, state: Option<&str>) -> String {
    match state {
        Some(s) => format!("reward failed at env step {step}: {error}\n  offending transition's next state: {s}"),
        None => format!("reward failed at env step {step}: {error}"),
    }
}

impl TrainError {
    /// A short stable name for the error class (JSON output, tests, the run store).
    pub fn kind(&self) -> &'static str {
        match self {
            TrainError::Config { .. } => "config",
            TrainError::Override { .. } => "override",
            TrainError::Env(_) => "env",
            TrainError::Reward { error, .. } => error.kind(),
            TrainError::Diverged { .. } => "diverged",
            TrainError::Policy(_) => "policy",
            TrainError::PolicyMismatch(_) => "policy_mismatch",
            TrainError::EnvMismatch { .. } => "env_mismatch",
        }
    }
}
