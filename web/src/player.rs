//! [`Player`]: one env driven by a trained policy, exactly as the native reference
//! (`host/src/train/eval.rs`, `play`) drives it, so a browser replay matches `rewardsmith
//! rollout` bit for bit. Plain Rust: the same code runs natively in the tests and in wasm32.

use rewardsmith_envs::policy::{ActionKind, Policy, read_safetensors};
use rewardsmith_envs::{Env, Snapshot, Space, registry};

use crate::error::DemoError;

/// A registered env and a deterministic policy, stepped one control step at a time.
///
/// Each [`Player::step`] does what one iteration of the native loop does: act on the current
/// observation (`act_deterministic`), record the SDK state before, step the env, record the
/// SDK action and the state after. The reward is not computed here: the page runs the
/// reward program on [`Player::transition`] (the same floats the native sandbox gets).
pub struct Player {
    env: Box<dyn Env>,
    policy: Policy,
    seed: u64,
    obs: Vec<f32>,
    action: Vec<f32>,
    /// `state, sdk_action, next_state` of the last step; empty right after a reset.
    transition: Vec<f32>,
    terminated: bool,
    truncated: bool,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("env", &self.env_id())
            .field("seed", &self.seed)
            .field("step", &self.step_count())
            .finish()
    }
}

impl Player {
    /// Loads `policy` (safetensors bytes of a run's `policy.safetensors`; the critic's
    /// tensors in it are ignored) for `env_id` (versioned id or bare name) and resets the
    /// env with `seed`.
    pub fn new(env_id: &str, policy: &[u8], seed: u64) -> Result<Player, DemoError> {
        let reg = registry::find(env_id)?;
        let policy = Policy::from_tensors(&read_safetensors(policy)?)?;
        check_policy(reg.spec.id, &policy, &(reg.spec.observation_space)(), &(reg.spec.action_space)())?;
        let mut env = reg.make();
        let obs = env.reset(seed);
        let action = vec![0.0; policy.action_dim()];
        Ok(Player { env, policy, seed, obs, action, transition: Vec::new(), terminated: false, truncated: false })
    }

    /// Starts a new episode from `seed`.
    pub fn reset(&mut self, seed: u64) {
        self.seed = seed;
        self.obs = self.env.reset(seed);
        self.action.iter_mut().for_each(|a| *a = 0.0);
        self.transition.clear();
        self.terminated = false;
        self.truncated = false;
    }

    /// One control step; `Ok(true)` when the episode ended with it (terminated or truncated).
    pub fn step(&mut self) -> Result<bool, DemoError> {
        if self.done() {
            return Err(DemoError::EpisodeOver);
        }
        let layout = self.env.layout();
        self.policy.act_deterministic(&self.obs, &mut self.action);
        let mut tr = std::mem::take(&mut self.transition);
        tr.resize(layout.transition_len(), 0.0);
        layout.split_transition_mut(&mut tr).0.copy_from_slice(self.env.state());
        let step = self.env.step(&self.action)?;
        let (_, sdk_action, next) = layout.split_transition_mut(&mut tr);
        sdk_action.copy_from_slice(self.env.sdk_action());
        next.copy_from_slice(self.env.state());
        self.transition = tr;
        self.obs = step.obs;
        self.terminated = step.terminated;
        self.truncated = step.truncated;
        Ok(self.done())
    }

    /// Whether the episode has ended.
    pub fn done(&self) -> bool {
        self.terminated || self.truncated
    }

    /// The registered env id (`cartpole-v0`).
    pub fn env_id(&self) -> &'static str {
        self.env.spec().id
    }

    /// The seed of the current episode.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The policy observation now (what the next action is computed from).
    pub fn obs(&self) -> &[f32] {
        &self.obs
    }

    /// The action of the last step (policy output: an index for discrete envs); zeros after a reset.
    pub fn action(&self) -> &[f32] {
        &self.action
    }

    /// The SDK state now (what reward programs read).
    pub fn state(&self) -> &[f32] {
        self.env.state()
    }

    /// The last step's transition, `2 × state_len + action_len` floats; empty after a reset.
    pub fn transition(&self) -> &[f32] {
        &self.transition
    }

    /// The episode's task fitness so far (final once [`Player::done`]).
    pub fn fitness(&self) -> f32 {
        self.env.fitness()
    }

    /// Steps taken in this episode.
    pub fn step_count(&self) -> u32 {
        self.env.elapsed_steps()
    }

    /// Seconds per step.
    pub fn control_dt(&self) -> f32 {
        self.env.spec().control_dt
    }

    /// The episode ended in a terminal state.
    pub fn terminated(&self) -> bool {
        self.terminated
    }

    /// The time limit ended the episode.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Floats in the SDK state.
    pub fn state_len(&self) -> usize {
        self.env.layout().state_len
    }

    /// Floats in the SDK action.
    pub fn action_len(&self) -> usize {
        self.env.layout().action_len
    }

    /// Every body's pose and shape now.
    pub fn snapshot(&self) -> Snapshot {
        self.env.snapshot()
    }
}

/// The policy must read the env's observation and emit its action (a categorical over
/// exactly `n` choices, or a Gaussian of the box's dimension).
fn check_policy(env: &'static str, policy: &Policy, obs: &Space, action: &Space) -> Result<(), DemoError> {
    let mismatch = |what, expected: String, got: String| DemoError::PolicyMismatch { env, what, expected, got };
    if policy.actor.in_dim() != obs.dim() {
        return Err(mismatch(
            "observation size",
            format!("{} floats", obs.dim()),
            format!("{} floats", policy.actor.in_dim()),
        ));
    }
    let describe = |k: ActionKind| match k {
        ActionKind::Discrete { n } => format!("{n} discrete actions"),
        ActionKind::Continuous { dim } => format!("{dim} continuous actions"),
    };
    let expected = match action {
        Space::Discrete { n } => ActionKind::Discrete { n: *n },
        Space::Box { low, .. } => ActionKind::Continuous { dim: low.len() },
    };
    if policy.kind() != expected {
        return Err(mismatch("action space", describe(expected), describe(policy.kind())));
    }
    Ok(())
}
