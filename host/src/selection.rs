//! How candidates are compared: one rule for the evolve loop, the run store, the report
//! and the playground (a [`crate::candidate::Candidate`] maps itself onto a [`Trial`]).
//!
//! A search candidate is trained once, on the run's seed, and one seed's late-window
//! fitness is partly luck: the best of 80 single-seed trainings tends to be the luckiest
//! (a default reacher run picked a reward at 0.997 that scored 0.917 ± 0.033 on fresh
//! seeds, below the human reward). So after each iteration the loop retrains its leading
//! candidates on more seeds (*rechecks*), and a candidate's **selection fitness** is the
//! mean of its late-window fitness over every seed it trained on. A recheck that fails
//! counts as −∞: a reward that breaks on some seed is not chosen. Once any recheck has
//! finished, only rechecked candidates can be the best; with rechecks off the rule is the
//! single-seed fitness. Ties go to the earlier candidate (lower id).

use serde::{Deserialize, Serialize};

/// What a training is, for selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A proposed reward's own training (LLM or offline proposer).
    Search,
    /// A retraining of the search candidate in the same group on another seed.
    Recheck,
    /// Baselines and final-evaluation retrains: never selected.
    Other,
}

/// Where a training stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    /// Not finished: ignored.
    Pending,
    /// Finished without a fitness (compile, reward or training error).
    Failed,
    /// Trained; −∞ when no episode ended.
    Trained(f64),
}

/// One training as selection sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trial {
    pub id: i64,
    /// `(iteration, attempt, sample)`: a search candidate and its rechecks share it.
    pub group: (u32, u32, u32),
    pub role: Role,
    pub outcome: Outcome,
}

/// A candidate's selection fitness.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// Mean late-window fitness over `seeds` trainings (−∞ if any of them failed).
    pub mean: f64,
    /// Population standard deviation over the seeds (0 for one seed or a non-finite mean).
    pub std: f64,
    pub seeds: u32,
}

impl Selection {
    /// `0.950` for one seed, `0.950 (mean of 3 seeds, ± 0.012)` for more.
    pub fn describe(&self) -> String {
        let mean = if self.mean.is_finite() { format!("{:.3}", self.mean) } else { "−∞".to_owned() };
        if self.seeds <= 1 { mean } else { format!("{mean} (mean of {} seeds, ± {:.3})", self.seeds, self.std) }
    }
}

/// The selection fitness of the search trial `id` (`None`: not a trained search candidate).
pub fn selection_of(trials: &[Trial], id: i64) -> Option<Selection> {
    let t = trials.iter().find(|t| t.id == id && t.role == Role::Search)?;
    let Outcome::Trained(own) = t.outcome else { return None };
    let mut values = vec![own];
    values.extend(trials.iter().filter(|r| r.role == Role::Recheck && r.group == t.group).filter_map(
        |r| match r.outcome {
            Outcome::Pending => None,
            Outcome::Failed => Some(f64::NEG_INFINITY),
            Outcome::Trained(f) => Some(f),
        },
    ));
    Some(summarise(&values))
}

/// Whether any recheck has finished (from then on only rechecked candidates are selected).
fn any_recheck(trials: &[Trial]) -> bool {
    trials.iter().any(|t| t.role == Role::Recheck && t.outcome != Outcome::Pending)
}

/// The best search candidate and its selection fitness.
pub fn best(trials: &[Trial]) -> Option<(i64, Selection)> {
    let rechecked_only = any_recheck(trials);
    trials
        .iter()
        .filter(|t| t.role == Role::Search)
        .filter_map(|t| Some((t.id, selection_of(trials, t.id)?)))
        .filter(|(_, s)| !s.mean.is_nan() && (!rechecked_only || s.seeds > 1))
        // max_by keeps the last of equals: compare ids reversed so the earliest wins.
        .max_by(|(ia, a), (ib, b)| a.mean.total_cmp(&b.mean).then(ib.cmp(ia)))
}

/// The best of `items`, mapped onto trials by `view`.
pub fn best_of<T>(items: &[T], view: impl Fn(&T) -> Trial) -> Option<(&T, Selection)> {
    let trials: Vec<Trial> = items.iter().map(view).collect();
    let (id, s) = best(&trials)?;
    let i = trials.iter().position(|t| t.id == id)?;
    Some((&items[i], s))
}

fn summarise(values: &[f64]) -> Selection {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = if mean.is_finite() && values.len() > 1 {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
    } else {
        0.0
    };
    Selection { mean, std, seeds: values.len() as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(id: i64, sample: u32, f: f64) -> Trial {
        Trial { id, group: (0, 0, sample), role: Role::Search, outcome: Outcome::Trained(f) }
    }
    fn recheck(id: i64, sample: u32, outcome: Outcome) -> Trial {
        Trial { id, group: (0, 0, sample), role: Role::Recheck, outcome }
    }

    #[test]
    fn without_rechecks_the_single_seed_fitness_decides_and_ties_go_to_the_earlier() {
        let t = [search(1, 0, 0.5), search(2, 1, 0.9), search(3, 2, 0.9)];
        assert_eq!(best(&t), Some((2, Selection { mean: 0.9, std: 0.0, seeds: 1 })));
    }

    #[test]
    fn a_lucky_single_seed_loses_to_a_candidate_that_holds_up_on_more_seeds() {
        let t = [
            search(1, 0, 0.99), // lucky: 0.99 then 0.80, 0.84
            search(2, 1, 0.95), // steady
            search(3, 2, 0.97), // never rechecked: cannot be best once rechecks exist
            recheck(4, 0, Outcome::Trained(0.80)),
            recheck(5, 0, Outcome::Trained(0.84)),
            recheck(6, 1, Outcome::Trained(0.94)),
            recheck(7, 1, Outcome::Trained(0.96)),
        ];
        let (id, s) = best(&t).expect("a best");
        assert_eq!(id, 2);
        assert_eq!(s.seeds, 3);
        assert!((s.mean - 0.95).abs() < 1e-12, "{s:?}");
        assert_eq!(selection_of(&t, 1).map(|s| s.seeds), Some(3));
        assert_eq!(selection_of(&t, 3).map(|s| s.seeds), Some(1));
    }

    #[test]
    fn a_failed_recheck_counts_as_minus_infinity_and_a_pending_one_is_ignored() {
        let t = [
            search(1, 0, 0.99),
            search(2, 1, 0.10),
            recheck(3, 0, Outcome::Failed),
            recheck(4, 1, Outcome::Trained(0.2)),
            recheck(5, 1, Outcome::Pending),
        ];
        assert_eq!(selection_of(&t, 1).map(|s| s.mean), Some(f64::NEG_INFINITY));
        let (id, s) = best(&t).expect("a best");
        assert_eq!((id, s.seeds), (2, 2));
    }

    #[test]
    fn baselines_failures_and_pending_candidates_are_never_selected() {
        let t = [
            Trial { id: 1, group: (5, 0, 0), role: Role::Other, outcome: Outcome::Trained(9.0) },
            Trial { id: 2, group: (0, 0, 0), role: Role::Search, outcome: Outcome::Failed },
            Trial { id: 3, group: (0, 0, 1), role: Role::Search, outcome: Outcome::Pending },
        ];
        assert_eq!(best(&t), None);
        let t = [search(1, 0, f64::NEG_INFINITY), search(2, 1, f64::NEG_INFINITY)];
        assert_eq!(best(&t).map(|(id, _)| id), Some(1), "−∞ is a fitness: trained, no episode ended");
    }

    #[test]
    fn describe_says_how_many_seeds() {
        assert_eq!(Selection { mean: 0.95, std: 0.0, seeds: 1 }.describe(), "0.950");
        assert_eq!(Selection { mean: 0.95, std: 0.0125, seeds: 3 }.describe(), "0.950 (mean of 3 seeds, ± 0.013)");
    }
}
