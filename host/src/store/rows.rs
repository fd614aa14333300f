//! The run store's rows as plain structs (Serialize, for `--json` output and the report) and
//! the closed sets of statuses as enums, so a typo cannot reach the database. Candidates are
//! [`crate::candidate::Candidate`], the record the loop uses too.
//!
//! JSON columns (`*_json` in the schema) are parsed into `serde_json::Value` and the field
//! drops the `_json` suffix. Seeds are `u64`, stored bit-for-bit in SQLite's signed INTEGER.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use crate::text_enum::text_enum;

text_enum!(
    /// Where a run's candidates come from.
    Proposer { Llm => "llm", Offline => "offline" }
);

text_enum!(
    /// A run's state. `Running` after a crash means the run can be resumed.
    RunStatus { Running => "running", Completed => "completed", Failed => "failed", Interrupted => "interrupted" }
);

text_enum!(
    /// An iteration attempt's state.
    IterationStatus {
        Proposing => "proposing",
        Training => "training",
        Done => "done",
        /// Every candidate failed: the iteration is retried as the next attempt.
        AllFailed => "all_failed",
    }
);

text_enum!(
    /// Whether an LLM call got an answer.
    LlmCallStatus { Ok => "ok", Error => "error" }
);

text_enum!(
    /// What a person said: free text, or a preference (best/worst candidates).
    FeedbackKind { Text => "text", Preference => "preference" }
);

/// One evolve run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub created_unix: i64,
    pub env: String,
    pub proposer: Proposer,
    pub model: Option<String>,
    pub config: Value,
    pub status: RunStatus,
    pub summary: Option<Value>,
    /// The run's artifact folder (stored relative to the store's folder, returned resolved).
    pub artifact_dir: PathBuf,
}

/// What `Store::create_run` needs.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRun {
    pub env: String,
    pub proposer: Proposer,
    pub model: Option<String>,
    pub config: Value,
}

/// One attempt at one iteration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IterationRow {
    pub run_id: i64,
    pub idx: u32,
    pub attempt: u32,
    pub status: IterationStatus,
    pub best_candidate_id: Option<i64>,
    pub started_unix: i64,
    pub finished_unix: Option<i64>,
}

/// One chat-completions request and its answer (no API keys: see `Store::record_llm_call`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LlmCallRow {
    pub id: i64,
    pub run_id: i64,
    pub iteration: u32,
    pub attempt: u32,
    pub request_key: String,
    pub prompt: Value,
    pub response: Option<Value>,
    /// The answer texts (one per sample).
    pub texts: Option<Vec<String>>,
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub latency_ms: u64,
    pub status: LlmCallStatus,
    pub error_text: Option<String>,
    pub created_unix: i64,
}

/// What `Store::record_llm_call` needs.
#[derive(Clone, Debug, PartialEq)]
pub struct NewLlmCall {
    pub run_id: i64,
    pub iteration: u32,
    pub attempt: u32,
    /// Identifies the request within the run (e.g. a hash of the prompt, iteration and attempt).
    pub request_key: String,
    pub prompt: Value,
    pub response: Option<Value>,
    pub texts: Option<Vec<String>>,
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub latency_ms: u64,
    pub status: LlmCallStatus,
    pub error_text: Option<String>,
}

/// A person's feedback on a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeedbackRow {
    pub id: i64,
    pub run_id: i64,
    /// The iteration it was given after (its candidates are the ones it talks about).
    pub iteration: u32,
    pub kind: FeedbackKind,
    pub payload: Value,
    pub created_unix: i64,
    /// The iteration whose prompt used it; `None` while pending.
    pub consumed_by_iteration: Option<u32>,
}

/// The outcome of a finished training, for `Store::set_candidate_trained`.
#[derive(Clone, Debug, PartialEq)]
pub struct Trained {
    /// The serialised `TrainResult`.
    pub result: Value,
    /// Late-window mean task fitness; `None` (or non-finite, stored as NULL) when no episode ended.
    pub fitness: Option<f64>,
    /// The candidate's run folder.
    pub policy_path: Option<String>,
}
