//! What a finished (or stopped) training reports: the numbers the evolve loop selects on and
//! the reward-reflection data it shows an LLM (Eureka's format: each term's mean per-step
//! value at ~10 evenly spaced checkpoints, with their max/mean/min).

use serde::{Deserialize, Serialize};

use super::metrics::{self, Record, TERM_PREFIX};

/// Why training stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The step budget was used up.
    Completed,
    /// The wall-clock budget ran out; everything learned so far is kept.
    TimeLimit,
    /// The caller cancelled; everything learned so far is kept.
    Cancelled,
}

/// A series sampled at the checkpoints, with its summary over them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    pub name: String,
    /// One value per checkpoint (`None`: no data at that checkpoint).
    pub values: Vec<Option<f64>>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub min: Option<f64>,
}

impl Curve {
    fn sample(name: &str, records: &[Record], at: &[usize]) -> Curve {
        let values: Vec<Option<f64>> = at.iter().map(|&i| records[i].get(name)).collect();
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        let mean = (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64);
        Curve {
            name: name.to_owned(),
            max: present.iter().copied().reduce(f64::max),
            min: present.iter().copied().reduce(f64::min),
            mean,
            values,
        }
    }
}

/// Mean and population standard deviation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    pub mean: f64,
    pub std: f64,
    /// How many values.
    pub n: usize,
}

impl MeanStd {
    pub fn of(values: &[f64]) -> Option<MeanStd> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let std = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
        Some(MeanStd { mean, std, n: values.len() })
    }
}

/// The summary of a training run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainResult {
    pub env: String,
    pub seed: u64,
    pub stop: StopReason,
    /// Env steps taken (all envs).
    pub steps: u64,
    pub iterations: u64,
    pub wall_s: f64,
    /// Env steps per second.
    pub sps: f64,
    /// Mean task fitness of the last 100 episodes.
    pub final_fitness: Option<f64>,
    /// Task fitness of the episodes that ended in the late window (the last
    /// `late_window` of training; at least the last `num_envs` episodes). What selection uses.
    pub late_fitness: Option<MeanStd>,
    /// Episode lengths (steps) over the same late window.
    pub late_episode_length: Option<MeanStd>,
    /// Episode returns over the same late window.
    pub late_return: Option<MeanStd>,
    /// The env's solved fitness, and the first step / second at which the last 100
    /// episodes' mean fitness reached it.
    pub solved_fitness: f64,
    pub solved_at_step: Option<u64>,
    pub solved_at_s: Option<f64>,
    /// Episodes finished.
    pub episodes: u64,
    /// Fraction of wall-clock time in the sandboxed reward.
    pub reward_share: f64,
    pub reward_ns_per_transition: f64,
    /// Env steps at each checkpoint.
    pub checkpoint_steps: Vec<u64>,
    /// Task fitness, episode length and return at the checkpoints.
    pub fitness: Curve,
    pub episode_length: Curve,
    pub episodic_return: Curve,
    /// Every reward term's mean per-step value at the checkpoints.
    pub terms: Vec<Curve>,
    /// The best checkpoint (`train::best`): when it was taken and its held-out fitness.
    /// `None` when training kept none (`best_episodes` 0, or a run older than the field).
    #[serde(default)]
    pub best: Option<super::best::BestInfo>,
}

impl TrainResult {
    /// A result as stored with a candidate (`None` when absent or not a result: the
    /// record keeps the JSON so the store stays below `train`).
    pub fn from_stored(v: Option<&serde_json::Value>) -> Option<TrainResult> {
        TrainResult::deserialize(v?).ok()
    }
}

/// Indices of `count` evenly spaced records, first and last included.
pub fn checkpoint_indices(records: usize, count: usize) -> Vec<usize> {
    if records == 0 || count == 0 {
        return Vec::new();
    }
    if count == 1 || records == 1 {
        return vec![records - 1];
    }
    let mut at: Vec<usize> = (0..count).map(|k| (k * (records - 1) + (count - 1) / 2) / (count - 1)).collect();
    at.dedup();
    at
}

/// The reflection curves of a run's records.
pub fn curves(records: &[Record], term_names: &[String], count: usize) -> (Vec<u64>, [Curve; 3], Vec<Curve>) {
    let at = checkpoint_indices(records.len(), count);
    let steps = at.iter().map(|&i| records[i].global_step).collect();
    let charts = [
        Curve::sample(metrics::FITNESS, records, &at),
        Curve::sample(metrics::EPISODE_LENGTH, records, &at),
        Curve::sample(metrics::EPISODIC_RETURN, records, &at),
    ];
    let terms = term_names
        .iter()
        .map(|n| {
            let mut c = Curve::sample(&format!("{TERM_PREFIX}{n}"), records, &at);
            c.name = n.clone();
            c
        })
        .collect();
    (steps, charts, terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_are_evenly_spaced_and_include_both_ends() {
        assert_eq!(checkpoint_indices(100, 10), vec![0, 11, 22, 33, 44, 55, 66, 77, 88, 99]);
        assert_eq!(checkpoint_indices(3, 10), vec![0, 1, 2]);
        assert_eq!(checkpoint_indices(1, 10), vec![0]);
        assert!(checkpoint_indices(0, 10).is_empty());
    }

    #[test]
    fn curves_summarise_present_values_only() {
        let rec = |i: u64, v: Option<f64>| Record {
            iteration: i,
            global_step: i * 10,
            wall_s: 0.0,
            values: vec![("terms/upright".into(), v)],
        };
        let records = vec![rec(0, Some(1.0)), rec(1, None), rec(2, Some(3.0))];
        let (steps, _, terms) = curves(&records, &["upright".into()], 10);
        assert_eq!(steps, vec![0, 10, 20]);
        assert_eq!(terms[0].values, vec![Some(1.0), None, Some(3.0)]);
        assert_eq!((terms[0].max, terms[0].mean, terms[0].min), (Some(3.0), Some(2.0), Some(1.0)));
    }
}
