//! Candidates trained by a user's training function (a schema env's run, see
//! [`super::target::Target::Schema`]): what the function reports, checked against
//! allow-lists, and turned into the [`TrainOutcome`] the built-in trainer gives — with a
//! [`TrainResult`] — so selection, the LLM's reflection, the report and the playground read
//! it like any other candidate.
//!
//! The report is JSON (`rewardsmith.evolve` makes it from the function's return value): a
//! number (the fitness), or an object with `fitness` and, optionally, per-term statistics
//! and curves. A malformed report is the candidate's `train_fn` error saying what was wrong;
//! it never stops the run.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::executor::{TrainJob, TrainOutcome};
use crate::candidate::Status;
use crate::train::{Curve, MeanStd, StopReason, TrainResult};

/// The error kind of a training function that raised or reported nonsense.
pub const KIND: &str = "train_fn";
/// Most terms a report may give.
pub const MAX_TERMS: usize = 64;
/// Most values in one series (checkpoints).
pub const MAX_POINTS: usize = 1000;
/// Longest term name, bytes.
pub const MAX_NAME: usize = 64;

/// What a training function reports for one candidate.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainReport {
    /// The trained policy's task fitness (higher is better): what selection uses.
    pub fitness: f64,
    /// Its spread over the evaluation episodes, and how many there were (optional).
    #[serde(default)]
    pub fitness_std: Option<f64>,
    #[serde(default)]
    pub episodes: Option<u64>,
    /// Each reward term's mean per-step value: one number, or one per checkpoint.
    #[serde(default)]
    pub terms: BTreeMap<String, Series>,
    /// Task fitness at checkpoints during training.
    #[serde(default)]
    pub fitness_curve: Option<Series>,
    /// Episode length (steps) and episode return at checkpoints, or once.
    #[serde(default)]
    pub episode_length: Option<Series>,
    #[serde(default)]
    pub episodic_return: Option<Series>,
    /// Env steps taken (default: the job's budget).
    #[serde(default)]
    pub steps: Option<u64>,
}

/// One value, or one per checkpoint (the last at the end of training).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Series {
    One(f64),
    Many(Vec<f64>),
}

impl Series {
    fn values(&self) -> &[f64] {
        match self {
            Series::One(v) => std::slice::from_ref(v),
            Series::Many(v) => v,
        }
    }
}

impl TrainReport {
    /// Parses a report: a bare number is the fitness.
    pub fn parse(text: &str) -> Result<TrainReport, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let report = match value {
            serde_json::Value::Number(n) => TrainReport {
                fitness: n.as_f64().ok_or("the fitness is not a number")?,
                fitness_std: None,
                episodes: None,
                terms: BTreeMap::new(),
                fitness_curve: None,
                episode_length: None,
                episodic_return: None,
                steps: None,
            },
            v @ serde_json::Value::Object(_) => serde_json::from_value(v).map_err(|e| {
                format!(
                    "{e}; return a number (the fitness) or a dict with `fitness` and optionally `fitness_std`, \
                     `episodes`, `terms` ({{name: value or [values]}}), `fitness_curve`, `episode_length`, \
                     `episodic_return`, `steps`"
                )
            })?,
            other => return Err(format!("returned {other}; return a number (the fitness) or a dict with `fitness`")),
        };
        report.check()?;
        Ok(report)
    }

    fn check(&self) -> Result<(), String> {
        if !self.fitness.is_finite() {
            return Err(format!("fitness is {}; it must be a finite number", self.fitness));
        }
        if self.terms.len() > MAX_TERMS {
            return Err(format!("{} terms; at most {MAX_TERMS}", self.terms.len()));
        }
        for name in self.terms.keys() {
            let ok = !name.is_empty()
                && name.len() <= MAX_NAME
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
            if !ok {
                return Err(format!(
                    "term name {name:?}: use 1 to {MAX_NAME} letters, digits, `_`, `.` or `-` (the reward's term names)"
                ));
            }
        }
        let series = self.terms.iter().map(|(n, s)| (n.as_str(), s)).chain(
            [("fitness_curve", &self.fitness_curve), ("episode_length", &self.episode_length)]
                .into_iter()
                .chain([("episodic_return", &self.episodic_return)])
                .filter_map(|(n, s)| s.as_ref().map(|s| (n, s))),
        );
        for (name, s) in series {
            let v = s.values();
            if v.is_empty() || v.len() > MAX_POINTS {
                return Err(format!("`{name}` has {} values; give 1 to {MAX_POINTS}", v.len()));
            }
            if let Some(x) = v.iter().find(|x| !x.is_finite()) {
                return Err(format!("`{name}` holds {x}; every value must be finite"));
            }
        }
        if self.fitness_std.is_some_and(|s| !s.is_finite() || s < 0.0) {
            return Err("fitness_std must be a finite number ≥ 0".into());
        }
        Ok(())
    }

    /// The candidate's outcome: trained, with a [`TrainResult`] built from this report for
    /// `job` (its env, seed and budget), `wall_s` the function's wall-clock seconds.
    pub fn outcome(&self, job: &TrainJob, wall_s: f64) -> TrainOutcome {
        let steps = self.steps.unwrap_or(job.config.ppo.total_steps);
        let all = self
            .terms
            .values()
            .chain([&self.fitness_curve, &self.episode_length, &self.episodic_return].into_iter().flatten());
        let checkpoints = all.map(|s| s.values().len()).max().unwrap_or(1).max(1);
        let checkpoint_steps = (1..=checkpoints as u64).map(|k| steps * k / checkpoints as u64).collect();
        let curve = |name: &str, s: Option<&Series>| curve(name, s.map(Series::values).unwrap_or(&[]), checkpoints);
        let last = |s: &Option<Series>| s.as_ref().and_then(|s| s.values().last().copied());
        let one = |v: f64| MeanStd { mean: v, std: 0.0, n: 1 };
        let fitness_curve = match &self.fitness_curve {
            Some(s) => curve("task_fitness", Some(s)),
            None => curve("task_fitness", Some(&Series::One(self.fitness))),
        };
        let result = TrainResult {
            env: job.config.env.clone(),
            seed: job.config.seed,
            stop: StopReason::Completed,
            steps,
            iterations: 0,
            wall_s,
            sps: if wall_s > 0.0 { steps as f64 / wall_s } else { 0.0 },
            final_fitness: Some(self.fitness),
            late_fitness: Some(MeanStd {
                mean: self.fitness,
                std: self.fitness_std.unwrap_or(0.0),
                n: self.episodes.map_or(1, |e| e.max(1) as usize),
            }),
            late_episode_length: last(&self.episode_length).map(one),
            late_return: last(&self.episodic_return).map(one),
            // A schema env has no solved threshold: one no fitness reaches.
            solved_fitness: f64::MAX,
            solved_at_step: None,
            solved_at_s: None,
            episodes: self.episodes.unwrap_or(0),
            reward_share: 0.0,
            reward_ns_per_transition: 0.0,
            checkpoint_steps,
            fitness: fitness_curve,
            episode_length: curve("episode_length", self.episode_length.as_ref()),
            episodic_return: curve("episodic_return", self.episodic_return.as_ref()),
            terms: self.terms.iter().map(|(n, s)| curve(n, Some(s))).collect(),
            best: None,
        };
        TrainOutcome {
            candidate_id: job.candidate_id,
            status: Status::Trained,
            fitness: Some(self.fitness),
            result: serde_json::to_value(&result).ok(),
            error_kind: None,
            error_text: None,
            run_dir: None,
            files: Vec::new(),
        }
    }
}

/// `values` as a curve over `checkpoints`, aligned to the end (a single value is the
/// last checkpoint's).
fn curve(name: &str, values: &[f64], checkpoints: usize) -> Curve {
    let mut at: Vec<Option<f64>> = vec![None; checkpoints.saturating_sub(values.len())];
    at.extend(values.iter().map(|v| Some(*v)));
    let mean = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    Curve {
        name: name.to_owned(),
        values: at,
        max: values.iter().copied().reduce(f64::max),
        mean,
        min: values.iter().copied().reduce(f64::min),
    }
}

/// The outcome of `job` given what its training function did: `Ok(report JSON)` when it
/// returned, `Err((status, kind, text))` when it raised (a reward error the sandbox raised
/// while it trained is `reward_error` with the sandbox's kind; anything else `train_error`).
pub fn outcome(job: &TrainJob, returned: Result<&str, (Status, &str, String)>, wall_s: f64) -> TrainOutcome {
    match returned {
        Ok(text) => match TrainReport::parse(text) {
            Ok(report) => report.outcome(job, wall_s),
            Err(why) => TrainOutcome::failed(
                job.candidate_id,
                Status::TrainError,
                KIND,
                format!("the training function's result: {why}"),
            ),
        },
        Err((status, kind, text)) => TrainOutcome::failed(job.candidate_id, status, kind, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::TrainConfig;

    fn job() -> TrainJob {
        let mut config = TrainConfig::new("toy-v0");
        config.ppo.total_steps = 1000;
        config.seed = 3;
        TrainJob {
            candidate_id: 9,
            source: String::new(),
            wasm: Vec::new(),
            config,
            schema: None,
            compiler_isolation: None,
        }
    }

    #[test]
    fn a_number_is_the_fitness_and_a_dict_gives_curves_the_reflection_reads() {
        let o = outcome(&job(), Ok("2.5"), 1.0);
        assert_eq!((o.status, o.fitness), (Status::Trained, Some(2.5)));
        let r = TrainResult::from_stored(o.result.as_ref()).expect("a stored result");
        assert_eq!((r.seed, r.steps, r.late_fitness.map(|m| m.mean)), (3, 1000, Some(2.5)));

        let text = r#"{"fitness": 1.5, "fitness_std": 0.5, "episodes": 4, "terms": {"forward": [0.1, 0.2, 0.3], "ctrl": -0.05},
            "episode_length": 1000, "steps": 900}"#;
        let o = outcome(&job(), Ok(text), 2.0);
        let r = TrainResult::from_stored(o.result.as_ref()).unwrap();
        assert_eq!(r.checkpoint_steps, vec![300, 600, 900]);
        assert_eq!(r.late_fitness, Some(MeanStd { mean: 1.5, std: 0.5, n: 4 }));
        let ctrl = r.terms.iter().find(|t| t.name == "ctrl").unwrap();
        assert_eq!(ctrl.values, vec![None, None, Some(-0.05)]);
        let forward = r.terms.iter().find(|t| t.name == "forward").unwrap();
        assert_eq!((forward.min, forward.max), (Some(0.1), Some(0.3)));
        assert_eq!(r.late_episode_length.map(|m| m.mean), Some(1000.0));
        let table = crate::evolve::prompts::reflection_table(&r);
        assert!(table.contains("forward: [0.100, 0.200, 0.300]") && table.contains("ctrl: [–, –, -0.050]"), "{table}");
    }

    #[test]
    fn a_malformed_report_is_the_candidates_train_fn_error() {
        for (text, says) in [
            ("\"good\"", "return a number"),
            ("{\"fitnes\": 1}", "unknown field `fitnes`"),
            ("{\"terms\": {}}", "missing field `fitness`"),
            ("{\"fitness\": 1, \"terms\": {\"a b\": 1}}", "term name \"a b\""),
            ("{\"fitness\": 1, \"terms\": {\"a\": []}}", "`a` has 0 values"),
            ("{\"fitness\": 1, \"fitness_std\": -1}", "fitness_std"),
            ("[1]", "return a number"),
            ("NaN", "not JSON"),
        ] {
            let o = outcome(&job(), Ok(text), 0.1);
            assert_eq!((o.status, o.error_kind.as_deref()), (Status::TrainError, Some(KIND)), "{text}");
            let e = o.error_text.unwrap();
            assert!(e.contains(says), "{text}: {e}");
        }
        let many: BTreeMap<String, f64> = (0..=MAX_TERMS).map(|i| (format!("t{i}"), 0.0)).collect();
        let text = serde_json::json!({ "fitness": 0.0, "terms": many }).to_string();
        assert!(outcome(&job(), Ok(&text), 0.1).error_text.unwrap().contains("at most 64"));
        let raised = outcome(&job(), Err((Status::RewardError, "panicked", "boom".into())), 0.1);
        assert_eq!((raised.status, raised.error_kind.as_deref()), (Status::RewardError, Some("panicked")));
    }
}
