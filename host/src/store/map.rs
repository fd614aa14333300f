//! Reading the store's rows back from SQLite: one column list and one mapper per table, kept
//! side by side so a column added to a SELECT cannot drift from the struct it fills.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::rows::{FeedbackRow, IterationRow, LlmCallRow, RunRow};
use crate::candidate::{Candidate, Key, Status};

/// A JSON column read back as a value.
pub(super) fn json(r: &Row<'_>, idx: usize) -> rusqlite::Result<Option<Value>> {
    let text: Option<String> = r.get(idx)?;
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e)))
    })
    .transpose()
}

pub(super) fn json_required(r: &Row<'_>, idx: usize) -> rusqlite::Result<Value> {
    Ok(json(r, idx)?.unwrap_or(Value::Null))
}

pub(super) const RUN_COLUMNS: &str =
    "id, created_unix, env, proposer, model, config_json, status, summary_json, artifact_dir";

pub(super) fn run_from_row(root: &Path, r: &Row<'_>) -> rusqlite::Result<RunRow> {
    let dir: String = r.get(8)?;
    Ok(RunRow {
        id: r.get(0)?,
        created_unix: r.get(1)?,
        env: r.get(2)?,
        proposer: r.get(3)?,
        model: r.get(4)?,
        config: json_required(r, 5)?,
        status: r.get(6)?,
        summary: json(r, 7)?,
        artifact_dir: root.join(dir),
    })
}

pub(super) const ITERATION_COLUMNS: &str =
    "run_id, idx, attempt, status, best_candidate_id, started_unix, finished_unix";

pub(super) fn iteration_from_row(r: &Row<'_>) -> rusqlite::Result<IterationRow> {
    Ok(IterationRow {
        run_id: r.get(0)?,
        idx: r.get(1)?,
        attempt: r.get(2)?,
        status: r.get(3)?,
        best_candidate_id: r.get(4)?,
        started_unix: r.get(5)?,
        finished_unix: r.get(6)?,
    })
}

pub(super) fn iteration_in(c: &Connection, run_id: i64, idx: u32, attempt: u32) -> rusqlite::Result<IterationRow> {
    let sql = format!("SELECT {ITERATION_COLUMNS} FROM iterations WHERE run_id = ?1 AND idx = ?2 AND attempt = ?3");
    c.query_row(&sql, params![run_id, idx, attempt], iteration_from_row)
}

pub(super) const CANDIDATE_COLUMNS: &str = "id, run_id, iteration, attempt, sample, origin, parent_id, source, genome_json, \
    module_sha256, status, error_kind, error_text, result_json, fitness, policy_path, seed, created_unix, finished_unix, note";

/// A candidate row. A trained row's NULL fitness is the −∞ of a training that ended no
/// episode (the store cannot keep −∞), so a resumed run judges it as a straight run did.
pub(super) fn candidate_from_row(r: &Row<'_>) -> rusqlite::Result<Candidate> {
    let status: Status = r.get(10)?;
    let fitness: Option<f64> = r.get(14)?;
    Ok(Candidate {
        id: r.get(0)?,
        run_id: r.get(1)?,
        key: Key {
            iteration: r.get(2)?,
            attempt: r.get(3)?,
            sample: r.get(4)?,
            origin: r.get(5)?,
            seed: r.get::<_, i64>(16)? as u64,
        },
        parent_id: r.get(6)?,
        source: r.get(7)?,
        genome: json(r, 8)?,
        module_sha256: r.get(9)?,
        status,
        error_kind: r.get(11)?,
        error_text: r.get(12)?,
        result: json(r, 13)?,
        fitness: match (status, fitness) {
            (Status::Trained, None) => Some(f64::NEG_INFINITY),
            (_, f) => f,
        },
        run_dir: r.get::<_, Option<String>>(15)?.map(PathBuf::from),
        created_unix: r.get(17)?,
        finished_unix: r.get(18)?,
        note: r.get(19)?,
    })
}

pub(super) const LLM_CALL_COLUMNS: &str = "id, run_id, iteration, attempt, request_key, prompt_json, response_json, texts_json, \
    prompt_tokens, completion_tokens, latency_ms, status, error_text, created_unix";

pub(super) fn llm_call_from_row(r: &Row<'_>) -> rusqlite::Result<LlmCallRow> {
    let texts = match json(r, 7)? {
        None => None,
        Some(v) => Some(
            serde_json::from_value(v)
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e)))?,
        ),
    };
    Ok(LlmCallRow {
        id: r.get(0)?,
        run_id: r.get(1)?,
        iteration: r.get(2)?,
        attempt: r.get(3)?,
        request_key: r.get(4)?,
        prompt: json_required(r, 5)?,
        response: json(r, 6)?,
        texts,
        prompt_tokens: r.get(8)?,
        completion_tokens: r.get(9)?,
        latency_ms: r.get(10)?,
        status: r.get(11)?,
        error_text: r.get(12)?,
        created_unix: r.get(13)?,
    })
}

pub(super) fn llm_call_in(c: &Connection, run_id: i64, key: &str) -> rusqlite::Result<Option<LlmCallRow>> {
    let sql = format!("SELECT {LLM_CALL_COLUMNS} FROM llm_calls WHERE run_id = ?1 AND request_key = ?2");
    c.query_row(&sql, params![run_id, key], llm_call_from_row).optional()
}

pub(super) const FEEDBACK_COLUMNS: &str =
    "id, run_id, iteration, kind, payload_json, created_unix, consumed_by_iteration";

pub(super) fn feedback_from_row(r: &Row<'_>) -> rusqlite::Result<FeedbackRow> {
    Ok(FeedbackRow {
        id: r.get(0)?,
        run_id: r.get(1)?,
        iteration: r.get(2)?,
        kind: r.get(3)?,
        payload: json_required(r, 4)?,
        created_unix: r.get(5)?,
        consumed_by_iteration: r.get(6)?,
    })
}
