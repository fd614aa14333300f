//! The per-env part of an env; [`crate::TimeLimited`] wraps it into the public [`crate::Env`].

use rand_chacha::ChaCha8Rng;

use crate::snapshot::Snapshot;
use crate::spec::EnvSpec;

/// What each env implements. The wrapper validates actions, counts steps, applies the
/// time limit, tracks fitness and keeps the previous action, so a task only does physics.
pub trait Task: Send + std::fmt::Debug {
    /// The registry entry.
    fn spec(&self) -> &'static EnvSpec;

    /// Rebuilds the world in a random start drawn from `rng`.
    fn reset(&mut self, rng: &mut ChaCha8Rng);

    /// Converts a policy action (validated, clipped to the action space) into the SDK
    /// `Action` floats the reward sees (`out` has the SDK action length).
    fn to_sdk_action(&self, action: &[f32], out: &mut [f32]);

    /// Advances one control step under the SDK action.
    fn advance(&mut self, sdk_action: &[f32]);

    /// Writes the SDK `State` floats. `time` and `prev_action` (when the state has them)
    /// are written by the task from the values given.
    fn write_state(&self, time: f32, prev_action: &[f32], out: &mut [f32]);

    /// Writes the policy observation for `state` (the floats `write_state` produced).
    fn write_observation(&self, state: &[f32], out: &mut [f32]);

    /// Whether the episode has ended in a terminal state (fell, left the rail, ...).
    fn terminated(&self, state: &[f32]) -> bool;

    /// This step's fitness signal (see [`crate::FitnessKind`]).
    fn fitness_signal(&self, state: &[f32]) -> f32;

    /// Every body's pose and shape.
    fn snapshot(&self) -> Snapshot;
}
