//! [`Player`]: a saved policy playing an env one control step at a time. The one copy of the
//! loop that `rewardsmith eval` and `rollout` (`host/src/train/eval.rs`) and the browser
//! runtime (`web/src/player.rs`) run, so a browser replay equals the native rollout bit for
//! bit.
//!
//! ```
//! use rand_chacha::{ChaCha8Rng, rand_core::SeedableRng};
//! use rewardsmith_policy::{ActMode, Init, Mlp, Player, Policy};
//!
//! let mut rng = ChaCha8Rng::seed_from_u64(0);
//! let actor = Mlp::new(&[4, 8, 2], Init::cleanrl_actor(), &mut rng).unwrap(); // cartpole: 4 obs, 2 actions
//! let policy = Policy { actor, log_std: vec![], obs_norm: None };
//! let mut player = Player::new(rewardsmith_envs::make("cartpole").unwrap(), policy, 7, ActMode::Deterministic).unwrap();
//! while !player.step().unwrap() {
//!     let _ = player.transition(); // [state, sdk_action, next_state]: what the reward program reads
//! }
//! assert!(player.terminated() || player.truncated());
//! ```

use std::borrow::Borrow;
use std::ops::DerefMut;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use rewardsmith_envs::{Env, EnvError, EnvSpec, Space};
use serde::Serialize;

use crate::agent::{ActionKind, Policy};

/// XORed into an episode's seed to seed its stochastic actions, so their stream is not the
/// env's own (`reset(seed)` seeds the env with the seed itself).
const ACT_SEED_SALT: u64 = 0x5eed_a11c_e000_0001;

/// How a [`Player`] chooses actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActMode {
    /// The most likely action (argmax / Gaussian mean): what evaluation and demos use.
    Deterministic,
    /// Sampled from the policy's distribution with a generator seeded by the episode's seed.
    Stochastic,
}

/// A policy trained for a different observation or action space than the env's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("policy {what} is {got}, but `{env}` has {expected}; was it trained on another env?")]
pub struct PolicyMismatch {
    /// The env's versioned id.
    pub env: &'static str,
    /// `observation size` or `action space`.
    pub what: &'static str,
    pub expected: String,
    pub got: String,
}

impl ActionKind {
    /// What a policy must emit to act in `space`: a categorical over exactly `n` choices,
    /// or a Gaussian of the box's dimension.
    pub fn for_space(space: &Space) -> Self {
        match space {
            Space::Discrete { n } => ActionKind::Discrete { n: *n },
            Space::Box { low, .. } => ActionKind::Continuous { dim: low.len() },
        }
    }
}

/// Checks that `policy` reads the observation of the env `spec` describes and emits its
/// action (see [`ActionKind::for_space`]).
pub fn check_policy(policy: &Policy, spec: &EnvSpec) -> Result<(), PolicyMismatch> {
    let mismatch = |what, expected: String, got: String| PolicyMismatch { env: spec.id, what, expected, got };
    let obs = (spec.observation_space)().dim();
    if policy.actor.in_dim() != obs {
        return Err(mismatch("observation size", format!("{obs} floats"), format!("{} floats", policy.actor.in_dim())));
    }
    let describe = |k: ActionKind| match k {
        ActionKind::Discrete { n } => format!("{n} discrete actions"),
        ActionKind::Continuous { dim } => format!("{dim} continuous actions"),
    };
    let expected = ActionKind::for_space(&(spec.action_space)());
    if policy.kind() != expected {
        return Err(mismatch("action space", describe(expected), describe(policy.kind())));
    }
    Ok(())
}

/// An env driven by a policy, stepped one control step at a time.
///
/// Each [`Player::step`] acts on the current observation ([`Policy::act_deterministic`],
/// or [`Policy::act_sampled`] in [`ActMode::Stochastic`]), copies the SDK state into the
/// transition, steps the env, and copies the SDK action and the state after into the rest
/// of the transition: `[state, sdk_action, next_state]` (`EnvLayout::split_transition_mut`),
/// the floats a reward program reads. Rewards are not computed here.
///
/// `E` is how the env is held (`Box<dyn Env>` to own it, `&mut dyn Env` to borrow it) and
/// `P` how the policy is (`Policy` or `&Policy`).
pub struct Player<E = Box<dyn Env>, P = Policy> {
    env: E,
    policy: P,
    mode: ActMode,
    /// Stochastic actions' generator, seeded from the episode's seed at every reset.
    rng: ChaCha8Rng,
    seed: u64,
    obs: Vec<f32>,
    action: Vec<f32>,
    /// `state, sdk_action, next_state` of the last step; empty right after a reset.
    transition: Vec<f32>,
    terminated: bool,
    truncated: bool,
}

impl<E, T, P> std::fmt::Debug for Player<E, P>
where
    E: DerefMut<Target = T>,
    T: Env + ?Sized,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("env", &self.env.spec().id)
            .field("mode", &self.mode)
            .field("seed", &self.seed)
            .field("step", &self.env.elapsed_steps())
            .field("terminated", &self.terminated)
            .field("truncated", &self.truncated)
            .finish()
    }
}

impl<E, T, P> Player<E, P>
where
    E: DerefMut<Target = T>,
    T: Env + ?Sized,
    P: Borrow<Policy>,
{
    /// Checks `policy` against the env ([`check_policy`]) and resets the env with `seed`.
    pub fn new(mut env: E, policy: P, seed: u64, mode: ActMode) -> Result<Self, PolicyMismatch> {
        check_policy(policy.borrow(), env.spec())?;
        let action = vec![0.0; policy.borrow().action_dim()];
        let obs = env.reset(seed);
        Ok(Player {
            env,
            policy,
            mode,
            rng: ChaCha8Rng::seed_from_u64(seed ^ ACT_SEED_SALT),
            seed,
            obs,
            action,
            transition: Vec::new(),
            terminated: false,
            truncated: false,
        })
    }

    /// Starts a new episode from `seed` (the env's and the stochastic actions' seed).
    pub fn reset(&mut self, seed: u64) {
        self.seed = seed;
        self.rng = ChaCha8Rng::seed_from_u64(seed ^ ACT_SEED_SALT);
        self.obs = self.env.reset(seed);
        self.action.fill(0.0);
        self.transition.clear();
        self.terminated = false;
        self.truncated = false;
    }

    /// One control step; `Ok(true)` when the episode ended with it (terminated or
    /// truncated). After the end, an error until [`Player::reset`]; after an env error the
    /// transition is empty.
    pub fn step(&mut self) -> Result<bool, EnvError> {
        let env = &mut *self.env;
        if self.terminated || self.truncated {
            return Err(EnvError::NeedsReset { env: env.spec().id, why: "the episode has ended" });
        }
        let policy = self.policy.borrow();
        match self.mode {
            ActMode::Deterministic => policy.act_deterministic(&self.obs, &mut self.action),
            ActMode::Stochastic => policy.act_sampled(&self.obs, &mut self.rng, &mut self.action),
        }
        self.transition.resize(env.layout().transition_len(), 0.0);
        let step = match env.step_recorded(&self.action, &mut self.transition) {
            Ok(step) => step,
            Err(e) => {
                self.transition.clear();
                return Err(e);
            }
        };
        self.obs = step.obs;
        self.terminated = step.terminated;
        self.truncated = step.truncated;
        Ok(self.done())
    }

    /// The env (its state, spec, snapshot, ...).
    pub fn env(&self) -> &T {
        &self.env
    }

    pub fn policy(&self) -> &Policy {
        self.policy.borrow()
    }

    pub fn mode(&self) -> ActMode {
        self.mode
    }

    /// The seed of the current episode.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The policy observation now (raw, unnormalised: what the next action is computed from).
    pub fn obs(&self) -> &[f32] {
        &self.obs
    }

    /// The action of the last step (policy output: an index for discrete envs); zeros after
    /// a reset.
    pub fn action(&self) -> &[f32] {
        &self.action
    }

    /// The last step's transition, `2 × state_len + action_len` floats; empty after a reset.
    pub fn transition(&self) -> &[f32] {
        &self.transition
    }

    /// The episode ended in a terminal state.
    pub fn terminated(&self) -> bool {
        self.terminated
    }

    /// The time limit ended the episode.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Whether the episode has ended.
    pub fn done(&self) -> bool {
        self.terminated || self.truncated
    }

    /// The episode's task fitness so far (final once [`Player::done`]).
    pub fn fitness(&self) -> f32 {
        self.env.fitness()
    }

    /// Steps taken in this episode.
    pub fn step_count(&self) -> u32 {
        self.env.elapsed_steps()
    }
}
