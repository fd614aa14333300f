//! Per-iteration metrics with fixed, documented names (CleanRL's TensorBoard tags), and
//! their JSONL and CSV forms. The names are listed in `docs/training.md`.

use std::fmt::Write as _;

use serde::Serialize;

/// Mean return (sum of the reward program's totals) of episodes that ended this iteration.
pub const EPISODIC_RETURN: &str = "charts/episodic_return";
/// Mean task fitness of episodes that ended this iteration.
pub const FITNESS: &str = "charts/fitness";
/// Mean task fitness of the last 100 episodes (what "solved" is judged on).
pub const FITNESS_100: &str = "charts/fitness_100";
/// Mean task fitness of the held-out episodes that choose the best checkpoint
/// (`train::best`); present only at the iterations that evaluate.
pub const EVAL_FITNESS: &str = "eval/fitness";
/// Mean length (steps) of episodes that ended this iteration.
pub const EPISODE_LENGTH: &str = "charts/episode_length";
/// Episodes that ended this iteration.
pub const EPISODES: &str = "charts/episodes";
/// Mean per-step total reward over the iteration's transitions.
pub const REWARD_PER_STEP: &str = "charts/reward_per_step";
/// The learning rate used this iteration.
pub const LEARNING_RATE: &str = "charts/learning_rate";
pub const VALUE_LOSS: &str = "losses/value_loss";
pub const POLICY_LOSS: &str = "losses/policy_loss";
pub const ENTROPY: &str = "losses/entropy";
pub const OLD_APPROX_KL: &str = "losses/old_approx_kl";
pub const APPROX_KL: &str = "losses/approx_kl";
pub const CLIPFRAC: &str = "losses/clipfrac";
pub const EXPLAINED_VARIANCE: &str = "losses/explained_variance";
/// Global gradient norm before clipping, mean over the iteration's minibatches.
pub const GRAD_NORM: &str = "losses/grad_norm";
/// Env steps per second of wall-clock time, whole run so far.
pub const SPS: &str = "perf/sps";
/// Nanoseconds of sandboxed reward per transition (batched call, including the copy in).
pub const REWARD_NS: &str = "perf/reward_ns_per_transition";
/// Fraction of wall-clock time spent in the reward so far.
pub const REWARD_SHARE: &str = "perf/reward_share";
/// Fractions of wall-clock time spent stepping envs, acting (policy forward and sampling),
/// on per-step bookkeeping (reward scaling, bootstrap, episode ends, normalisation) and updating.
pub const ENV_SHARE: &str = "perf/env_share";
pub const ACT_SHARE: &str = "perf/act_share";
pub const BOOKKEEPING_SHARE: &str = "perf/bookkeeping_share";
pub const UPDATE_SHARE: &str = "perf/update_share";
/// Prefix of per-term metrics: `terms/<name>` is the term's mean per-step value.
pub const TERM_PREFIX: &str = "terms/";

/// One iteration's metrics. `None` means "no data" (e.g. no episode ended): null in JSON,
/// an empty cell in CSV.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    pub iteration: u64,
    pub global_step: u64,
    /// Seconds since training started.
    pub wall_s: f64,
    /// `(name, value)` in a fixed order: the charts/losses/perf names above, then terms.
    pub values: Vec<(String, Option<f64>)>,
}

impl Record {
    /// The value of `name`, if recorded and present.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).and_then(|(_, v)| *v)
    }

    /// One JSON object: `{"iteration":..,"global_step":..,"wall_s":..,"charts/fitness":..,..}`.
    pub fn to_json_line(&self) -> String {
        let mut map = serde_json::Map::new();
        map.insert("iteration".into(), self.iteration.into());
        map.insert("global_step".into(), self.global_step.into());
        map.insert("wall_s".into(), json_num(Some(self.wall_s)));
        for (k, v) in &self.values {
            map.insert(k.clone(), json_num(*v));
        }
        serde_json::Value::Object(map).to_string()
    }
}

fn json_num(v: Option<f64>) -> serde_json::Value {
    v.and_then(serde_json::Number::from_f64).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// All records as CSV: a header of every name that occurs (first-seen order), a row each.
pub fn to_csv(records: &[Record]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for r in records {
        for (k, _) in &r.values {
            if !names.contains(&k.as_str()) {
                names.push(k);
            }
        }
    }
    let mut out = String::from("iteration,global_step,wall_s");
    for n in &names {
        out.push(',');
        out.push_str(&csv_field(n));
    }
    out.push('\n');
    for r in records {
        let _ = write!(out, "{},{},{}", r.iteration, r.global_step, r.wall_s);
        for n in &names {
            out.push(',');
            if let Some(v) = r.get(n) {
                let _ = write!(out, "{v}");
            }
        }
        out.push('\n');
    }
    out
}

/// Quotes a header cell when it holds a comma, quote or line break (term names are the
/// reward author's).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}
