//! What can go wrong driving an env. Display texts are short and say what to change.

/// An env refused an action or a request.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EnvError {
    /// The action has the wrong number of components.
    #[error("action has {got} components, `{env}` takes {expected}")]
    ActionLength { env: &'static str, expected: usize, got: usize },
    /// A component is NaN or infinite.
    #[error("action component {index} is {value}; actions must be finite")]
    NonFiniteAction { index: usize, value: f32 },
    /// A discrete action is not one of the valid indices.
    #[error("discrete action {value} is not one of 0..{n} for `{env}`")]
    DiscreteOutOfRange { env: &'static str, value: f32, n: usize },
    /// `step` was called before `reset`, or after the episode ended.
    #[error("`{env}` needs reset: {why}")]
    NeedsReset { env: &'static str, why: &'static str },
    /// No env has this id.
    #[error("unknown env `{id}`; known envs: {known}")]
    UnknownEnv { id: String, known: String },
}

impl EnvError {
    /// A short stable name for the error class, for JSON output and Python exceptions.
    pub fn kind(&self) -> &'static str {
        match self {
            EnvError::ActionLength { .. } => "action_length",
            EnvError::NonFiniteAction { .. } => "non_finite_action",
            EnvError::DiscreteOutOfRange { .. } => "discrete_out_of_range",
            EnvError::NeedsReset { .. } => "needs_reset",
            EnvError::UnknownEnv { .. } => "unknown_env",
        }
    }
}
