//! Proximal Policy Optimization in one file, after CleanRL's `ppo.py` and
//! `ppo_continuous_action.py`, with every reward computed by a sandboxed reward program.
//!
//! One iteration: step the vector env `num_steps` times (each step: normalise observations,
//! act, step every env in parallel, one batched sandbox call for all N rewards and their
//! terms), then GAE, then `update_epochs` passes of minibatch Adam steps on the clipped
//! surrogate + value loss − entropy bonus.
//!
//! CleanRL details kept: orthogonal init (√2 hidden, 0.01 policy head, 1 value head),
//! separate actor and critic nets, Adam ε = 1e-5, linear learning-rate annealing, GAE,
//! per-minibatch advantage normalisation, clipped value loss, global gradient-norm
//! clipping, the approx-KL estimator `(r − 1) − log r` with optional early stop, running
//! observation normalisation clipped to ±10 and return-based reward scaling clipped to ±10,
//! a state-independent log-std. One change: time-limit truncations bootstrap from the
//! critic (as SB3 does), because the time limit is not part of the task.
//!
//! Determinism: one ChaCha8 stream seeds the nets, then samples actions and shuffles
//! minibatches; every episode is seeded from `(seed, env, episode)`; gradients are summed
//! over fixed 64-sample chunks in order. So a seed gives the same bits whatever the thread
//! count.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::ThreadPool;
use rayon::prelude::*;
use rewardsmith_envs::{Space, VecEnv, registry};
use rewardsmith_policy::{
    ActionKind, Activations, Adam, Init, Mlp, Policy, RunningMeanStd, categorical_entropy_grad, categorical_log_prob,
    categorical_log_prob_grad, categorical_sample, clip_grad_norm, diag_gaussian_entropy, diag_gaussian_log_prob,
    diag_gaussian_log_prob_grad, diag_gaussian_sample,
};

use super::best::{self, Best, BestInfo};
use super::config::{PpoConfig, TrainConfig};
use super::error::TrainError;
use super::metrics::{self as m, Record};
use super::result::{self, MeanStd, StopReason, TrainResult};
use crate::sandbox::{RewardError, RewardModule, Sandbox};
use crate::transitions::describe_state;

/// Gradients are computed over chunks of this many samples in parallel and summed in order.
const CHUNK: usize = 64;
/// Observations and scaled rewards are clipped to ±this (Gymnasium's wrappers).
const CLIP: f32 = 10.0;

/// Callbacks and cancellation for a training run.
#[derive(Default)]
pub struct Hooks<'a> {
    /// Called after every iteration with its metrics.
    pub on_iteration: Option<&'a mut (dyn FnMut(&Record) + Send)>,
    /// Set to stop after the current iteration, keeping what was learned.
    pub cancel: Option<&'a AtomicBool>,
}

impl std::fmt::Debug for Hooks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks").field("cancel", &self.cancel).finish_non_exhaustive()
    }
}

/// A trained agent with everything recorded on the way.
#[derive(Debug)]
pub struct Trained {
    /// What acts: actor, log-std, observation statistics.
    pub policy: Policy,
    pub critic: Mlp,
    /// One record per iteration.
    pub records: Vec<Record>,
    /// The reward's term names, in its order.
    pub term_names: Vec<String>,
    pub result: TrainResult,
    /// The policy with the best held-out fitness (`None` with `best_episodes` 0).
    pub best: Option<Best>,
}

/// Trains a policy on `cfg.env` with the reward `module`, on `pool`'s threads only (the
/// whole run executes inside the pool, so trainings sharing a pool share its threads).
pub fn train(
    cfg: &TrainConfig,
    sandbox: &Sandbox,
    module: &RewardModule,
    pool: &Arc<ThreadPool>,
    hooks: Hooks<'_>,
) -> Result<Trained, TrainError> {
    pool.install(|| Run::new(cfg, sandbox, module, pool)?.train(hooks))
}

/// The rollout of one iteration, `[num_steps, num_envs, ...]` row-major.
struct Rollout {
    obs: Vec<f32>,
    actions: Vec<f32>,
    logprobs: Vec<f32>,
    rewards: Vec<f32>,
    ended: Vec<bool>,
    values: Vec<f32>,
    advantages: Vec<f32>,
    returns: Vec<f32>,
}

/// Episode and term bookkeeping for one iteration.
#[derive(Default)]
struct IterStats {
    returns: Vec<f64>,
    fitness: Vec<f64>,
    lengths: Vec<f64>,
    term_sums: Vec<f64>,
    reward_sum: f64,
    transitions: u64,
}

/// Losses and diagnostics summed over an update's minibatches.
#[derive(Default, Clone, Copy)]
struct Losses {
    pg: f64,
    v: f64,
    entropy: f64,
    old_kl: f64,
    kl: f64,
    clipfrac: f64,
    samples: f64,
}

impl Losses {
    fn add(&mut self, o: &Losses) {
        self.pg += o.pg;
        self.v += o.v;
        self.entropy += o.entropy;
        self.old_kl += o.old_kl;
        self.kl += o.kl;
        self.clipfrac += o.clipfrac;
        self.samples += o.samples;
    }
}

#[derive(Default)]
struct Timers {
    env: Duration,
    reward: Duration,
    /// Policy and value forward passes and action sampling.
    act: Duration,
    /// Per-step bookkeeping between the reward and the next action: learner reward
    /// scaling, the time-limit bootstrap, episode ends, observation normalisation.
    bookkeeping: Duration,
    update: Duration,
}

struct Run<'a> {
    cfg: &'a TrainConfig,
    sandbox: &'a Sandbox,
    module: &'a RewardModule,
    kind: ActionKind,
    obs_dim: usize,
    act_dim: usize,
    solved: f64,
    vec: VecEnv,
    actor: Mlp,
    critic: Mlp,
    log_std: Vec<f32>,
    adam: [Adam; 3],
    rng: ChaCha8Rng,
    obs_rms: RunningMeanStd,
    ret_rms: RunningMeanStd,
    /// Discounted return per env, for reward scaling.
    disc_ret: Vec<f64>,
    /// Undiscounted return per env of the running episode (reported).
    ep_ret: Vec<f64>,
    term_names: Vec<String>,
    window: std::collections::VecDeque<f64>,
    /// (global step at end, fitness, length, return) of every finished episode.
    episodes: Vec<(u64, f64, f64, f64)>,
    timers: Timers,
    reward_ns_sum: f64,
}

impl<'a> Run<'a> {
    fn new(
        cfg: &'a TrainConfig,
        sandbox: &'a Sandbox,
        module: &'a RewardModule,
        pool: &Arc<ThreadPool>,
    ) -> Result<Self, TrainError> {
        let p = &cfg.ppo;
        p.validate()?;
        let reg = registry::find(&cfg.env)?;
        let spec = reg.spec;
        let (kind, out_dim, act_dim) = match (spec.action_space)() {
            Space::Discrete { n } => (ActionKind::Discrete { n }, n, 1),
            Space::Box { low, .. } => (ActionKind::Continuous { dim: low.len() }, low.len(), low.len()),
        };
        let obs_dim = (spec.observation_space)().dim();
        // Instantiating once checks the module against the env before any work.
        sandbox.instantiate(module, spec.reward_env).map_err(|error| TrainError::Reward {
            error,
            step: 0,
            state: None,
        })?;
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let sizes = |out| [&[obs_dim][..], &p.hidden, &[out]].concat();
        let actor = Mlp::new(&sizes(out_dim), Init::cleanrl_actor(), &mut rng)?;
        let critic = Mlp::new(&sizes(1), Init::cleanrl_critic(), &mut rng)?;
        let log_std = match kind {
            ActionKind::Continuous { dim } => vec![p.init_log_std; dim],
            ActionKind::Discrete { .. } => Vec::new(),
        };
        let adam = [Adam::new(actor.num_params()), Adam::new(critic.num_params()), Adam::new(log_std.len())];
        let vec = VecEnv::on_pool(spec.id, p.num_envs, pool.clone(), cfg.seed)?;
        Ok(Self {
            cfg,
            sandbox,
            module,
            kind,
            obs_dim,
            act_dim,
            solved: decimal(spec.solved_fitness),
            vec,
            actor,
            critic,
            log_std,
            adam,
            rng,
            obs_rms: RunningMeanStd::new(obs_dim),
            ret_rms: RunningMeanStd::new(1),
            disc_ret: vec![0.0; p.num_envs],
            ep_ret: vec![0.0; p.num_envs],
            term_names: Vec::new(),
            window: std::collections::VecDeque::with_capacity(100),
            episodes: Vec::new(),
            timers: Timers::default(),
            reward_ns_sum: 0.0,
        })
    }

    /// Raw observations → what the nets see.
    fn normalise(&mut self, raw: &[f32], update: bool) -> Vec<f32> {
        if !self.cfg.ppo.norm_obs {
            return raw.to_vec();
        }
        if update {
            self.obs_rms.update(raw);
        }
        let mut out = vec![0.0; raw.len()];
        self.obs_rms.freeze(CLIP).apply(raw, &mut out);
        out
    }

    fn policy(&self) -> Policy {
        Policy {
            actor: self.actor.clone(),
            log_std: self.log_std.clone(),
            obs_norm: self.cfg.ppo.norm_obs.then(|| self.obs_rms.freeze(CLIP)),
        }
    }

    fn train(mut self, hooks: Hooks<'_>) -> Result<Trained, TrainError> {
        let Hooks { mut on_iteration, cancel } = hooks;
        let p = self.cfg.ppo.clone();
        let (n, t_len) = (p.num_envs, p.num_steps);
        let b = n * t_len;
        let mut ro = Rollout {
            obs: vec![0.0; b * self.obs_dim],
            actions: vec![0.0; b * self.act_dim],
            logprobs: vec![0.0; b],
            rewards: vec![0.0; b],
            ended: vec![false; b],
            values: vec![0.0; b],
            advantages: vec![0.0; b],
            returns: vec![0.0; b],
        };
        let mut reward = self
            .sandbox
            .instantiate(self.module, self.vec.envs()[0].spec().reward_env)
            .map_err(|error| TrainError::Reward { error, step: 0, state: None })?;
        let start = Instant::now();
        let iterations = p.num_iterations();
        let mut records = Vec::new();
        let mut next_obs = {
            let raw = self.vec.observations().to_vec();
            self.normalise(&raw, true)
        };
        let mut stop = StopReason::Completed;
        let mut global_step = 0u64;
        let mut solved_at = None;
        let (mut acts_a, mut acts_c) = (Activations::default(), Activations::default());
        let out_dim = self.actor.out_dim();
        let eval_at = result::checkpoint_indices(iterations as usize, self.cfg.checkpoints);
        let mut best = None;
        for iteration in 0..iterations {
            let frac = 1.0 - iteration as f64 / iterations as f64;
            let lr = if p.anneal_lr { (frac * f64::from(p.learning_rate)) as f32 } else { p.learning_rate };
            let mut st = IterStats::default();
            for step in 0..t_len {
                let row = step * n;
                // Act.
                let t = Instant::now();
                ro.obs[row * self.obs_dim..(row + n) * self.obs_dim].copy_from_slice(&next_obs);
                let out = self.actor.forward_batch(&next_obs, &mut acts_a).to_vec();
                let values = self.critic.forward_batch(&next_obs, &mut acts_c);
                ro.values[row..row + n].copy_from_slice(values);
                let mut actions = vec![0.0; n * self.act_dim];
                for i in 0..n {
                    let o = &out[i * out_dim..(i + 1) * out_dim];
                    let a = &mut actions[i * self.act_dim..(i + 1) * self.act_dim];
                    ro.logprobs[row + i] = match self.kind {
                        ActionKind::Discrete { .. } => {
                            let k = categorical_sample(o, &mut self.rng);
                            a[0] = k as f32;
                            categorical_log_prob(o, k)
                        }
                        ActionKind::Continuous { .. } => {
                            diag_gaussian_sample(o, &self.log_std, &mut self.rng, a);
                            diag_gaussian_log_prob(o, &self.log_std, a)
                        }
                    };
                }
                ro.actions[row * self.act_dim..(row + n) * self.act_dim].copy_from_slice(&actions);
                self.timers.act += t.elapsed();
                // Step every env.
                let t = Instant::now();
                self.vec.step(&actions)?;
                self.timers.env += t.elapsed();
                global_step += n as u64;
                // One batched reward call.
                let t = Instant::now();
                let trs = self.vec.transitions();
                let res = reward.run_batch_with(n, |buf| buf.copy_from_slice(trs));
                let res = match res {
                    Ok(r) => r,
                    Err(error) => return Err(self.reward_failure(error, global_step)),
                };
                let elapsed = t.elapsed();
                self.timers.reward += elapsed;
                self.reward_ns_sum += elapsed.as_nanos() as f64;
                if self.term_names.len() != res.names.len() {
                    self.term_names = res.names.to_vec();
                }
                st.term_sums.resize(res.names.len(), 0.0);
                let width = res.names.len();
                for i in 0..n {
                    let r = res.totals[i];
                    st.reward_sum += f64::from(r);
                    for k in 0..width {
                        st.term_sums[k] += f64::from(res.terms[i * width + k]);
                    }
                    self.ep_ret[i] += f64::from(r);
                    ro.rewards[row + i] = r;
                }
                st.transitions += n as u64;
                let t = Instant::now();
                self.learner_rewards(&mut ro.rewards[row..row + n]);
                // Episodes that ended: bookkeeping and the time-limit bootstrap.
                ro.ended[row..row + n].copy_from_slice(self.vec.done());
                let ends = self.vec.episode_ends().to_vec();
                let truncated: Vec<usize> = ends.iter().filter(|e| e.truncated).map(|e| e.env).collect();
                if p.bootstrap_truncated && !truncated.is_empty() {
                    let fin = self.vec.final_observations();
                    let rows: Vec<f32> = truncated
                        .iter()
                        .flat_map(|&i| fin[i * self.obs_dim..(i + 1) * self.obs_dim].iter().copied())
                        .collect();
                    let z = self.normalise(&rows, false);
                    let v = self.critic.forward_batch(&z, &mut acts_c);
                    for (k, &i) in truncated.iter().enumerate() {
                        ro.rewards[row + i] += p.gamma * v[k];
                    }
                }
                for e in &ends {
                    let ret = std::mem::take(&mut self.ep_ret[e.env]);
                    self.disc_ret[e.env] = 0.0;
                    st.returns.push(ret);
                    st.fitness.push(f64::from(e.fitness));
                    st.lengths.push(f64::from(e.length));
                    self.episodes.push((global_step, f64::from(e.fitness), f64::from(e.length), ret));
                    if self.window.len() == 100 {
                        self.window.pop_front();
                    }
                    self.window.push_back(f64::from(e.fitness));
                }
                let raw = self.vec.observations().to_vec();
                next_obs = self.normalise(&raw, true);
                self.timers.bookkeeping += t.elapsed();
            }
            let fitness_100 = (self.window.len() == 100).then(|| self.window.iter().sum::<f64>() / 100.0);
            if solved_at.is_none() && fitness_100.is_some_and(|f| f >= self.solved) {
                solved_at = Some((global_step, start.elapsed().as_secs_f64()));
            }

            // Advantages.
            let t = Instant::now();
            let last_values = self.critic.forward_batch(&next_obs, &mut acts_c).to_vec();
            gae(&mut ro, &last_values, n, p.gamma, p.gae_lambda);
            // Update.
            let (losses, grad_norm) = self.update(&ro, lr, global_step)?;
            self.timers.update += t.elapsed();
            if !losses.pg.is_finite() || !losses.v.is_finite() {
                return Err(TrainError::Diverged { step: global_step, what: "the loss" });
            }
            let ev = explained_variance(&ro.values, &ro.returns);
            let stop_now = || {
                if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                    Some(StopReason::Cancelled)
                } else if self.cfg.time_limit.is_some_and(|l| start.elapsed() >= l) {
                    Some(StopReason::TimeLimit)
                } else {
                    None
                }
            };
            let stopping = stop_now();
            // The best checkpoint: held-out episodes at the evenly spaced iterations and at
            // the last one, however training stops.
            let mut evaluate = |policy: Policy| -> Result<f64, TrainError> {
                let fitness = best::held_out_fitness(&policy, &self.cfg.env, self.cfg.best_episodes)?;
                let info = BestInfo { iteration, step: global_step, fitness, seed: best::HELD_OUT_SEED };
                best::keep_if_better(&mut best, || policy, info);
                Ok(fitness.mean)
            };
            let keeps_best = self.cfg.best_episodes > 0;
            let eval_fitness = if keeps_best
                && (eval_at.contains(&(iteration as usize)) || stopping.is_some() || iteration + 1 == iterations)
            {
                Some(evaluate(self.policy())?)
            } else {
                None
            };
            let wall = start.elapsed().as_secs_f64();
            let mut rec = self.record(iteration, global_step, wall, &st, fitness_100, lr, &losses, grad_norm, ev);
            rec.values.insert(3, (m::EVAL_FITNESS.into(), eval_fitness));
            if let Some(cb) = on_iteration.as_mut() {
                cb(&rec);
            }
            records.push(rec);
            // A stop asked for during the callback (or the time limit reached meanwhile) ends
            // training now too; the last policy is still evaluated (the callback has seen
            // this iteration's record without it).
            if let Some(reason) = stopping.or_else(stop_now) {
                if keeps_best && eval_fitness.is_none() {
                    let f = evaluate(self.policy())?;
                    if let Some(last) = records.last_mut() {
                        last.values[3].1 = Some(f);
                    }
                }
                stop = reason;
                break;
            }
        }
        let wall = start.elapsed().as_secs_f64();
        let mut result = self.result(&records, stop, global_step, wall, solved_at);
        result.best = best.as_ref().map(|b: &Best| b.info.clone());
        Ok(Trained {
            policy: self.policy(),
            critic: self.critic.clone(),
            records,
            term_names: self.term_names.clone(),
            result,
            best,
        })
    }

    /// Scales rewards by the running std of the discounted return (Gymnasium's
    /// `NormalizeReward`), in place. Uses `done` from the previous step via `disc_ret`'s
    /// reset at episode ends.
    fn learner_rewards(&mut self, rewards: &mut [f32]) {
        if !self.cfg.ppo.norm_reward {
            return;
        }
        let gamma = f64::from(self.cfg.ppo.gamma);
        let rets: Vec<f32> = self
            .disc_ret
            .iter_mut()
            .zip(rewards.iter())
            .map(|(g, &r)| {
                *g = *g * gamma + f64::from(r);
                *g as f32
            })
            .collect();
        self.ret_rms.update(&rets);
        let var = self.ret_rms.freeze(CLIP).var[0];
        let scale = libm::sqrtf(var + 1e-8);
        for r in rewards {
            *r = (*r / scale).clamp(-CLIP, CLIP);
        }
    }

    /// The typed error for a failed reward batch, naming the transition that fails.
    fn reward_failure(&self, error: RewardError, step: u64) -> TrainError {
        let layout = self.vec.envs()[0].layout();
        let stride = layout.transition_len();
        let trs = self.vec.transitions();
        let index = match &error {
            RewardError::NonFinite { transition, .. } => Some(*transition),
            // A trap does not say which transition: rerun them one by one on fresh instances.
            _ => (0..trs.len() / stride).find(|&i| {
                self.sandbox
                    .instantiate(self.module, layout.id)
                    .and_then(|mut inst| inst.run_batch(&trs[i * stride..(i + 1) * stride]).map(|_| ()))
                    .is_err()
            }),
        };
        let state = index.map(|i| {
            let (_, action, next) = layout.split_transition(&trs[i * stride..(i + 1) * stride]);
            let action: Vec<String> = action.iter().map(|a| a.to_string()).collect();
            format!("{} (env {i}; action [{}])", describe_state(layout.state_fields, next), action.join(", "))
        });
        TrainError::Reward { error, step, state }
    }

    /// `update_epochs` passes of shuffled minibatches. Returns mean losses and grad norm;
    /// `step` (env steps so far) is where a non-finite gradient is reported.
    fn update(&mut self, ro: &Rollout, lr: f32, step: u64) -> Result<(Losses, f64), TrainError> {
        let p = &self.cfg.ppo;
        let b = ro.rewards.len();
        let mb = p.minibatch_size().max(1);
        let mut inds: Vec<usize> = (0..b).collect();
        let (na, nc, ns) = (self.actor.num_params(), self.critic.num_params(), self.log_std.len());
        let mut total = Losses::default();
        let (mut norm_sum, mut steps) = (0.0f64, 0u64);
        for _ in 0..p.update_epochs {
            inds.shuffle(&mut self.rng);
            let mut last_kl = 0.0;
            for idx in inds.chunks(mb) {
                let (adv_mean, adv_std) = mean_std_unbiased(idx.iter().map(|&i| ro.advantages[i]));
                let ctx = Ctx {
                    p,
                    kind: self.kind,
                    actor: &self.actor,
                    critic: &self.critic,
                    log_std: &self.log_std,
                    obs_dim: self.obs_dim,
                    act_dim: self.act_dim,
                    ro,
                    adv_mean,
                    adv_std,
                    mb: idx.len() as f32,
                };
                let parts: Vec<(Vec<f32>, Losses)> = idx.par_chunks(CHUNK).map(|c| ctx.chunk(c)).collect();
                let mut grads = vec![0.0f32; na + nc + ns];
                let mut l = Losses::default();
                for (g, pl) in &parts {
                    grads.iter_mut().zip(g).for_each(|(a, b)| *a += b);
                    l.add(pl);
                }
                if ns > 0 {
                    // The Gaussian's entropy depends only on log_std: d(−c·H)/d log_std = −c.
                    grads[na + nc..].iter_mut().for_each(|g| *g -= p.ent_coef);
                }
                let norm = clip_grad_norm(&mut grads, p.max_grad_norm);
                if !norm.is_finite() {
                    return Err(TrainError::Diverged { step, what: "the gradient" });
                }
                norm_sum += f64::from(norm);
                steps += 1;
                let (ga, rest) = grads.split_at(na);
                let (gc, gs) = rest.split_at(nc);
                self.adam[0].step(self.actor.params_mut(), ga, lr);
                self.adam[1].step(self.critic.params_mut(), gc, lr);
                if ns > 0 {
                    self.adam[2].step(&mut self.log_std, gs, lr);
                }
                last_kl = l.kl / l.samples;
                total.add(&l);
            }
            if p.target_kl.is_some_and(|t| last_kl > f64::from(t)) {
                break;
            }
        }
        Ok((total, norm_sum / steps.max(1) as f64))
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        iteration: u64,
        global_step: u64,
        wall: f64,
        st: &IterStats,
        fitness_100: Option<f64>,
        lr: f32,
        l: &Losses,
        grad_norm: f64,
        ev: Option<f64>,
    ) -> Record {
        let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        let per = |x: f64| (st.transitions > 0).then(|| x / st.transitions as f64);
        let s = l.samples.max(1.0);
        let share = |d: Duration| Some(d.as_secs_f64() / wall.max(1e-9));
        let mut values: Vec<(String, Option<f64>)> = vec![
            (m::EPISODIC_RETURN.into(), mean(&st.returns)),
            (m::FITNESS.into(), mean(&st.fitness)),
            (m::FITNESS_100.into(), fitness_100),
            (m::EPISODE_LENGTH.into(), mean(&st.lengths)),
            (m::EPISODES.into(), Some(st.fitness.len() as f64)),
            (m::REWARD_PER_STEP.into(), per(st.reward_sum)),
            (m::LEARNING_RATE.into(), Some(f64::from(lr))),
            (m::VALUE_LOSS.into(), Some(l.v / s)),
            (m::POLICY_LOSS.into(), Some(l.pg / s)),
            (m::ENTROPY.into(), Some(l.entropy / s)),
            (m::OLD_APPROX_KL.into(), Some(l.old_kl / s)),
            (m::APPROX_KL.into(), Some(l.kl / s)),
            (m::CLIPFRAC.into(), Some(l.clipfrac / s)),
            (m::EXPLAINED_VARIANCE.into(), ev),
            (m::GRAD_NORM.into(), Some(grad_norm)),
            (m::SPS.into(), Some(global_step as f64 / wall.max(1e-9))),
            (m::REWARD_NS.into(), Some(self.reward_ns_sum / global_step.max(1) as f64)),
            (m::REWARD_SHARE.into(), share(self.timers.reward)),
            (m::ENV_SHARE.into(), share(self.timers.env)),
            (m::ACT_SHARE.into(), share(self.timers.act)),
            (m::BOOKKEEPING_SHARE.into(), share(self.timers.bookkeeping)),
            (m::UPDATE_SHARE.into(), share(self.timers.update)),
        ];
        for (k, name) in self.term_names.iter().enumerate() {
            values.push((format!("{}{name}", m::TERM_PREFIX), st.term_sums.get(k).and_then(|&x| per(x))));
        }
        Record { iteration, global_step, wall_s: wall, values }
    }

    fn result(
        &self,
        records: &[Record],
        stop: StopReason,
        steps: u64,
        wall: f64,
        solved_at: Option<(u64, f64)>,
    ) -> TrainResult {
        let cfg = self.cfg;
        let late_from = ((1.0 - f64::from(cfg.late_window.clamp(0.0, 1.0))) * steps as f64) as u64;
        let mut late: Vec<&(u64, f64, f64, f64)> = self.episodes.iter().filter(|e| e.0 >= late_from).collect();
        let min = cfg.ppo.num_envs.min(self.episodes.len());
        if late.len() < min {
            late = self.episodes[self.episodes.len() - min..].iter().collect();
        }
        let col = |f: fn(&(u64, f64, f64, f64)) -> f64| late.iter().map(|e| f(e)).collect::<Vec<f64>>();
        let (checkpoint_steps, [fitness, episode_length, episodic_return], terms) =
            result::curves(records, &self.term_names, cfg.checkpoints);
        TrainResult {
            env: cfg.env.clone(),
            seed: cfg.seed,
            stop,
            steps,
            iterations: records.len() as u64,
            wall_s: wall,
            sps: steps as f64 / wall.max(1e-9),
            final_fitness: (!self.window.is_empty())
                .then(|| self.window.iter().sum::<f64>() / self.window.len() as f64),
            late_fitness: MeanStd::of(&col(|e| e.1)),
            late_episode_length: MeanStd::of(&col(|e| e.2)),
            late_return: MeanStd::of(&col(|e| e.3)),
            solved_fitness: self.solved,
            solved_at_step: solved_at.map(|s| s.0),
            solved_at_s: solved_at.map(|s| s.1),
            episodes: self.episodes.len() as u64,
            reward_share: self.timers.reward.as_secs_f64() / wall.max(1e-9),
            reward_ns_per_transition: self.reward_ns_sum / steps.max(1) as f64,
            checkpoint_steps,
            fitness,
            episode_length,
            episodic_return,
            terms,
            best: None,
        }
    }
}

/// What a gradient chunk reads (shared by the worker threads).
struct Ctx<'r> {
    p: &'r PpoConfig,
    kind: ActionKind,
    actor: &'r Mlp,
    critic: &'r Mlp,
    log_std: &'r [f32],
    obs_dim: usize,
    act_dim: usize,
    ro: &'r Rollout,
    adv_mean: f32,
    adv_std: f32,
    /// Minibatch size (losses are means over it).
    mb: f32,
}

impl Ctx<'_> {
    /// The gradient of the minibatch loss restricted to the samples `idx`, as one flat
    /// `[actor | critic | log_std]` buffer, and the chunk's loss sums.
    fn chunk(&self, idx: &[usize]) -> (Vec<f32>, Losses) {
        let run = self;
        let p = self.p;
        let (od, ad) = (run.obs_dim, run.act_dim);
        let c = idx.len();
        let mut x = Vec::with_capacity(c * od);
        for &i in idx {
            x.extend_from_slice(&self.ro.obs[i * od..(i + 1) * od]);
        }
        let (mut acts_a, mut acts_c) = (Activations::default(), Activations::default());
        let out = run.actor.forward_batch(&x, &mut acts_a).to_vec();
        let v = run.critic.forward_batch(&x, &mut acts_c).to_vec();
        let od_out = run.actor.out_dim();
        let (na, nc, ns) = (run.actor.num_params(), run.critic.num_params(), run.log_std.len());
        let mut d_out = vec![0.0f32; c * od_out];
        let mut d_v = vec![0.0f32; c];
        let mut d_log_std = vec![0.0f32; ns];
        let mut l = Losses { samples: c as f64, ..Losses::default() };
        let inv_mb = 1.0 / self.mb;
        for (k, &i) in idx.iter().enumerate() {
            let o = &out[k * od_out..(k + 1) * od_out];
            let a = &self.ro.actions[i * ad..(i + 1) * ad];
            let adv = if p.norm_adv {
                (self.ro.advantages[i] - self.adv_mean) / (self.adv_std + 1e-8)
            } else {
                self.ro.advantages[i]
            };
            let logp = match run.kind {
                ActionKind::Discrete { .. } => categorical_log_prob(o, a[0] as usize),
                ActionKind::Continuous { .. } => diag_gaussian_log_prob(o, run.log_std, a),
            };
            let logratio = logp - self.ro.logprobs[i];
            let ratio = libm::expf(logratio);
            l.old_kl += f64::from(-logratio);
            l.kl += f64::from((ratio - 1.0) - logratio);
            l.clipfrac += f64::from(u8::from((ratio - 1.0).abs() > p.clip_coef));
            let pg1 = -adv * ratio;
            let pg2 = -adv * ratio.clamp(1.0 - p.clip_coef, 1.0 + p.clip_coef);
            l.pg += f64::from(pg1.max(pg2));
            // d pg / d logp: the unclipped branch carries −adv·ratio; the clipped one is flat.
            let d_logp = if pg1 >= pg2 { -adv * ratio * inv_mb } else { 0.0 };
            let drow = &mut d_out[k * od_out..(k + 1) * od_out];
            match run.kind {
                ActionKind::Discrete { .. } => {
                    categorical_log_prob_grad(o, a[0] as usize, d_logp, drow);
                    l.entropy += f64::from(categorical_entropy_grad(o, -p.ent_coef * inv_mb, drow));
                }
                ActionKind::Continuous { .. } => {
                    diag_gaussian_log_prob_grad(o, run.log_std, a, d_logp, drow, &mut d_log_std);
                    l.entropy += f64::from(diag_gaussian_entropy(run.log_std));
                }
            }
            let (vi, ret, old) = (v[k], self.ro.returns[i], self.ro.values[i]);
            let un = (vi - ret) * (vi - ret);
            let dv = if p.clip_vloss {
                let vc = old + (vi - old).clamp(-p.clip_coef, p.clip_coef);
                let cl = (vc - ret) * (vc - ret);
                l.v += f64::from(0.5 * un.max(cl));
                if un >= cl {
                    vi - ret
                } else if (vi - old).abs() < p.clip_coef {
                    vc - ret
                } else {
                    0.0
                }
            } else {
                l.v += f64::from(0.5 * un);
                vi - ret
            };
            d_v[k] = p.vf_coef * dv * inv_mb;
        }
        let mut grads = vec![0.0f32; na + nc + ns];
        run.actor.backward(&acts_a, &d_out, &mut grads[..na]);
        run.critic.backward(&acts_c, &d_v, &mut grads[na..na + nc]);
        grads[na + nc..].copy_from_slice(&d_log_std);
        (grads, l)
    }
}

/// Generalised advantage estimation over the rollout, bootstrapping from `last_values`.
/// `ended[t]` marks an episode that ended after step t (its successor is a fresh episode).
fn gae(ro: &mut Rollout, last_values: &[f32], n: usize, gamma: f32, lambda: f32) {
    let t_len = ro.rewards.len() / n;
    let mut last = vec![0.0f32; n];
    for t in (0..t_len).rev() {
        for i in 0..n {
            let k = t * n + i;
            let next_value = if t + 1 == t_len { last_values[i] } else { ro.values[k + n] };
            let nonterminal = if ro.ended[k] { 0.0 } else { 1.0 };
            let delta = ro.rewards[k] + gamma * next_value * nonterminal - ro.values[k];
            last[i] = delta + gamma * lambda * nonterminal * last[i];
            ro.advantages[k] = last[i];
            ro.returns[k] = last[i] + ro.values[k];
        }
    }
}

/// Mean and unbiased std (PyTorch's `Tensor.std()`), computed in f64.
fn mean_std_unbiased(values: impl Iterator<Item = f32> + Clone) -> (f32, f32) {
    let n = values.clone().count() as f64;
    let mean = values.clone().map(f64::from).sum::<f64>() / n.max(1.0);
    let var = values.map(|v| (f64::from(v) - mean) * (f64::from(v) - mean)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean as f32, var.sqrt() as f32)
}

/// 1 − Var(returns − values) / Var(returns); `None` when the returns are constant.
fn explained_variance(values: &[f32], returns: &[f32]) -> Option<f64> {
    let n = returns.len() as f64;
    let var = |it: &mut dyn Iterator<Item = f64>| {
        let v: Vec<f64> = it.collect();
        let m = v.iter().sum::<f64>() / n;
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n
    };
    let vr = var(&mut returns.iter().map(|&r| f64::from(r)));
    let vd = var(&mut returns.iter().zip(values).map(|(&r, &v)| f64::from(r) - f64::from(v)));
    (vr > 0.0).then(|| 1.0 - vd / vr)
}

/// An f32 constant as the f64 with the same shortest decimal (0.95f32 → 0.95, not
/// 0.949999988...), for reports.
fn decimal(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(f64::from(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    fn uniform(rng: &mut ChaCha8Rng, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32
    }

    /// The chunk's loss, as the update minimises it (mean over the minibatch).
    fn loss(ctx: &Ctx<'_>, idx: &[usize]) -> f64 {
        let (_, l) = ctx.chunk(idx);
        let p = ctx.p;
        (l.pg + f64::from(p.vf_coef) * l.v - f64::from(p.ent_coef) * l.entropy) / f64::from(ctx.mb)
    }

    /// Central differences of the PPO loss against the analytic gradient, for every
    /// parameter of a small actor and critic (and the log-std), discrete and continuous.
    #[test]
    fn ppo_loss_gradient_matches_finite_differences() {
        for kind in [ActionKind::Discrete { n: 3 }, ActionKind::Continuous { dim: 2 }] {
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            let (od, out) = (
                3,
                match kind {
                    ActionKind::Discrete { n } => n,
                    ActionKind::Continuous { dim } => dim,
                },
            );
            let ad = match kind {
                ActionKind::Discrete { .. } => 1,
                ActionKind::Continuous { dim } => dim,
            };
            let mut actor =
                Mlp::new(&[od, 5, out], Init::Orthogonal { hidden_gain: 1.0, output_gain: 1.0 }, &mut rng).unwrap();
            let mut critic =
                Mlp::new(&[od, 5, 1], Init::Orthogonal { hidden_gain: 1.0, output_gain: 1.0 }, &mut rng).unwrap();
            let mut log_std = match kind {
                ActionKind::Continuous { dim } => vec![-0.3; dim],
                _ => Vec::new(),
            };
            let b = 6;
            let obs: Vec<f32> = (0..b * od).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
            let actions: Vec<f32> = (0..b * ad)
                .map(|_| match kind {
                    ActionKind::Discrete { n } => (rng.next_u32() % n as u32) as f32,
                    _ => uniform(&mut rng, -1.0, 1.0),
                })
                .collect();
            // Old log-probs near the current ones: ratios inside the clip range (no kinks).
            let mut outs = vec![0.0; out];
            let logprobs: Vec<f32> = (0..b)
                .map(|i| {
                    actor.forward(&obs[i * od..(i + 1) * od], &mut outs);
                    let a = &actions[i * ad..(i + 1) * ad];
                    let lp = match kind {
                        ActionKind::Discrete { .. } => categorical_log_prob(&outs, a[0] as usize),
                        ActionKind::Continuous { .. } => diag_gaussian_log_prob(&outs, &log_std, a),
                    };
                    lp + uniform(&mut rng, -0.05, 0.05)
                })
                .collect();
            let ro = Rollout {
                obs,
                actions,
                logprobs,
                rewards: vec![0.0; b],
                ended: vec![false; b],
                values: (0..b).map(|_| uniform(&mut rng, -1.0, 1.0)).collect(),
                advantages: (0..b).map(|_| uniform(&mut rng, -2.0, 2.0)).collect(),
                returns: (0..b).map(|_| uniform(&mut rng, -1.0, 1.0)).collect(),
            };
            let p = PpoConfig { ent_coef: 0.05, clip_vloss: false, ..PpoConfig::default() };
            let idx: Vec<usize> = (0..b).collect();
            let (adv_mean, adv_std) = mean_std_unbiased(ro.advantages.iter().copied());
            let make = |actor: &Mlp, critic: &Mlp, log_std: &[f32]| -> (Vec<f32>, f64) {
                let ctx = Ctx {
                    p: &p,
                    kind,
                    actor,
                    critic,
                    log_std,
                    obs_dim: od,
                    act_dim: ad,
                    ro: &ro,
                    adv_mean,
                    adv_std,
                    mb: b as f32,
                };
                let (mut g, _) = ctx.chunk(&idx);
                if !log_std.is_empty() {
                    let na = actor.num_params() + critic.num_params();
                    g[na..].iter_mut().for_each(|x| *x -= p.ent_coef);
                }
                (g, loss(&ctx, &idx))
            };
            let (grad, _) = make(&actor, &critic, &log_std);
            let (na, nc) = (actor.num_params(), critic.num_params());
            let h = 1e-2f32;
            for k in 0..grad.len() {
                let bump = |d: f32, a: &mut Mlp, c: &mut Mlp, s: &mut Vec<f32>| {
                    if k < na {
                        a.params_mut()[k] += d;
                    } else if k < na + nc {
                        c.params_mut()[k - na] += d;
                    } else {
                        s[k - na - nc] += d;
                    }
                };
                bump(h, &mut actor, &mut critic, &mut log_std);
                let up = make(&actor, &critic, &log_std).1;
                bump(-2.0 * h, &mut actor, &mut critic, &mut log_std);
                let down = make(&actor, &critic, &log_std).1;
                bump(h, &mut actor, &mut critic, &mut log_std);
                let numeric = (up - down) / (2.0 * f64::from(h));
                let analytic = f64::from(grad[k]);
                assert!(
                    (numeric - analytic).abs() <= 2e-3 + 2e-2 * numeric.abs(),
                    "{kind:?} parameter {k}: analytic {analytic}, numeric {numeric}"
                );
            }
        }
    }
}
