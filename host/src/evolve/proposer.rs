//! Proposers write the candidates of an iteration: the offline evolutionary search (the
//! default, deterministic per seed) or an LLM (see `LlmProposer`).

use rewardsmith_guest::envs::EnvLayout;

use super::journal::{Candidate, Feedback, Origin, Status};
use super::llm::LlmError;
use super::offline::{Genome, OfflineError, OfflineProposer};
use super::search::selection_of;
use super::target::Target;

/// What a proposer sees when asked for an iteration's candidates.
#[derive(Debug)]
pub struct Context<'a> {
    /// The env rewards are written for.
    pub target: &'a Target,
    /// What a schema env's training function measures, in words (see [`Target::task_prompt`]).
    pub fitness_doc: Option<&'a str>,
    pub iteration: u32,
    /// Retry number of this iteration (0 first; higher after every candidate failed).
    pub attempt: u32,
    /// The run's seed.
    pub seed: u64,
    /// Every candidate so far, in id order.
    pub history: &'a [Candidate],
    /// The best trained candidate so far (by selection fitness, [`crate::selection`]).
    pub best: Option<&'a Candidate>,
    /// Feedback from a person since the last iteration.
    pub feedback: &'a [Feedback],
    /// The `--feedback` text, for the first iteration.
    pub first_feedback: Option<&'a str>,
}

/// One proposed program.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Proposal {
    /// The program (`None`: the answer held none; `problem` says why).
    pub source: Option<String>,
    pub problem: Option<String>,
    /// The offline proposer's genome.
    pub genome: Option<serde_json::Value>,
    /// What changed, one line.
    pub note: String,
    /// The journal id of the candidate it was derived from.
    pub parent: Option<i64>,
}

/// Why a proposer could not write an iteration's candidates (an answer without a program
/// is not this: it is a `no_code` candidate).
#[derive(Debug, thiserror::Error)]
pub enum ProposerError {
    #[error(transparent)]
    Llm(#[from] LlmError),
    #[error(transparent)]
    Offline(#[from] OfflineError),
}

impl ProposerError {
    /// The underlying error's stable kind (`unreachable`, `http_status`, `unknown_env`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            ProposerError::Llm(e) => e.kind(),
            ProposerError::Offline(_) => "offline",
        }
    }
}

/// Writes candidates.
pub trait Proposer {
    /// Which origin its candidates get.
    fn origin(&self) -> Origin;
    /// `n` proposals for the iteration in `ctx`. An error stops the run (e.g. an
    /// unreachable LLM endpoint); a bad single answer is a proposal without source instead.
    fn propose(&mut self, ctx: &Context<'_>, n: usize) -> Result<Vec<Proposal>, ProposerError>;
}

/// The offline proposer, made stateless across iterations: each (iteration, attempt) gets
/// its own generator seeded from the run's seed, and the parents come from the journal, so
/// a resumed run proposes exactly what the interrupted one would have.
#[derive(Debug)]
pub struct Offline {
    layout: &'static EnvLayout,
    import: String,
}

impl Offline {
    /// The offline search over `target`'s `State` fields (a built-in env's or a schema's).
    pub fn new(target: &Target) -> Self {
        Offline { layout: target.layout(), import: target.import() }
    }
}

/// SplitMix64 of the run seed, iteration and attempt.
fn derive_seed(seed: u64, iteration: u32, attempt: u32) -> u64 {
    let mut z = seed ^ (u64::from(iteration) << 32 | u64::from(attempt)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Proposer for Offline {
    fn origin(&self) -> Origin {
        Origin::Offline
    }

    fn propose(&mut self, ctx: &Context<'_>, n: usize) -> Result<Vec<Proposal>, ProposerError> {
        let seed = derive_seed(ctx.seed, ctx.iteration, ctx.attempt);
        let mut generator = OfflineProposer::for_layout(self.layout, self.import.clone(), seed)?;
        // A person's preferences (the ranking page): the latest `best` is the first parent,
        // ahead of fitness order; every `worst` is never a parent.
        let (mut best, mut worst) = (None, Vec::new());
        for f in ctx.feedback {
            if let Feedback::Preference { best: b, worst: w, .. } = f {
                best = Some(*b);
                worst.push(*w);
            }
        }
        // Parents: every offline candidate so far with its genome, scored by its selection
        // fitness (the mean over its seeds when it was rechecked); failures score -∞.
        let mut preferred = None;
        let mut ids = Vec::new();
        let scored: Vec<(Genome, f64)> = ctx
            .history
            .iter()
            .filter(|c| c.key.origin == Origin::Offline)
            .filter_map(|c| {
                let g: Genome = serde_json::from_value(c.genome.clone()?).ok()?;
                let f = match c.status {
                    Status::Trained if worst.contains(&c.id) && best != Some(c.id) => f64::NEG_INFINITY,
                    Status::Trained => selection_of(ctx.history, c.id).map_or(f64::NEG_INFINITY, |s| s.mean),
                    _ => f64::NEG_INFINITY,
                };
                Some((c.id, g, f))
            })
            .enumerate()
            .map(|(i, (id, g, f))| {
                if best == Some(id) {
                    preferred = Some(i);
                }
                ids.push(id);
                (g, f)
            })
            .collect();
        let proposals =
            if scored.is_empty() { generator.initial(n) } else { generator.next_preferring(&scored, n, preferred) };
        Ok(proposals
            .into_iter()
            .map(|p| Proposal {
                source: Some(p.source),
                problem: None,
                genome: serde_json::to_value(&p.genome).ok(),
                note: p.note,
                parent: p.parent.and_then(|i| ids.get(i).copied()),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evolve::journal::{Journal, Key};
    use crate::evolve::stored::StoreJournal;
    use crate::store::{FeedbackKind, NewRun, Store};
    use rewardsmith_envs::EnvSpec;

    /// Iteration 0 of an offline cartpole run, trained with made-up fitness (sample i scores 10 − i).
    fn history(spec: &'static EnvSpec) -> Vec<Candidate> {
        let target = Target::Builtin(spec);
        let ctx = Context {
            target: &target,
            fitness_doc: None,
            iteration: 0,
            attempt: 0,
            seed: 5,
            history: &[],
            best: None,
            feedback: &[],
            first_feedback: None,
        };
        let first = Offline::new(&target).propose(&ctx, 6).unwrap();
        first
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let key = Key { iteration: 0, attempt: 0, sample: i as u32, origin: Origin::Offline, seed: 5 };
                let mut c = Candidate::new(key, p.source.unwrap());
                c.id = i as i64 + 1;
                c.genome = p.genome;
                c.status = Status::Trained;
                c.fitness = Some(10.0 - i as f64);
                c
            })
            .collect()
    }

    fn propose(spec: &'static EnvSpec, history: &[Candidate], feedback: &[Feedback]) -> Vec<Proposal> {
        let target = Target::Builtin(spec);
        let ctx = Context {
            target: &target,
            fitness_doc: None,
            iteration: 1,
            attempt: 0,
            seed: 5,
            history,
            best: None,
            feedback,
            first_feedback: None,
        };
        Offline::new(&target).propose(&ctx, 5).unwrap()
    }

    #[test]
    fn offline_breeds_from_the_preferred_candidate_deterministically() {
        let spec = rewardsmith_envs::registry::find("cartpole").unwrap().spec;
        let history = history(spec);
        // The person prefers the lowest-fitness candidate (id 6) and rejects the best (id 1).
        let pref = [Feedback::Preference { best: 6, worst: 1, text: "smoother".into() }];
        let with = propose(spec, &history, &pref);
        assert!(with[0].note.contains("marked best"), "{}", with[0].note);
        assert_eq!(with, propose(spec, &history, &pref), "same inputs, same proposals");
        let without = propose(spec, &history, &[]);
        assert!(without.iter().all(|p| !p.note.contains("marked best")));
        assert_ne!(with, without);
    }

    #[test]
    fn a_resumed_iteration_sees_the_feedback_it_consumed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s.db")).unwrap();
        let run = store
            .create_run(&NewRun {
                env: "cartpole-v0".into(),
                proposer: crate::store::Proposer::Offline,
                model: None,
                config: serde_json::Value::Null,
            })
            .unwrap();
        let payload = serde_json::json!({ "iteration": 0, "best": 6, "worst": 1, "text": "" });
        store.add_feedback(run.id, 0, FeedbackKind::Preference, &payload).unwrap();
        let mut j = StoreJournal { store: &store, run_id: run.id };
        let taken = j.take_feedback(1).unwrap();
        assert_eq!(taken, vec![Feedback::Preference { best: 6, worst: 1, text: String::new() }]);
        // After a crash, the same iteration finds it again (and nothing is pending).
        assert!(j.take_feedback(1).unwrap().is_empty());
        assert_eq!(j.consumed_feedback(1).unwrap(), taken);
        assert!(j.consumed_feedback(2).unwrap().is_empty());
        let spec = rewardsmith_envs::registry::find("cartpole").unwrap().spec;
        let history = history(spec);
        assert_eq!(propose(spec, &history, &taken), propose(spec, &history, &j.consumed_feedback(1).unwrap()));
    }
}
