//! Vectorised stepping: N envs stepped in parallel with auto-reset, results in contiguous
//! buffers laid out for one batched reward call.

use std::sync::Arc;

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use rewardsmith_guest::envs::EnvLayout;

use crate::env::Env;
use crate::error::EnvError;
use crate::registry::find;

/// How an episode that ended during a step went.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpisodeEnd {
    /// Which env.
    pub env: usize,
    /// Its task fitness.
    pub fitness: f32,
    /// Steps it lasted.
    pub length: u32,
    /// Ended by the time limit rather than a terminal state.
    pub truncated: bool,
}

/// N copies of one env. Env `i`'s `k`-th episode is seeded from `(seed, i, k)` only, so
/// results are bit-identical whatever the thread count.
pub struct VecEnv {
    envs: Vec<Box<dyn Env>>,
    threads: usize,
    /// Persistent workers (none for one thread): spawning threads every step costs more
    /// than a light env's step. May be shared with other work (see [`VecEnv::on_pool`]).
    pool: Option<Arc<ThreadPool>>,
    seed: u64,
    episodes: Vec<u64>,
    obs_dim: usize,
    /// The envs' reward layout: owns the transition stride and split.
    layout: &'static EnvLayout,
    obs: Vec<f32>,
    final_obs: Vec<f32>,
    transitions: Vec<f32>,
    done: Vec<bool>,
    ends: Vec<EpisodeEnd>,
}

impl std::fmt::Debug for VecEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VecEnv")
            .field("env", &self.envs[0].spec().id)
            .field("n", &self.envs.len())
            .field("threads", &self.threads)
            .finish()
    }
}

/// The seed of env `i`'s `k`-th episode (SplitMix64 of the three).
fn episode_seed(seed: u64, i: usize, k: u64) -> u64 {
    let mut z = seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ k.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl VecEnv {
    /// `n` envs of `id`, stepped on `threads` threads (at least 1), reset with `seed`.
    ///
    /// # Panics
    /// If `threads > 1` and the OS refuses to start threads.
    pub fn new(id: &str, n: usize, threads: usize, seed: u64) -> Result<VecEnv, EnvError> {
        let threads = threads.clamp(1, n.max(1));
        let pool = (threads > 1).then(|| {
            Arc::new(ThreadPoolBuilder::new().num_threads(threads).build().expect("env worker threads start"))
        });
        Self::build(id, n, threads, pool, seed)
    }

    /// Like [`VecEnv::new`], stepping on an existing rayon pool: trainings that share one
    /// pool share its threads instead of each starting their own. Results are the same
    /// bits as with [`VecEnv::new`].
    pub fn on_pool(id: &str, n: usize, pool: Arc<ThreadPool>, seed: u64) -> Result<VecEnv, EnvError> {
        let threads = pool.current_num_threads().clamp(1, n.max(1));
        Self::build(id, n, threads, (threads > 1).then_some(pool), seed)
    }

    fn build(id: &str, n: usize, threads: usize, pool: Option<Arc<ThreadPool>>, seed: u64) -> Result<VecEnv, EnvError> {
        let reg = find(id)?;
        let envs: Vec<Box<dyn Env>> = (0..n.max(1)).map(|_| reg.make()).collect();
        let layout = envs[0].layout();
        let obs_dim = (reg.spec.observation_space)().dim();
        let mut v = VecEnv {
            threads,
            pool,
            seed,
            episodes: vec![0; envs.len()],
            obs_dim,
            layout,
            obs: vec![0.0; envs.len() * obs_dim],
            final_obs: vec![0.0; envs.len() * obs_dim],
            transitions: vec![0.0; envs.len() * layout.transition_len()],
            done: vec![false; envs.len()],
            ends: Vec::new(),
            envs,
        };
        for i in 0..v.envs.len() {
            let o = v.envs[i].reset(episode_seed(seed, i, 0));
            v.obs[i * obs_dim..(i + 1) * obs_dim].copy_from_slice(&o);
        }
        Ok(v)
    }

    /// Number of envs.
    pub fn len(&self) -> usize {
        self.envs.len()
    }

    /// Always false: a `VecEnv` holds at least one env.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Observations, `len × obs_dim`, row per env.
    pub fn observations(&self) -> &[f32] {
        &self.obs
    }

    /// Floats per observation.
    pub fn obs_dim(&self) -> usize {
        self.obs_dim
    }

    /// The last step's transitions, `len` × [`EnvLayout::transition_len`] floats: `[state,
    /// sdk action, next state]` per env, exactly the reward ABI's input. For an env whose
    /// episode ended, `next state` is the final state (the observation is already the next
    /// episode's).
    pub fn transitions(&self) -> &[f32] {
        &self.transitions
    }

    /// The last observation of each episode that ended on the last step (rows of envs that
    /// did not end hold stale values): what a value function bootstraps from on truncation.
    pub fn final_observations(&self) -> &[f32] {
        &self.final_obs
    }

    /// Whether each env's episode ended on the last step (it has been reset since).
    pub fn done(&self) -> &[bool] {
        &self.done
    }

    /// Episodes that ended on the last step.
    pub fn episode_ends(&self) -> &[EpisodeEnd] {
        &self.ends
    }

    /// The envs, for reading states or snapshots.
    pub fn envs(&self) -> &[Box<dyn Env>] {
        &self.envs
    }

    /// Steps every env with its row of `actions` (`len × action_dim`). All actions are
    /// validated before any env moves, so a bad action leaves every env untouched.
    pub fn step(&mut self, actions: &[f32]) -> Result<(), EnvError> {
        let spec = self.envs[0].spec();
        let space = (spec.action_space)();
        let adim = space.dim();
        if actions.len() != adim * self.envs.len() {
            return Err(EnvError::ActionLength { env: spec.id, expected: adim * self.envs.len(), got: actions.len() });
        }
        for row in actions.chunks(adim) {
            if let Some((index, &value)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(EnvError::NonFiniteAction { index, value });
            }
            if let crate::Space::Discrete { n } = space
                && !space.contains(row)
            {
                return Err(EnvError::DiscreteOutOfRange { env: spec.id, value: row[0], n });
            }
        }
        let (od, layout) = (self.obs_dim, self.layout);
        let tl = layout.transition_len();
        let per = self.envs.len().div_ceil(self.threads);
        let seed = self.seed;
        let dims = Dims { per, adim, od, layout };
        let mut ends: Vec<EpisodeEnd> = Vec::new();
        let (envs, obs, fin, trs, done, eps) = (
            &mut self.envs,
            &mut self.obs,
            &mut self.final_obs,
            &mut self.transitions,
            &mut self.done,
            &mut self.episodes,
        );
        match &self.pool {
            None => {
                ends = step_chunk(0, seed, dims, envs, actions, (obs, fin), trs, done, eps)?;
            }
            Some(pool) => {
                let results: Vec<Result<Vec<EpisodeEnd>, EnvError>> = pool.install(|| {
                    envs.par_chunks_mut(per)
                        .zip(actions.par_chunks(per * adim))
                        .zip(obs.par_chunks_mut(per * od))
                        .zip(fin.par_chunks_mut(per * od))
                        .zip(trs.par_chunks_mut(per * tl))
                        .zip(done.par_chunks_mut(per))
                        .zip(eps.par_chunks_mut(per))
                        .enumerate()
                        .map(|(c, ((((((e, a), o), f), t), d), p))| step_chunk(c, seed, dims, e, a, (o, f), t, d, p))
                        .collect()
                });
                for r in results {
                    ends.extend(r?);
                }
            }
        }
        self.ends = ends;
        Ok(())
    }
}

#[derive(Clone, Copy)]
struct Dims {
    per: usize,
    adim: usize,
    od: usize,
    layout: &'static EnvLayout,
}

/// Steps one thread's share of the envs (chunk `c`), resetting those whose episode ended.
#[allow(clippy::too_many_arguments)]
fn step_chunk(
    c: usize,
    seed: u64,
    d: Dims,
    envs: &mut [Box<dyn Env>],
    acts: &[f32],
    (obs, fin): (&mut [f32], &mut [f32]),
    trs: &mut [f32],
    done: &mut [bool],
    eps: &mut [u64],
) -> Result<Vec<EpisodeEnd>, EnvError> {
    let tl = d.layout.transition_len();
    let mut ends = Vec::new();
    for (j, env) in envs.iter_mut().enumerate() {
        let i = c * d.per + j;
        let step = env.step_recorded(&acts[j * d.adim..(j + 1) * d.adim], &mut trs[j * tl..(j + 1) * tl])?;
        let ended = step.terminated || step.truncated;
        done[j] = ended;
        let o = &mut obs[j * d.od..(j + 1) * d.od];
        if ended {
            fin[j * d.od..(j + 1) * d.od].copy_from_slice(&step.obs);
            ends.push(EpisodeEnd {
                env: i,
                fitness: step.fitness,
                length: env.elapsed_steps(),
                truncated: step.truncated,
            });
            eps[j] += 1;
            o.copy_from_slice(&env.reset(episode_seed(seed, i, eps[j])));
        } else {
            o.copy_from_slice(&step.obs);
        }
    }
    Ok(ends)
}
