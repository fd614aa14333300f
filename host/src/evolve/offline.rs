//! The offline proposer: an evolutionary search over reward programs built from the env's
//! `State` fields, for runs without an LLM (the default then). Genomes are lists of shaping
//! terms (tolerance and exp kernels toward targets, |x| and x² penalties, approach-velocity
//! terms, an alive bonus, effort penalties); each generation mutates and crosses the best
//! scored ones. Every genome is rendered to real Rust source, so candidates go through the
//! same compile → sandbox → train path as any other reward.
//!
//! Deterministic: each call draws from a ChaCha8 stream chosen by `(seed, generation)`, so
//! the proposals are a function of the seed, the call count and the inputs — a resumed run
//! that restores [`OfflineProposer::set_generation`] proposes exactly what it would have.

mod genome;
mod mutate;
mod render;
mod space;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rewardsmith_guest::envs::{self, EnvLayout};

pub use genome::{Component, Falloff, Gene, Genome, Part, Shape};
pub use space::{COEF_RANGE, MAX_TERMS};

use space::Space;

/// One proposed program.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    /// The Rust source ([`OfflineProposer::render`] of `genome`).
    pub source: String,
    pub genome: Genome,
    /// The index into `scored` of the parent this was derived from, if any.
    pub parent: Option<usize>,
    /// What changed, one line.
    pub note: String,
}

/// Why the proposer cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    #[error("unknown env `{env}`; the offline proposer knows: {known}")]
    UnknownEnv { env: String, known: String },
    #[error("env `{env}` has no state field the offline proposer can shape; use `--proposer llm`")]
    NothingToShape { env: String },
}

impl OfflineError {
    /// Stable error-class name.
    pub fn kind(&self) -> &'static str {
        match self {
            OfflineError::UnknownEnv { .. } => "unknown_env",
            OfflineError::NothingToShape { .. } => "nothing_to_shape",
        }
    }
}

/// The evolutionary proposer for one env.
#[derive(Clone, Debug)]
pub struct OfflineProposer {
    space: Space,
    /// The Rust path programs import `State` and `Action` from.
    import: String,
    seed: u64,
    generation: u64,
}

/// Tries to find a genome not seen before, before giving up and accepting a repeat.
const DEDUP_TRIES: usize = 20;

impl OfflineProposer {
    /// A proposer for `env`: an SDK env id or name (`cartpole`, `cartpole-v0`) or a registered
    /// id whose rewards use an SDK env (`cartpole_continuous-v0`).
    pub fn new(env: &str, seed: u64) -> Result<Self, OfflineError> {
        let reward_env = rewardsmith_envs::registry::find(env).map_or(env, |r| r.spec.reward_env);
        let layout = envs::find(reward_env).or_else(|| envs::find(env)).ok_or_else(|| OfflineError::UnknownEnv {
            env: env.into(),
            known: envs::ALL.iter().map(|e| e.id).collect::<Vec<_>>().join(", "),
        })?;
        let import = format!("rewardsmith_guest::envs::{}", rewardsmith_envs::registry::base_name(layout.id));
        Self::for_layout(layout, import, seed)
    }

    /// A proposer for any env layout (a schema env's too), whose programs import their
    /// `State` and `Action` from `import` (`crate::env` for a schema env).
    pub fn for_layout(layout: &'static EnvLayout, import: String, seed: u64) -> Result<Self, OfflineError> {
        let space = Space::new(layout, &constant_floats(layout));
        if space.components.is_empty() {
            return Err(OfflineError::NothingToShape { env: layout.id.into() });
        }
        Ok(OfflineProposer { space, import, seed, generation: 0 })
    }

    /// The SDK env id programs are written for (`cartpole-v0`).
    pub fn env_id(&self) -> &'static str {
        self.space.layout.id
    }

    /// Calls made so far (`initial` and `next` each count one).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Restores the call count, so a resumed run continues the same streams.
    pub fn set_generation(&mut self, generation: u64) {
        self.generation = generation;
    }

    fn rng(&mut self) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(self.generation);
        self.generation += 1;
        rng
    }

    /// The Rust source of `genome`.
    pub fn render(&self, genome: &Genome) -> String {
        render::render(&self.import, self.space.layout.id, genome)
    }

    fn proposal(&self, genome: Genome, parent: Option<usize>, note: String) -> Proposal {
        Proposal { source: self.render(&genome), genome, parent, note }
    }

    /// First generation: `n` diverse programs — the prior's best guess first, then random ones.
    pub fn initial(&mut self, n: usize) -> Vec<Proposal> {
        let mut rng = self.rng();
        let mut out: Vec<Proposal> = Vec::with_capacity(n);
        if n > 0 {
            let g = self.space.heuristic_genome();
            out.push(self.proposal(g, None, "prior: tolerance on the most task-relevant fields, alive, effort".into()));
        }
        while out.len() < n {
            let g = self.fresh(&mut rng, &[], &out);
            let note = format!("random: {} terms", g.terms.len());
            out.push(self.proposal(g, None, note));
        }
        out
    }

    /// Next generation from scored genomes (higher fitness is better; failed candidates may
    /// be passed with `f64::NEG_INFINITY`). Children of the better-ranked genomes, mutated
    /// (and sometimes crossed); with four or more, the last is a fresh random program to keep
    /// diversity. Never repeats a scored genome or itself when it can avoid it.
    pub fn next(&mut self, scored: &[(Genome, f64)], n: usize) -> Vec<Proposal> {
        self.next_preferring(scored, n, None)
    }

    /// [`next`](Self::next) with a genome a person marked best: `scored[preferred]` ranks first,
    /// ahead of fitness order, and the first child is always derived from it. (To keep a genome
    /// from being a parent, score it `f64::NEG_INFINITY`.) Without a preference this is `next`,
    /// draw for draw.
    pub fn next_preferring(&mut self, scored: &[(Genome, f64)], n: usize, preferred: Option<usize>) -> Vec<Proposal> {
        let mut rng = self.rng();
        let preferred = preferred.filter(|&p| p < scored.len() && !scored[p].0.terms.is_empty());
        let mut ranked: Vec<usize> = (0..scored.len())
            .filter(|&i| Some(i) != preferred && scored[i].1.is_finite() && !scored[i].0.terms.is_empty())
            .collect();
        ranked.sort_by(|&a, &b| scored[b].1.total_cmp(&scored[a].1).then(a.cmp(&b)));
        if let Some(p) = preferred {
            ranked.insert(0, p);
        }
        // Parents: the better half, at most the best 8 (the loop may pass its whole history).
        let pool = &ranked[..ranked.len().min(ranked.len().div_ceil(2).clamp(2, 8))];
        let mut out: Vec<Proposal> = Vec::with_capacity(n);
        while out.len() < n {
            if pool.is_empty() || (n >= 4 && out.len() == n - 1) {
                let g = self.fresh(&mut rng, scored, &out);
                let why = if pool.is_empty() { "nothing scored yet" } else { "immigrant" };
                let note = format!("random ({why}): {} terms", g.terms.len());
                out.push(self.proposal(g, None, note));
                continue;
            }
            let mut child = None;
            for _ in 0..DEDUP_TRIES {
                let first_of_preferred = out.is_empty() && preferred.is_some();
                let p = if first_of_preferred { pool[0] } else { pool[rank_weighted(&mut rng, pool.len())] };
                let (mut g, mut note) = (scored[p].0.clone(), String::new());
                if first_of_preferred {
                    note.push_str("from the candidate a person marked best; ");
                }
                if pool.len() >= 2 && rng.random_bool(0.2) {
                    let mut q = p;
                    while q == p {
                        q = pool[rng.random_range(0..pool.len())];
                    }
                    g = mutate::crossover(&g, &scored[q].0, &mut rng);
                    note = format!("crossover with #{q}; ");
                }
                note.push_str(&mutate::mutate(&mut g, &self.space, &mut rng));
                let candidate = (g, p, note);
                let fresh = !seen(&candidate.0, scored, &out);
                child = Some(candidate);
                if fresh {
                    break;
                }
            }
            let (g, p, note) = child.expect("at least one try");
            out.push(self.proposal(g, Some(p), note));
        }
        out
    }

    /// A random genome not among `scored` or `out` (if one is found in a few tries).
    fn fresh(&self, rng: &mut ChaCha8Rng, scored: &[(Genome, f64)], out: &[Proposal]) -> Genome {
        let mut g = self.space.random_genome(rng);
        for _ in 0..DEDUP_TRIES {
            if !seen(&g, scored, out) {
                break;
            }
            g = self.space.random_genome(rng);
        }
        g
    }
}

/// Which state floats stay constant over 1,024 transitions of the env under random actions
/// (none known when the env has no simulator).
fn constant_floats(layout: &EnvLayout) -> Vec<bool> {
    let Ok(data) = crate::transitions::rollout(layout.id, 1024, 0) else { return Vec::new() };
    (0..layout.state_len)
        .map(|i| {
            let mut values = data.chunks_exact(layout.transition_len()).map(|t| layout.split_transition(t).2[i]);
            let first = values.next().unwrap_or(0.0);
            values.all(|v| v == first)
        })
        .collect()
}

fn seen(g: &Genome, scored: &[(Genome, f64)], out: &[Proposal]) -> bool {
    scored.iter().any(|s| &s.0 == g) || out.iter().any(|p| &p.genome == g)
}

/// An index in `0..k`, rank 0 the likeliest (weights k, k−1, ..., 1).
fn rank_weighted(rng: &mut ChaCha8Rng, k: usize) -> usize {
    let total = k * (k + 1) / 2;
    let mut u = rng.random_range(0..total);
    for r in 0..k {
        let w = k - r;
        if u < w {
            return r;
        }
        u -= w;
    }
    k - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENVS: &[&str] = &["ant", "ball_balance", "cartpole", "pendulum", "pusher", "reacher"];

    fn sources(p: &[Proposal]) -> Vec<String> {
        p.iter().map(|p| p.source.clone()).collect()
    }

    /// Runs two generations with made-up fitness (the number of terms, failures mixed in).
    fn two_generations(env: &str, seed: u64) -> Vec<Proposal> {
        let mut p = OfflineProposer::new(env, seed).unwrap();
        let first = p.initial(8);
        let scored: Vec<(Genome, f64)> = first
            .iter()
            .enumerate()
            .map(|(i, q)| (q.genome.clone(), if i % 3 == 2 { f64::NEG_INFINITY } else { q.genome.terms.len() as f64 }))
            .collect();
        let mut all = first;
        all.extend(p.next(&scored, 8));
        all
    }

    #[test]
    fn same_seed_same_sources_other_seed_other_sources() {
        for env in ENVS {
            let a = two_generations(env, 7);
            assert_eq!(sources(&a), sources(&two_generations(env, 7)), "{env}");
            assert_ne!(sources(&a), sources(&two_generations(env, 8)), "{env}");
        }
    }

    #[test]
    fn a_resumed_proposer_continues_the_same_stream() {
        let mut p = OfflineProposer::new("reacher", 3).unwrap();
        let first = p.initial(4);
        let scored: Vec<(Genome, f64)> = first.iter().map(|q| (q.genome.clone(), 0.5)).collect();
        let second = p.next(&scored, 4);
        let mut resumed = OfflineProposer::new("reacher-v0", 3).unwrap();
        resumed.set_generation(1);
        assert_eq!(resumed.next(&scored, 4), second);
    }

    #[test]
    fn genomes_respect_the_bounds_and_names_are_unique_snake_case() {
        for env in ENVS {
            for seed in 0..5 {
                for q in two_generations(env, seed) {
                    let g = &q.genome;
                    assert!(!g.terms.is_empty() && g.terms.len() <= MAX_TERMS, "{env}: {} terms", g.terms.len());
                    for t in &g.terms {
                        assert!((COEF_RANGE.0..=COEF_RANGE.1).contains(&t.coef), "{env}: coef {}", t.coef);
                    }
                    let names = g.term_names();
                    for (i, n) in names.iter().enumerate() {
                        assert!(
                            n.len() <= 48
                                && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                        );
                        assert!(!names[..i].contains(n), "{env}: duplicate {n}");
                        assert!(q.source.contains(&format!("\"{n}\",")), "{env}: {n} not in source");
                    }
                    assert!(q.source.contains("export_reward!(reward);") && !q.note.is_empty());
                }
            }
        }
    }

    #[test]
    fn children_come_from_scored_genomes_and_repeat_none() {
        let all = two_generations("cartpole", 1);
        let (first, second) = all.split_at(8);
        for (i, q) in second.iter().enumerate() {
            if let Some(p) = q.parent {
                assert!(p < 8 && p % 3 != 2, "child {i} of failed or unknown parent {p}");
            }
            assert!(first.iter().all(|f| f.genome != q.genome), "child {i} repeats a scored genome");
            assert!(second[..i].iter().all(|f| f.genome != q.genome), "child {i} repeats a sibling");
        }
        assert!(second.iter().filter(|q| q.parent.is_some()).count() >= 6);
        assert_eq!(first[0].parent, None);
    }

    #[test]
    fn a_preferred_genome_parents_the_first_child_and_a_worst_one_none() {
        let mut p = OfflineProposer::new("cartpole", 4).unwrap();
        let first = p.initial(8);
        // Fitness by index: the preferred genome (7) scores lowest, the rejected one (0) highest.
        let mut scored: Vec<(Genome, f64)> =
            first.iter().enumerate().map(|(i, q)| (q.genome.clone(), 10.0 - i as f64)).collect();
        scored[0].1 = f64::NEG_INFINITY;
        let mut again = p.clone();
        let next = p.next_preferring(&scored, 6, Some(7));
        assert_eq!(next[0].parent, Some(7), "{:?}", next[0].note);
        assert!(next[0].note.contains("marked best"));
        assert!(next.iter().all(|q| q.parent != Some(0)), "the rejected genome parented a child");
        assert_eq!(again.next_preferring(&scored, 6, Some(7)), next, "deterministic");
        // Without a preference, `next` and `next_preferring(.., None)` are the same draws.
        let (mut a, mut b) =
            (OfflineProposer::new("cartpole", 4).unwrap(), OfflineProposer::new("cartpole", 4).unwrap());
        a.set_generation(1);
        b.set_generation(1);
        assert_eq!(a.next(&scored, 6), b.next_preferring(&scored, 6, None));
    }

    #[test]
    fn with_nothing_scored_it_proposes_fresh_programs() {
        let mut p = OfflineProposer::new("pendulum", 0).unwrap();
        let first = p.initial(3);
        let failed: Vec<(Genome, f64)> = first.iter().map(|q| (q.genome.clone(), f64::NEG_INFINITY)).collect();
        let next = p.next(&failed, 3);
        assert_eq!(next.len(), 3);
        assert!(next.iter().all(|q| q.parent.is_none() && q.note.contains("nothing scored")));
    }

    #[test]
    fn genomes_round_trip_through_json_and_unknown_envs_are_errors() {
        let mut p = OfflineProposer::new("cartpole_continuous-v0", 0).unwrap();
        assert_eq!(p.env_id(), "cartpole-v0");
        for q in p.initial(5) {
            let json = serde_json::to_string(&q.genome).unwrap();
            assert_eq!(serde_json::from_str::<Genome>(&json).unwrap(), q.genome);
        }
        let e = OfflineProposer::new("nope", 0).unwrap_err();
        assert_eq!(e.kind(), "unknown_env");
        assert!(e.to_string().contains("reacher-v0"));
    }
}
