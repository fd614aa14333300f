//! What can go wrong loading or stepping a demo. The texts are shown in the page as they are.

use rewardsmith_envs::EnvError;
use rewardsmith_policy::{PolicyError, PolicyMismatch};

/// Why a demo could not be built or stepped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The env id is not registered, or the env refused a step.
    #[error("{0}")]
    Env(#[from] EnvError),
    /// The policy file could not be read (not safetensors, missing or malformed tensors).
    #[error("policy: {0}")]
    Policy(#[from] PolicyError),
    /// The policy was trained for a different observation or action space.
    #[error(transparent)]
    PolicyMismatch(#[from] PolicyMismatch),
    /// `step` after the episode ended.
    #[error("the episode has ended; call reset(seed) to start another")]
    EpisodeOver,
}
