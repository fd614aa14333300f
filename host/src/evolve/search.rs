//! The evolve loop: propose → compile (in parallel) → train (concurrently, sharing one
//! thread pool) → classify → select → reflect, for a number of iterations; then the final
//! evaluation against the env's human and sparse rewards.
//!
//! What it does differently from Eureka (see docs/architecture.md): selection uses the
//! late-window task fitness, never the best value seen during training, averaged over
//! more seeds for each iteration's leaders ([`crate::selection`]: Eureka keeps the max of
//! single runs, which picks seed luck); the best candidate so far is kept across
//! iterations (elitism); an iteration whose candidates all fail is
//! retried (bounded) instead of silently consumed; every candidate has its own step and
//! wall-clock budget and runs sandboxed, so a hung or hostile one costs only its budget;
//! every state change is journaled, so a resumed run redoes nothing it finished.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::time::Duration;

use rayon::ThreadPool;
use rewardsmith_envs::registry;
use serde::{Deserialize, Serialize};

use super::baselines;
use super::executor::{Executor, LocalExecutor, TrainJob};
use super::journal::{Candidate, Feedback, Journal, Key, Origin, Status};
use super::proposer::{Context, Proposer, ProposerError};
use super::score::human_normalized;
use super::target::Target;
use crate::compiler::{Compiler, Source};
use crate::sandbox::Sandbox;
use crate::schema::Schema;
use crate::selection::Selection;
use crate::train::{MeanStd, TrainConfig};

/// How an evolve run is set up. Stored with the run, so `--resume` needs nothing else.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvolveConfig {
    /// Registered env id, or the schema's id for a schema env.
    pub env: String,
    /// The schema of an env rewardsmith does not simulate ([`Target::Schema`]): its
    /// candidates are trained by the user's training function, which an executor runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    /// What a schema env's training function returns as fitness, in words (for the LLM's
    /// task prompt and the report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitness_doc: Option<String>,
    /// Iterations of proposing and training. Default 5.
    pub iterations: u32,
    /// Candidates per iteration. Default 16.
    pub samples: u32,
    /// Seeds the final evaluation trains the best, human and sparse rewards on. Default 5.
    pub final_seeds: u32,
    /// Env steps per candidate (default: the env's training budget).
    pub steps: Option<u64>,
    /// Wall-clock seconds per candidate before it is stopped (keeping what it learned). Default 600.
    pub candidate_seconds: f64,
    /// Held-out episodes of each training's best checkpoint (`TrainConfig::best_episodes`:
    /// what replays play; selection never reads it). 0 skips them (+13–16 % wall per
    /// training at 5). Default 5.
    #[serde(default = "crate::train::default_best_episodes")]
    pub best_episodes: u32,
    /// Worker threads shared by all trainings. Default: all cores.
    pub threads: usize,
    /// Seeds the proposer and the candidates' training.
    pub seed: u64,
    /// Retries of an iteration in which every candidate failed. Default 2.
    pub retries: u32,
    /// How many of each iteration's best candidates are retrained on more seeds before
    /// they can be selected (0: select on one seed). Default 2; runs stored before this
    /// existed resume with 0.
    #[serde(default)]
    pub recheck_top: u32,
    /// Extra seeds each of them is retrained on (seeds `seed + 1 ..= seed + n`). Default 2.
    #[serde(default)]
    pub recheck_seeds: u32,
    /// Text from a person for the first prompt (LLM proposer).
    pub feedback: Option<String>,
}

impl EvolveConfig {
    pub fn new(env: &str) -> Self {
        let env = registry::find(env).map_or(env, |r| r.spec.id);
        EvolveConfig {
            env: env.to_owned(),
            schema: None,
            fitness_doc: None,
            iterations: 5,
            samples: 16,
            final_seeds: 5,
            steps: None,
            candidate_seconds: 600.0,
            best_episodes: crate::train::DEFAULT_BEST_EPISODES,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            seed: 0,
            retries: 2,
            recheck_top: 2,
            recheck_seeds: 2,
            feedback: None,
        }
    }

    /// A run for schema env `schema` (its candidates need a training function; `steps` is
    /// then required: a schema env has no built-in budget).
    pub fn for_schema(schema: Schema) -> Self {
        EvolveConfig { schema: Some(schema.clone()), ..EvolveConfig::new(&schema.id) }
    }

    /// Checks what does not depend on where it runs: counts at least 1, and a schema env's
    /// id and step budget.
    pub fn check(&self) -> Result<(), EvolveError> {
        if self.samples == 0 || self.iterations == 0 || self.final_seeds == 0 {
            return Err(EvolveError::Config("iterations, samples and final seeds must be at least 1".into()));
        }
        if let Some(schema) = &self.schema {
            if schema.id != self.env {
                return Err(EvolveError::Config(format!("env `{}` is not the schema's id `{}`", self.env, schema.id)));
            }
            if self.steps.is_none_or(|s| s == 0) {
                return Err(EvolveError::Config(format!(
                    "schema env `{}` has no built-in step budget: give steps (env steps per candidate, passed to the training function)",
                    schema.id
                )));
            }
        }
        Ok(())
    }

    /// The training config every candidate gets (same seed for all: a fair comparison).
    pub fn train_config(&self, seed: u64) -> TrainConfig {
        let mut t = TrainConfig::new(&self.env);
        if let Some(s) = self.steps {
            t.ppo.total_steps = s;
        }
        t.seed = seed;
        t.time_limit = Some(Duration::from_secs_f64(self.candidate_seconds.max(0.001)));
        t.best_episodes = self.best_episodes;
        t
    }
}

/// What can stop an evolve run (candidate failures never do: they are classified).
#[derive(Debug, thiserror::Error)]
pub enum EvolveError {
    #[error("no env `{0}`; see `rewardsmith envs`")]
    Env(String),
    #[error(transparent)]
    Schema(crate::schema::SchemaError),
    #[error("bad evolve config: {0}")]
    Config(String),
    #[error("the proposer failed: {0}")]
    Proposer(#[from] ProposerError),
    /// The journal (the run store) could not record or read a candidate; the source is
    /// the journal's own typed error (a `StoreError` for the run store).
    #[error("the run store failed: {0}")]
    Journal(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot write {path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("the {which} reward failed in the final evaluation: {reason}")]
    Baseline { which: &'static str, reason: String },
    /// The executor lost or mixed up jobs (a remote executor's bridge failed, say): the
    /// candidates it did not finish stay `compiled`, and `--resume` trains them again.
    #[error("executor: {0}")]
    Executor(String),
    #[error("cancelled")]
    Cancelled,
}

impl EvolveError {
    pub fn kind(&self) -> &'static str {
        match self {
            EvolveError::Env(_) => "env",
            EvolveError::Schema(e) => e.kind(),
            EvolveError::Config(_) => "config",
            EvolveError::Proposer(_) => "proposer",
            EvolveError::Journal(_) => "store",
            EvolveError::Io { .. } => "io",
            EvolveError::Baseline { .. } => "baseline",
            EvolveError::Executor(_) => "executor",
            EvolveError::Cancelled => "cancelled",
        }
    }
}

/// Progress, for bars and logs.
#[derive(Clone, Debug)]
pub enum Event {
    IterationStarted {
        iteration: u32,
        attempt: u32,
        candidates: usize,
    },
    /// A candidate reached a final status (`reused`: it was already done before a resume).
    CandidateDone {
        candidate: Box<Candidate>,
        reused: bool,
    },
    /// This iteration's leaders are retrained on more seeds (`trainings` in all).
    RecheckStarted {
        iteration: u32,
        attempt: u32,
        trainings: usize,
    },
    IterationDone {
        iteration: u32,
        attempt: u32,
        /// This iteration's best by selection fitness.
        best: Option<(Box<Candidate>, Selection)>,
        all_failed: bool,
        /// The run's best so far (elitist), by selection fitness.
        best_so_far: Option<(Box<Candidate>, Selection)>,
    },
    FinalStarted {
        trainings: usize,
    },
    FinalTrained {
        origin: Origin,
        seed: u64,
        fitness: Option<f64>,
    },
}

/// Final evaluation of one reward over the final seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinalScore {
    /// Late-window fitness per seed (`None`: the training failed).
    pub fitness: Vec<Option<f64>>,
    pub mean_std: Option<MeanStd>,
}

/// The outcome of an evolve run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub env: String,
    /// Journal id and label of the best candidate found (by selection fitness).
    pub best_id: Option<i64>,
    pub best_label: Option<String>,
    /// Its selection fitness: late-window fitness, averaged over its search seed and its
    /// rechecks ([`crate::selection`]).
    pub best_fitness: Option<f64>,
    /// How many seeds `best_fitness` averages (absent in summaries stored before rechecks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_fitness_seeds: Option<u32>,
    /// Best selection fitness after each iteration.
    pub best_per_iteration: Vec<Option<f64>>,
    /// Trainings spent on rechecks (on top of `candidates`).
    #[serde(default)]
    pub rechecks: usize,
    pub candidates: usize,
    pub failed: usize,
    pub best: FinalScore,
    pub human: FinalScore,
    pub sparse: FinalScore,
    /// `(F_best − F_sparse) / |F_human − F_sparse|` over the final seeds' means, where that
    /// gap is above noise ([`super::score`]); `None` otherwise.
    pub human_normalized_score: Option<f64>,
    /// Why the score is `None`, when the final evaluation finished (absent in summaries
    /// stored before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_normalized_undefined: Option<String>,
}

/// Resources the loop runs on.
pub struct Resources<'a> {
    pub compiler: &'a Compiler,
    pub sandbox: &'a Sandbox,
    pub pool: &'a Arc<ThreadPool>,
    /// Candidates' run folders go under here (`<dir>/c<id>`).
    pub artifacts: &'a Path,
    /// Checked between candidates and iterations.
    pub cancel: Option<&'a std::sync::atomic::AtomicBool>,
    /// Where trainings run; `None`: a [`LocalExecutor`] on `sandbox`, `pool` and `artifacts`.
    pub executor: Option<&'a dyn Executor>,
}

impl std::fmt::Debug for Resources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resources").field("artifacts", &self.artifacts).finish_non_exhaustive()
    }
}

fn journal_err<E: std::error::Error + Send + Sync + 'static>(e: E) -> EvolveError {
    EvolveError::Journal(Box::new(e))
}

fn cancelled(res: &Resources<'_>) -> bool {
    res.cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
}

/// Runs (or resumes) the search and the final evaluation.
pub fn evolve<J: Journal>(
    cfg: &EvolveConfig,
    proposer: &mut dyn Proposer,
    journal: &mut J,
    res: &Resources<'_>,
    on_event: &mut (dyn FnMut(Event) + Send),
) -> Result<Summary, EvolveError> {
    cfg.check()?;
    let target = Target::of(cfg)?;
    if let Some(why) = target.untrainable_on(res.executor) {
        return Err(EvolveError::Config(why));
    }
    let mut best_per_iteration = Vec::new();
    for iteration in 0..cfg.iterations {
        let mut attempt = 0;
        loop {
            if cancelled(res) {
                return Err(EvolveError::Cancelled);
            }
            let history = journal.candidates().map_err(journal_err)?;
            // What this iteration consumed before a crash or an all-failed attempt, then anything new:
            // a resumed iteration proposes from the same feedback.
            let mut feedback = journal.consumed_feedback(iteration).map_err(journal_err)?;
            feedback.extend(journal.take_feedback(iteration).map_err(journal_err)?);
            // Listed while it runs (the playground shows iterations in progress). After taking
            // the feedback: what arrives from now on is the next iteration's, as the pages say.
            journal.iteration_progress(iteration, attempt, false).map_err(journal_err)?;
            let mine: Vec<Candidate> = history
                .iter()
                .filter(|c| c.key.iteration == iteration && c.key.attempt == attempt && c.key.origin.is_search())
                .cloned()
                .collect();
            // A resumed iteration reuses what was proposed before (no answered LLM call is
            // asked again); a fresh one asks the proposer.
            let proposed = if mine.len() >= cfg.samples as usize {
                mine
            } else {
                let ctx = Context {
                    target: &target,
                    fitness_doc: cfg.fitness_doc.as_deref(),
                    iteration,
                    attempt,
                    seed: cfg.seed,
                    history: &history,
                    best: best_of(&history),
                    feedback: &feedback,
                    first_feedback: if iteration == 0 { cfg.feedback.as_deref() } else { None },
                };
                let proposals = proposer.propose(&ctx, cfg.samples as usize)?;
                let mut out = Vec::new();
                for (sample, p) in proposals.into_iter().enumerate() {
                    let key =
                        Key { iteration, attempt, sample: sample as u32, origin: proposer.origin(), seed: cfg.seed };
                    let mut c = Candidate::new(key, p.source.clone().unwrap_or_default());
                    c.genome = p.genome;
                    c.note = p.note;
                    c.parent_id = p.parent;
                    if p.source.is_none() {
                        c.status = Status::NoCode;
                        c.error_kind = Some("no_code".into());
                        c.error_text = Some(p.problem.unwrap_or_else(|| "the answer held no program".into()));
                    }
                    out.push(journal.propose(&c).map_err(journal_err)?);
                }
                out
            };
            journal.iteration_progress(iteration, attempt, true).map_err(journal_err)?;
            on_event(Event::IterationStarted { iteration, attempt, candidates: proposed.len() });
            let done = run_candidates(&target, proposed, journal, res, on_event, |seed| cfg.train_config(seed))?;
            let rechecks = rechecks_for(cfg, &done);
            if !rechecks.is_empty() {
                let rechecks: Vec<Candidate> =
                    rechecks.iter().map(|c| journal.propose(c)).collect::<Result<_, _>>().map_err(journal_err)?;
                on_event(Event::RecheckStarted { iteration, attempt, trainings: rechecks.len() });
                run_candidates(&target, rechecks, journal, res, on_event, |seed| cfg.train_config(seed))?;
            }
            let history = journal.candidates().map_err(journal_err)?;
            let here: Vec<Candidate> =
                history.iter().filter(|c| c.key.iteration == iteration && c.key.attempt == attempt).cloned().collect();
            let best_here = best_with_selection(&here);
            let all_failed = best_here.is_none();
            journal
                .finish_iteration(iteration, attempt, all_failed, best_here.as_ref().map(|(c, _)| c.id))
                .map_err(journal_err)?;
            let best_so_far = best_with_selection(&history);
            on_event(Event::IterationDone { iteration, attempt, best: best_here, all_failed, best_so_far });
            if all_failed && attempt < cfg.retries {
                attempt += 1;
                continue;
            }
            break;
        }
        let history = journal.candidates().map_err(journal_err)?;
        best_per_iteration.push(best_with_selection(&history).map(|(_, s)| s.mean));
    }

    // Final evaluation: the best reward, the human baseline and the sparse reward, each
    // trained on the same final seeds with the same budget. A schema env has no baselines:
    // only the best is retrained.
    let history = journal.candidates().map_err(journal_err)?;
    let best_selection = best_with_selection(&history);
    let best = best_selection.as_ref().map(|(c, _)| (**c).clone());
    let baselines = match target.builtin() {
        Some(spec) => {
            let human = baselines::human(spec.reward_env).ok_or_else(|| EvolveError::Env(cfg.env.clone()))?;
            let sparse = baselines::sparse(spec.reward_env).ok_or_else(|| EvolveError::Env(cfg.env.clone()))?;
            Some((human, sparse))
        }
        None => None,
    };
    let mut finals = Vec::new();
    for k in 0..cfg.final_seeds {
        let seed = 1_000 + u64::from(k);
        let add = |origin, source: &str| {
            Candidate::new(Key { iteration: cfg.iterations, attempt: 0, sample: k, origin, seed }, source.to_owned())
        };
        if let Some(b) = &best {
            let mut f = add(Origin::Final, &b.source);
            f.parent_id = Some(b.id);
            finals.push(f);
        }
        if let Some((human, sparse)) = baselines {
            finals.push(add(Origin::HumanBaseline, human));
            finals.push(add(Origin::SparseBaseline, sparse));
        }
    }
    let finals: Vec<Candidate> =
        finals.iter().map(|c| journal.propose(c)).collect::<Result<_, _>>().map_err(journal_err)?;
    on_event(Event::FinalStarted { trainings: finals.len() });
    let done = run_candidates(&target, finals, journal, res, on_event, |seed| {
        let mut t = cfg.train_config(seed);
        t.time_limit = None; // the final comparison gets the full step budget
        t
    })?;
    let score = |origin: Origin| {
        if origin != Origin::Final && baselines.is_none() {
            return FinalScore { fitness: Vec::new(), mean_std: None };
        }
        let fitness: Vec<Option<f64>> = (0..cfg.final_seeds)
            .map(|k| done.iter().find(|c| c.key.origin == origin && c.key.sample == k).and_then(|c| c.fitness))
            .collect();
        let present: Vec<f64> = fitness.iter().flatten().copied().collect();
        FinalScore { mean_std: MeanStd::of(&present), fitness }
    };
    for (origin, which) in [(Origin::HumanBaseline, "human baseline"), (Origin::SparseBaseline, "sparse")] {
        if let Some(c) = done.iter().find(|c| c.key.origin == origin && c.fitness.is_none()) {
            return Err(EvolveError::Baseline { which, reason: c.error_text.clone().unwrap_or_default() });
        }
    }
    let (best_final, human, sparse) =
        (score(Origin::Final), score(Origin::HumanBaseline), score(Origin::SparseBaseline));
    let hns = match (&best_final.mean_std, &human.mean_std, &sparse.mean_std) {
        _ if baselines.is_none() => Err(format!(
            "undefined: schema env `{}` has no human or sparse reward to normalise against; compare the best's \
             final fitness across runs",
            cfg.env
        )),
        (Some(b), Some(h), Some(s)) => human_normalized(b, h, s),
        _ => Err("undefined: the best reward failed to train on every final seed".to_owned()),
    };
    let search: Vec<&Candidate> = history.iter().filter(|c| c.key.origin.is_search()).collect();
    Ok(Summary {
        env: cfg.env.clone(),
        best_id: best.as_ref().map(|c| c.id),
        best_label: best.as_ref().map(Candidate::label),
        best_fitness: best_selection.as_ref().map(|(_, s)| s.mean),
        best_fitness_seeds: best_selection.as_ref().map(|(_, s)| s.seeds),
        best_per_iteration,
        rechecks: history.iter().filter(|c| c.key.origin == Origin::Recheck).count(),
        candidates: search.len(),
        failed: search.iter().filter(|c| c.status != Status::Trained).count(),
        best: best_final,
        human,
        sparse,
        human_normalized_score: hns.as_ref().ok().copied(),
        human_normalized_undefined: hns.err(),
    })
}

/// The best trained search candidate so far (elitism: across all iterations), by the
/// selection rule of [`crate::selection`].
pub fn best_of(history: &[Candidate]) -> Option<&Candidate> {
    crate::selection::best_of(history, Candidate::trial).map(|(c, _)| c)
}

fn best_with_selection(history: &[Candidate]) -> Option<(Box<Candidate>, Selection)> {
    crate::selection::best_of(history, Candidate::trial).map(|(c, s)| (Box::new(c.clone()), s))
}

/// The selection fitness of a search candidate (`None` if it did not train).
pub fn selection_of(history: &[Candidate], id: i64) -> Option<Selection> {
    let trials: Vec<_> = history.iter().map(Candidate::trial).collect();
    crate::selection::selection_of(&trials, id)
}

/// The rechecks of an iteration's leaders: its `recheck_top` best trained candidates by
/// single-seed fitness (finite only; ties to the earlier), each on `recheck_seeds` more
/// seeds. Deterministic, so a resumed iteration asks for the same ones (the journal
/// returns those already done).
fn rechecks_for(cfg: &EvolveConfig, done: &[Candidate]) -> Vec<Candidate> {
    let mut leaders: Vec<&Candidate> = done
        .iter()
        .filter(|c| c.key.origin.is_search() && c.status == Status::Trained && c.fitness.is_some_and(f64::is_finite))
        .collect();
    leaders
        .sort_by(|a, b| b.fitness.partial_cmp(&a.fitness).unwrap_or(std::cmp::Ordering::Equal).then(a.id.cmp(&b.id)));
    leaders.truncate(cfg.recheck_top as usize);
    let mut out = Vec::new();
    for c in leaders {
        for k in 1..=u64::from(cfg.recheck_seeds) {
            let key = Key { origin: Origin::Recheck, seed: cfg.seed.wrapping_add(k), ..c.key.clone() };
            let mut r = Candidate::new(key, c.source.clone());
            r.note = format!("recheck of {} on seed {}", c.label(), cfg.seed.wrapping_add(k));
            r.parent_id = Some(c.id);
            out.push(r);
        }
    }
    out
}

/// Compiles (in parallel, here) and trains (on the executor) every candidate not already
/// final; returns all of them in their final state.
fn run_candidates<J: Journal>(
    target: &Target,
    candidates: Vec<Candidate>,
    journal: &mut J,
    res: &Resources<'_>,
    on_event: &mut (dyn FnMut(Event) + Send),
    train_cfg: impl Fn(u64) -> TrainConfig + Sync,
) -> Result<Vec<Candidate>, EvolveError> {
    let mut out = Vec::with_capacity(candidates.len());
    let mut todo = Vec::new();
    for c in candidates {
        if c.status.is_final() {
            on_event(Event::CandidateDone { candidate: Box::new(c.clone()), reused: true });
            out.push(c);
        } else {
            todo.push(c);
        }
    }
    // Compile everything that needs it in parallel (the compiler caches by content), and
    // load it here, so a module the sandbox refuses never reaches an executor.
    let sources: Vec<Source> = todo.iter().map(|c| target.source(c.source.clone())).collect();
    let compiled = res.compiler.compile_many(&sources);
    let isolation = res.compiler.describe_isolation();
    let mut jobs = Vec::new();
    let mut waiting = HashMap::new();
    for (mut c, r) in todo.into_iter().zip(compiled) {
        let loaded = r.map_err(|e| (e.kind().to_owned(), e.to_string())).and_then(|comp| {
            let module = res.sandbox.load(&comp.wasm).map_err(|e| (e.kind().to_owned(), e.to_string()))?;
            res.sandbox.instantiate(&module, target.id()).map_err(|e| (e.kind().to_owned(), e.to_string()))?;
            Ok((comp.wasm, module))
        });
        match loaded {
            Ok((wasm, module)) => {
                c.status = Status::Compiled;
                c.module_sha256 = Some(module.hash_hex());
                journal.update(&c).map_err(journal_err)?;
                jobs.push(TrainJob {
                    candidate_id: c.id,
                    source: c.source.clone(),
                    wasm,
                    config: train_cfg(c.key.seed),
                    schema: target.schema().cloned(),
                    compiler_isolation: Some(isolation.clone()),
                });
                waiting.insert(c.id, c);
            }
            Err((kind, text)) => {
                c.status = Status::CompileError;
                c.error_kind = Some(kind);
                c.error_text = Some(text);
                journal.update(&c).map_err(journal_err)?;
                on_event(Event::CandidateDone { candidate: Box::new(c.clone()), reused: false });
                out.push(c);
            }
        }
    }
    let local = LocalExecutor { sandbox: res.sandbox, pool: res.pool, artifacts: res.artifacts, cancel: res.cancel };
    let executor: &dyn Executor = res.executor.unwrap_or(&local);
    // Journal outcomes as they arrive, on this thread (the journal is not shared).
    executor.run(jobs, &mut |outcome| {
        let Some(mut c) = waiting.remove(&outcome.candidate_id) else {
            return Err(EvolveError::Executor(format!(
                "{} executor returned an outcome for candidate {}, which it was not given or already returned",
                executor.name(),
                outcome.candidate_id
            )));
        };
        c.apply(outcome);
        journal.update(&c).map_err(journal_err)?;
        on_event(Event::CandidateDone { candidate: Box::new(c.clone()), reused: false });
        out.push(c);
        Ok(())
    })?;
    if cancelled(res) {
        return Err(EvolveError::Cancelled);
    }
    if let Some(id) = waiting.keys().min() {
        return Err(EvolveError::Executor(format!(
            "{} executor finished without an outcome for {} candidate(s), e.g. {id}",
            executor.name(),
            waiting.len()
        )));
    }
    out.sort_by_key(|c| (c.key.sample, c.key.origin.as_str()));
    Ok(out)
}

/// Pending human feedback as prompt text (used by the LLM proposer).
pub fn feedback_text(feedback: &[Feedback], history: &[Candidate]) -> Vec<String> {
    let source = |id: i64| history.iter().find(|c| c.id == id);
    feedback
        .iter()
        .filter_map(|f| match f {
            Feedback::Text(t) => Some(super::prompts::human_feedback(t)),
            Feedback::Preference { best, worst, text } => {
                let (b, w) = (source(*best)?, source(*worst)?);
                Some(super::prompts::preference_feedback(&b.label(), &b.source, &w.label(), &w.source, text))
            }
        })
        .collect()
}
