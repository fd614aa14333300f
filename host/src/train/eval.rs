//! Running a saved policy: evaluation over seeded episodes, and step-by-step rollouts for
//! replay (render snapshots, actions, rewards and terms). The rollout is the native
//! reference that browser replays must match step for step.

use rewardsmith_envs::{Env, Snapshot, registry};
pub use rewardsmith_policy::ActMode;
use rewardsmith_policy::{Player, Policy};
use serde::Serialize;

use super::error::TrainError;
use super::result::MeanStd;
use crate::sandbox::{RewardInstance, RewardModule, Sandbox};

/// One evaluated episode.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Episode {
    pub seed: u64,
    pub fitness: f64,
    /// Sum of the reward program's totals.
    pub episodic_return: f64,
    pub length: u32,
    /// Ended by the time limit (rather than a terminal state).
    pub truncated: bool,
}

/// What `rewardsmith eval` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalReport {
    pub env: String,
    pub mode: ActMode,
    pub fitness: MeanStd,
    pub episodic_return: MeanStd,
    pub episode_length: MeanStd,
    /// Episodes at or above the env's solved fitness, as a fraction.
    pub solved_fraction: f64,
    pub solved_fitness: f64,
    pub episodes: Vec<Episode>,
}

/// One step of a rollout.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Frame {
    /// Step index within the episode (0 = the first action).
    pub t: u32,
    /// The policy's observation before acting (raw, unnormalised).
    pub obs: Vec<f32>,
    /// The action given to the env.
    pub action: Vec<f32>,
    /// The reward program's total for this transition, and its terms (`term_names` order).
    pub reward: f32,
    pub terms: Vec<f32>,
    /// The bodies after the step.
    pub snapshot: Snapshot,
}

/// A recorded episode, for replay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Replay {
    pub env: String,
    pub seed: u64,
    pub mode: ActMode,
    /// Seconds per step.
    pub control_dt: f32,
    pub term_names: Vec<String>,
    /// The bodies right after reset.
    pub initial: Snapshot,
    pub frames: Vec<Frame>,
    pub fitness: f64,
    pub episodic_return: f64,
}

fn reward_error(error: crate::sandbox::RewardError, step: u64) -> TrainError {
    TrainError::Reward { error, step, state: None }
}

/// Plays one episode of `env` from `seed` with the shared [`Player`] loop (the one the
/// browser runs), calling `each` after every step with the observation acted on, the
/// action, the reward's total and terms, and the env.
fn play(
    policy: &Policy,
    env: &mut dyn Env,
    seed: u64,
    mode: ActMode,
    reward: &mut RewardInstance,
    mut each: impl FnMut(&[f32], &[f32], f32, &[f32], &dyn Env),
) -> Result<Episode, TrainError> {
    let mut player = Player::new(env, policy, seed, mode)?;
    let mut ret = 0.0;
    loop {
        let before = player.obs().to_vec();
        let ended = player.step()?;
        let r = reward.run_batch(player.transition()).map_err(|e| reward_error(e, u64::from(player.step_count())))?;
        let total = r.totals[0];
        ret += f64::from(total);
        each(&before, player.action(), total, r.terms, player.env());
        if ended {
            return Ok(Episode {
                seed,
                fitness: f64::from(player.fitness()),
                episodic_return: ret,
                length: player.step_count(),
                truncated: player.truncated(),
            });
        }
    }
}

/// Seed of evaluation episode `k` (evaluation seeds are disjoint from nothing in training
/// on purpose: they are just `seed + k`, easy to reproduce one by one).
fn episode_seed(seed: u64, k: u64) -> u64 {
    seed.wrapping_add(k)
}

/// Evaluates `policy` on `episodes` episodes of `env_id` seeded `seed, seed+1, ...`.
pub fn evaluate(
    policy: &Policy,
    env_id: &str,
    sandbox: &Sandbox,
    module: &RewardModule,
    episodes: u32,
    seed: u64,
    mode: ActMode,
) -> Result<EvalReport, TrainError> {
    let reg = registry::find(env_id)?;
    let mut reward = sandbox.instantiate(module, reg.spec.reward_env).map_err(|e| reward_error(e, 0))?;
    let mut env = reg.make();
    let mut eps = Vec::new();
    for k in 0..u64::from(episodes.max(1)) {
        eps.push(play(policy, env.as_mut(), episode_seed(seed, k), mode, &mut reward, |_, _, _, _, _| {})?);
    }
    let col = |f: fn(&Episode) -> f64| eps.iter().map(f).collect::<Vec<f64>>();
    let solved: f64 = reg.spec.solved_fitness.to_string().parse().unwrap_or(0.0);
    Ok(EvalReport {
        env: reg.spec.id.to_owned(),
        mode,
        fitness: MeanStd::of(&col(|e| e.fitness)).expect("at least one episode"),
        episodic_return: MeanStd::of(&col(|e| e.episodic_return)).expect("at least one episode"),
        episode_length: MeanStd::of(&col(|e| f64::from(e.length))).expect("at least one episode"),
        solved_fraction: eps.iter().filter(|e| e.fitness >= solved).count() as f64 / eps.len() as f64,
        solved_fitness: solved,
        episodes: eps,
    })
}

/// Records one episode of `policy` on `env_id` from `seed`, every step.
pub fn rollout(
    policy: &Policy,
    env_id: &str,
    sandbox: &Sandbox,
    module: &RewardModule,
    seed: u64,
    mode: ActMode,
) -> Result<Replay, TrainError> {
    let reg = registry::find(env_id)?;
    let mut reward = sandbox.instantiate(module, reg.spec.reward_env).map_err(|e| reward_error(e, 0))?;
    let mut env = reg.make();
    env.reset(seed);
    let initial = env.snapshot();
    let mut frames = Vec::new();
    let ep = play(policy, env.as_mut(), seed, mode, &mut reward, |obs, action, r, terms, env| {
        frames.push(Frame {
            t: env.elapsed_steps() - 1,
            obs: obs.to_vec(),
            action: action.to_vec(),
            reward: r,
            terms: terms.to_vec(),
            snapshot: env.snapshot(),
        });
    })?;
    Ok(Replay {
        env: reg.spec.id.to_owned(),
        seed,
        mode,
        control_dt: reg.spec.control_dt,
        term_names: reward.term_names().to_vec(),
        initial,
        frames,
        fitness: ep.fitness,
        episodic_return: ep.episodic_return,
    })
}
