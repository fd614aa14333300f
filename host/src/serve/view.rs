//! What the playground and `rewardsmith runs --json` show of stored runs and candidates,
//! as JSON: one place, used by the API, the pages and the CLI.

use serde_json::{Value, json};

use crate::candidate::{Candidate, Status};
use crate::store::{IterationStatus, RunRow, Store, StoreError};

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
    }))
}

/// A candidate without its source and result (lists, live updates).
pub fn candidate_brief(c: &Candidate) -> Value {
    json!({
        "id": c.id, "run_id": c.run_id, "iteration": c.key.iteration, "attempt": c.key.attempt, "sample": c.key.sample,
        "origin": c.key.origin, "label": c.label(), "status": c.status, "fitness": c.fitness.filter(|f| f.is_finite()),
        "parent_id": c.parent_id, "note": c.note,
        "error_kind": c.error_kind,
        "error": c.error_text.as_deref().map(|t| t.lines().next().unwrap_or("").chars().take(200).collect::<String>()),
    })
}
