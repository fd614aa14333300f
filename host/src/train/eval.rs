//! Running a saved policy: evaluation over seeded episodes, and step-by-step rollouts for
//! replay (render snapshots, actions, rewards and terms). The rollout is the native
//! reference that browser replays must match step for step.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rewardsmith_envs::policy::Policy;
use rewardsmith_envs::{Env, Snapshot, registry};
use serde::Serialize;

use super::error::TrainError;
use super::result::MeanStd;
use crate::sandbox::{RewardInstance, RewardModule, Sandbox};

/// How actions are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActMode {
    /// The most likely action (argmax / Gaussian mean): what evaluation and demos use.
    Deterministic,
    /// Sampled from the policy's distribution with a seeded generator.
    Stochastic,
}

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

/// Plays one episode of `env` from `seed`, calling `each` after every step with the
/// transition, the action and the env.
fn play(
    policy: &Policy,
    env: &mut dyn Env,
    seed: u64,
    mode: ActMode,
    reward: &mut RewardInstance,
    mut each: impl FnMut(&[f32], &[f32], f32, &[f32], &dyn Env),
) -> Result<Episode, TrainError> {
    let layout = env.layout();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_a11c_e000_0001);
    let mut obs = env.reset(seed);
    let mut action = vec![0.0; policy.action_dim()];
    let mut tr = vec![0.0; layout.transition_len()];
    let mut ret = 0.0;
    loop {
        match mode {
            ActMode::Deterministic => policy.act_deterministic(&obs, &mut action),
            ActMode::Stochastic => policy.act_sampled(&obs, &mut rng, &mut action),
        }
        layout.split_transition_mut(&mut tr).0.copy_from_slice(env.state());
        let before = obs.clone();
        let step = env.step(&action)?;
        let (_, sdk_action, next) = layout.split_transition_mut(&mut tr);
        sdk_action.copy_from_slice(env.sdk_action());
        next.copy_from_slice(env.state());
        let r = reward.run_batch(&tr).map_err(|e| reward_error(e, u64::from(env.elapsed_steps())))?;
        let total = r.totals[0];
        let terms = r.terms.to_vec();
        ret += f64::from(total);
        each(&before, &action, total, &terms, &*env);
        if step.terminated || step.truncated {
            return Ok(Episode {
                seed,
                fitness: f64::from(step.fitness),
                episodic_return: ret,
                length: env.elapsed_steps(),
                truncated: step.truncated,
            });
        }
        obs = step.obs;
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
