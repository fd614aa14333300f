//! Proposers write the candidates of an iteration: the offline evolutionary search (the
//! default, deterministic per seed) or an LLM (see `LlmProposer`).

use rewardsmith_envs::EnvSpec;

use super::journal::{Candidate, Feedback, Origin, Status};
use super::offline::{Genome, OfflineProposer};

/// What a proposer sees when asked for an iteration's candidates.
#[derive(Debug)]
pub struct Context<'a> {
    pub spec: &'static EnvSpec,
    pub iteration: u32,
    /// Retry number of this iteration (0 first; higher after every candidate failed).
    pub attempt: u32,
    /// The run's seed.
    pub seed: u64,
    /// Every candidate so far, in id order.
    pub history: &'a [Candidate],
    /// The best trained candidate so far (by late-window fitness).
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
    /// The offline proposer's genome (JSON).
    pub genome: Option<String>,
    /// What changed, one line.
    pub note: String,
}

/// Writes candidates.
pub trait Proposer {
    /// Which origin its candidates get.
    fn origin(&self) -> Origin;
    /// `n` proposals for the iteration in `ctx`. An error stops the run (e.g. an
    /// unreachable LLM endpoint); a bad single answer is a proposal without source instead.
    fn propose(&mut self, ctx: &Context<'_>, n: usize) -> Result<Vec<Proposal>, String>;
}

/// The offline proposer, made stateless across iterations: each (iteration, attempt) gets
/// its own generator seeded from the run's seed, and the parents come from the journal, so
/// a resumed run proposes exactly what the interrupted one would have.
#[derive(Debug)]
pub struct Offline {
    env: &'static str,
}

impl Offline {
    pub fn new(spec: &'static EnvSpec) -> Self {
        Offline { env: spec.reward_env }
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

    fn propose(&mut self, ctx: &Context<'_>, n: usize) -> Result<Vec<Proposal>, String> {
        let mut generator = OfflineProposer::new(self.env, derive_seed(ctx.seed, ctx.iteration, ctx.attempt))
            .map_err(|e| e.to_string())?;
        // Parents: every offline candidate so far with its genome; failures score -∞.
        let scored: Vec<(Genome, f64)> = ctx
            .history
            .iter()
            .filter(|c| c.key.origin == Origin::Offline)
            .filter_map(|c| {
                let g: Genome = serde_json::from_str(c.genome.as_deref()?).ok()?;
                let f = match c.status {
                    Status::Trained => c.fitness.unwrap_or(f64::NEG_INFINITY),
                    _ => f64::NEG_INFINITY,
                };
                Some((g, f))
            })
            .collect();
        let proposals = if scored.is_empty() { generator.initial(n) } else { generator.next(&scored, n) };
        Ok(proposals
            .into_iter()
            .map(|p| Proposal {
                source: Some(p.source),
                problem: None,
                genome: serde_json::to_string(&p.genome).ok(),
                note: p.note,
            })
            .collect())
    }
}
