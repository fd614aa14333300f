//! The public env API (Gymnasium's semantics) and the wrapper that gives every task the
//! same action checks, time limit, fitness and bookkeeping.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rewardsmith_guest::envs::EnvLayout;

use crate::error::EnvError;
use crate::snapshot::Snapshot;
use crate::space::Space;
use crate::spec::{EnvSpec, FitnessKind};
use crate::task::Task;

/// What `step` returns. There is no reward: rewards come from sandboxed reward programs
/// that read [`Env::state`] (see the host's trainer).
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The policy observation after the step.
    pub obs: Vec<f32>,
    /// The episode reached a terminal state (Gymnasium's `terminated`).
    pub terminated: bool,
    /// The time limit ended the episode (Gymnasium's `truncated`).
    pub truncated: bool,
    /// The episode's task fitness so far (final once `terminated || truncated`).
    pub fitness: f32,
}

/// An environment: reset with a seed, step with actions, read the rich state.
pub trait Env: Send {
    /// The registry entry.
    fn spec(&self) -> &'static EnvSpec;
    /// The SDK layout of the state and action that rewards read.
    fn layout(&self) -> &'static EnvLayout;
    /// Starts an episode; the env's randomness comes only from `seed`.
    fn reset(&mut self, seed: u64) -> Vec<f32>;
    /// Applies `action` for one control step. Out-of-bounds continuous components are
    /// clipped to the action space; wrong length, NaN/∞ or a bad discrete index is an error
    /// and leaves the world untouched.
    fn step(&mut self, action: &[f32]) -> Result<Step, EnvError>;
    /// The current SDK `State` floats (what reward programs read).
    fn state(&self) -> &[f32];
    /// The SDK `Action` floats of the last step (zero after reset).
    fn sdk_action(&self) -> &[f32];
    /// The current policy observation.
    fn observation(&self) -> &[f32];
    /// The episode's task fitness so far.
    fn fitness(&self) -> f32;
    /// Steps taken in this episode.
    fn elapsed_steps(&self) -> u32;
    /// Every body's pose and shape.
    fn snapshot(&self) -> Snapshot;

    /// [`Env::step`] that also records the step as the reward ABI's transition in
    /// `transition` (`layout().transition_len()` floats): `[state before, SDK action, state
    /// after]`. The one place a transition is recorded (vector env, play loop, Python).
    /// After an error only the state part has been written.
    fn step_recorded(&mut self, action: &[f32], transition: &mut [f32]) -> Result<Step, EnvError> {
        let layout = self.layout();
        layout.split_transition_mut(transition).0.copy_from_slice(self.state());
        let step = self.step(action)?;
        let (_, sdk_action, next) = layout.split_transition_mut(transition);
        sdk_action.copy_from_slice(self.sdk_action());
        next.copy_from_slice(self.state());
        Ok(step)
    }
}

/// A [`Task`] with the shared rules applied: action validation and clipping, the time
/// limit (`max_episode_steps`), fitness accounting, the previous action. The one place
/// these rules live.
#[derive(Debug)]
pub struct TimeLimited<T: Task> {
    task: T,
    layout: &'static EnvLayout,
    rng: ChaCha8Rng,
    state: Vec<f32>,
    obs: Vec<f32>,
    sdk_action: Vec<f32>,
    clipped: Vec<f32>,
    steps: u32,
    good_steps: u32,
    last_signal: f32,
    done: bool,
    started: bool,
}

impl<T: Task> TimeLimited<T> {
    /// Wraps `task`.
    pub fn new(task: T) -> Self {
        let spec = task.spec();
        let layout =
            rewardsmith_guest::envs::find(spec.reward_env).expect("every env's reward layout exists in the SDK");
        let obs_dim = (spec.observation_space)().dim();
        TimeLimited {
            task,
            layout,
            rng: ChaCha8Rng::seed_from_u64(0),
            state: vec![0.0; layout.state_len],
            obs: vec![0.0; obs_dim],
            sdk_action: vec![0.0; layout.action_len],
            clipped: Vec::new(),
            steps: 0,
            good_steps: 0,
            last_signal: 0.0,
            done: false,
            started: false,
        }
    }

    fn refresh(&mut self) {
        let spec = self.task.spec();
        let time = self.steps as f32 * spec.control_dt;
        self.task.write_state(time, &self.sdk_action, &mut self.state);
        self.task.write_observation(&self.state, &mut self.obs);
    }

    fn validate(&mut self, action: &[f32]) -> Result<(), EnvError> {
        let spec = self.task.spec();
        let space = (spec.action_space)();
        if action.len() != space.dim() {
            return Err(EnvError::ActionLength { env: spec.id, expected: space.dim(), got: action.len() });
        }
        if let Some((index, &value)) = action.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(EnvError::NonFiniteAction { index, value });
        }
        self.clipped.clear();
        match space {
            Space::Discrete { n } => {
                if !space.contains(action) {
                    return Err(EnvError::DiscreteOutOfRange { env: spec.id, value: action[0], n });
                }
                self.clipped.push(action[0]);
            }
            Space::Box { low, high } => {
                self.clipped.extend(action.iter().zip(low.iter().zip(&high)).map(|(v, (l, h))| v.clamp(*l, *h)));
            }
        }
        Ok(())
    }
}

impl<T: Task> Env for TimeLimited<T> {
    fn spec(&self) -> &'static EnvSpec {
        self.task.spec()
    }

    fn layout(&self) -> &'static EnvLayout {
        self.layout
    }

    fn reset(&mut self, seed: u64) -> Vec<f32> {
        self.rng = ChaCha8Rng::seed_from_u64(seed);
        self.task.reset(&mut self.rng);
        self.steps = 0;
        self.good_steps = 0;
        self.done = false;
        self.started = true;
        self.sdk_action.iter_mut().for_each(|v| *v = 0.0);
        self.refresh();
        self.last_signal = self.task.fitness_signal(&self.state);
        self.obs.clone()
    }

    fn step(&mut self, action: &[f32]) -> Result<Step, EnvError> {
        let id = self.task.spec().id;
        if !self.started {
            return Err(EnvError::NeedsReset { env: id, why: "step was called before reset" });
        }
        if self.done {
            return Err(EnvError::NeedsReset { env: id, why: "the episode has ended" });
        }
        self.validate(action)?;
        self.task.to_sdk_action(&self.clipped, &mut self.sdk_action);
        self.task.advance(&self.sdk_action);
        self.steps += 1;
        self.refresh();
        self.last_signal = self.task.fitness_signal(&self.state);
        if self.last_signal >= 0.5 {
            self.good_steps += 1;
        }
        let terminated = self.task.terminated(&self.state);
        let truncated = !terminated && self.steps >= self.task.spec().max_episode_steps;
        self.done = terminated || truncated;
        Ok(Step { obs: self.obs.clone(), terminated, truncated, fitness: self.fitness() })
    }

    fn state(&self) -> &[f32] {
        &self.state
    }

    fn sdk_action(&self) -> &[f32] {
        &self.sdk_action
    }

    fn observation(&self) -> &[f32] {
        &self.obs
    }

    fn fitness(&self) -> f32 {
        let spec = self.task.spec();
        match spec.fitness {
            FitnessKind::FractionOfSteps => self.good_steps as f32 / spec.max_episode_steps as f32,
            FitnessKind::SuccessAtEnd | FitnessKind::ProgressAtEnd => self.last_signal,
        }
    }

    fn elapsed_steps(&self) -> u32 {
        self.steps
    }

    fn snapshot(&self) -> crate::Snapshot {
        self.task.snapshot()
    }
}
