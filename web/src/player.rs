//! [`Player`]: one registered env driven by a trained policy, stepped by the play loop the
//! native reference runs (`rewardsmith_policy::Player`, also behind `rewardsmith rollout`),
//! so a browser replay matches the native rollout bit for bit. Plain Rust: the same code
//! runs natively in the tests and in wasm32.

use rewardsmith_envs::{Snapshot, registry};
use rewardsmith_policy::{ActMode, Policy, read_safetensors};

use crate::error::DemoError;

/// A registered env and a deterministic policy, stepped one control step at a time.
///
/// Each [`Player::step`] is one step of the shared play loop: act on the current
/// observation (`act_deterministic`), record the SDK state before, step the env, record the
/// SDK action and the state after. The reward is not computed here: the page runs the
/// reward program on [`Player::transition`] (the same floats the native sandbox gets).
pub struct Player {
    inner: rewardsmith_policy::Player,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("env", &self.env_id())
            .field("seed", &self.seed())
            .field("step", &self.step_count())
            .finish()
    }
}

impl Player {
    /// Loads `policy` (safetensors bytes of a run's `policy.safetensors`; the critic's
    /// tensors in it are ignored) for `env_id` (versioned id or bare name), checks it fits
    /// the env and resets the env with `seed`.
    pub fn new(env_id: &str, policy: &[u8], seed: u64) -> Result<Player, DemoError> {
        let reg = registry::find(env_id)?;
        let policy = Policy::from_tensors(&read_safetensors(policy)?)?;
        let inner = rewardsmith_policy::Player::new(reg.make(), policy, seed, ActMode::Deterministic)?;
        Ok(Player { inner })
    }

    /// Starts a new episode from `seed`.
    pub fn reset(&mut self, seed: u64) {
        self.inner.reset(seed);
    }

    /// One control step; `Ok(true)` when the episode ended with it (terminated or truncated).
    pub fn step(&mut self) -> Result<bool, DemoError> {
        if self.done() {
            return Err(DemoError::EpisodeOver);
        }
        Ok(self.inner.step()?)
    }

    /// Whether the episode has ended.
    pub fn done(&self) -> bool {
        self.inner.done()
    }

    /// The registered env id (`cartpole-v0`).
    pub fn env_id(&self) -> &'static str {
        self.inner.env().spec().id
    }

    /// The seed of the current episode.
    pub fn seed(&self) -> u64 {
        self.inner.seed()
    }

    /// The policy observation now (what the next action is computed from).
    pub fn obs(&self) -> &[f32] {
        self.inner.obs()
    }

    /// The action of the last step (policy output: an index for discrete envs); zeros after a reset.
    pub fn action(&self) -> &[f32] {
        self.inner.action()
    }

    /// The SDK state now (what reward programs read).
    pub fn state(&self) -> &[f32] {
        self.inner.env().state()
    }

    /// The last step's transition, `2 × state_len + action_len` floats; empty after a reset.
    pub fn transition(&self) -> &[f32] {
        self.inner.transition()
    }

    /// The episode's task fitness so far (final once [`Player::done`]).
    pub fn fitness(&self) -> f32 {
        self.inner.fitness()
    }

    /// Steps taken in this episode.
    pub fn step_count(&self) -> u32 {
        self.inner.step_count()
    }

    /// Seconds per step.
    pub fn control_dt(&self) -> f32 {
        self.inner.env().spec().control_dt
    }

    /// The episode ended in a terminal state.
    pub fn terminated(&self) -> bool {
        self.inner.terminated()
    }

    /// The time limit ended the episode.
    pub fn truncated(&self) -> bool {
        self.inner.truncated()
    }

    /// Floats in the SDK state.
    pub fn state_len(&self) -> usize {
        self.inner.env().layout().state_len
    }

    /// Floats in the SDK action.
    pub fn action_len(&self) -> usize {
        self.inner.env().layout().action_len
    }

    /// Every body's pose and shape now.
    pub fn snapshot(&self) -> Snapshot {
        self.inner.env().snapshot()
    }
}
