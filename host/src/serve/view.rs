//! What the playground and `rewardsmith runs --json` show of stored runs and candidates,
//! as JSON: one place, used by the API, the pages and the CLI.

use serde_json::{Value, json};

use crate::candidate::{Candidate, Status};
use crate::store::{FeedbackRow, IterationStatus, RunRow, RunStatus, Store, StoreError};

/// Distinct iterations finished (`done`), whatever the attempts.
pub fn iterations_done(st: &Store, run: i64) -> usize {
    let mut done: Vec<u32> = st
        .iterations(run)
        .unwrap_or_default()
        .iter()
        .filter(|i| i.status == IterationStatus::Done)
        .map(|i| i.idx)
        .collect();
    done.dedup();
    done.len()
}

/// Who will read feedback given to a run now: the loop takes pending feedback when it
/// proposes an iteration, so the next iteration not yet proposed does — now if the run is
/// running, when it is resumed if it stopped — unless every iteration is proposed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedbackUse {
    /// Iteration `iteration` will use it (`on_resume`: once `rewardsmith evolve --resume` runs).
    Next { iteration: u32, on_resume: bool },
    /// Nothing will; why, and what to do instead.
    Never(String),
}

impl FeedbackUse {
    /// The sentence the pages and the API show.
    pub fn describe(&self, run: i64) -> String {
        match self {
            FeedbackUse::Next { iteration, on_resume: false } => format!("iteration {iteration} will use it"),
            FeedbackUse::Next { iteration, on_resume: true } => {
                format!(
                    "iteration {iteration} will use it when the run is resumed (`rewardsmith evolve --resume {run}`)"
                )
            }
            FeedbackUse::Never(why) => why.clone(),
        }
    }
}

/// [`FeedbackUse`] for run `r` now.
pub fn feedback_use(st: &Store, r: &RunRow) -> Result<FeedbackUse, StoreError> {
    let next = st.iterations(r.id)?.iter().map(|i| i.idx + 1).max().unwrap_or(0);
    let planned = r.config.get("iterations").and_then(Value::as_u64);
    let new_run = "start a new run with `rewardsmith evolve --feedback TEXT` to steer its first prompt";
    Ok(match r.status {
        RunStatus::Completed => {
            FeedbackUse::Never(format!("run {} has finished: no iteration is left to use feedback; {new_run}", r.id))
        }
        _ if planned.is_some_and(|p| u64::from(next) >= p) => FeedbackUse::Never(format!(
            "every iteration of run {} has been proposed: no iteration is left to use feedback; {new_run}",
            r.id
        )),
        RunStatus::Running => FeedbackUse::Next { iteration: next, on_resume: false },
        RunStatus::Interrupted | RunStatus::Failed => FeedbackUse::Next { iteration: next, on_resume: true },
    })
}

/// A feedback item as the pages list it: what was chosen, and whether an iteration used it.
pub fn feedback_line(f: &FeedbackRow) -> String {
    let p = &f.payload;
    let text = p["text"].as_str().filter(|t| !t.trim().is_empty()).map_or(String::new(), |t| format!(": \"{t}\""));
    let what = match (p["best"].as_i64(), p["worst"].as_i64()) {
        (Some(b), Some(w)) => format!("best {b}, worst {w}{text}"),
        _ => format!("words{text}"),
    };
    let used = f.consumed_by_iteration.map_or("pending".to_owned(), |i| format!("used by iteration {i}"));
    format!("#{} {what} ({used})", f.id)
}

/// One line of the runs list.
pub fn run_summary(st: &Store, r: &RunRow) -> Result<Value, StoreError> {
    let cands = st.candidates(r.id, None)?;
    let best = st.best_candidate(r.id)?;
    Ok(json!({
        "id": r.id, "created_unix": r.created_unix, "env": r.env, "proposer": r.proposer, "model": r.model,
        "status": r.status, "artifact_dir": r.artifact_dir, "iterations": iterations_done(st, r.id),
        "planned_iterations": r.config.get("iterations"), "candidates": cands.len(),
        "trained": cands.iter().filter(|c| c.status == Status::Trained).count(),
        "best_candidate_id": best.as_ref().map(|(b, _)| b.id),
        "best_fitness": best.as_ref().map(|(_, s)| s.mean).filter(|f| f.is_finite()),
        "best_fitness_seeds": best.as_ref().map(|(_, s)| s.seeds),
        // The final evaluation, once the run has one: the best's mean over the final seeds,
        // and the human-normalised score or why it is undefined.
        "final_best": r.summary.as_ref().and_then(|s| s.pointer("/best/mean_std/mean")).and_then(Value::as_f64),
        "final_score": r.summary.as_ref().and_then(|s| s.get("human_normalized_score")).and_then(Value::as_f64),
        "final_score_undefined": r.summary.as_ref().and_then(|s| s.get("human_normalized_undefined")).and_then(Value::as_str),
    }))
}

/// A candidate without its source and result (lists, live updates).
pub fn candidate_brief(c: &Candidate) -> Value {
    json!({
        "id": c.id, "run_id": c.run_id, "iteration": c.key.iteration, "attempt": c.key.attempt, "sample": c.key.sample,
        "origin": c.key.origin, "label": c.label(), "status": c.status, "fitness": c.fitness.filter(|f| f.is_finite()),
        "parent_id": c.parent_id, "note": c.note,
        "error_kind": c.error_kind,
        "error": c.error_text.as_deref().map(|t| crate::evolve::report::first_line(t, 200)),
    })
}
