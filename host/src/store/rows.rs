//! The run store's rows as plain structs (Serialize, for `--json` output and the report) and
//! the closed sets of statuses/origins as enums, so a typo cannot reach the database.
//!
//! JSON columns (`*_json` in the schema) are parsed into `serde_json::Value` and the field
//! drops the `_json` suffix. Seeds are `u64`, stored bit-for-bit in SQLite's signed INTEGER.

use std::path::PathBuf;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::Serialize;
use serde_json::Value;

/// Defines a text enum stored as its snake_case name.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and serialised) name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses a stored name.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = value.as_str()?;
                $name::parse(s).ok_or_else(|| {
                    FromSqlError::Other(format!("unknown {} `{s}`", stringify!($name)).into())
                })
            }
        }
    };
}

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
    /// Why a candidate exists.
    Origin {
        Llm => "llm",
        Offline => "offline",
        HumanBaseline => "human_baseline",
        SparseBaseline => "sparse_baseline",
        /// A final multi-seed retrain of the best reward.
        Final => "final",
        /// A search candidate retrained on another seed before it can be selected.
        Recheck => "recheck",
    }
);

text_enum!(
    /// A candidate's state. `Proposed` and `Compiled` are in flight; the rest are final.
    CandidateStatus {
        Proposed => "proposed",
        Compiled => "compiled",
        Trained => "trained",
        CompileError => "compile_error",
        RewardError => "reward_error",
        TrainError => "train_error",
        NoCode => "no_code",
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

impl CandidateStatus {
    /// True once nothing more will happen to the candidate (a resumed run skips it).
    pub fn is_final(self) -> bool {
        !matches!(self, CandidateStatus::Proposed | CandidateStatus::Compiled)
    }

    /// True for the failure statuses.
    pub fn is_failure(self) -> bool {
        self.is_final() && self != CandidateStatus::Trained
    }
}

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

/// One reward program and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CandidateRow {
    pub id: i64,
    pub run_id: i64,
    pub iteration: u32,
    pub attempt: u32,
    pub sample: u32,
    pub origin: Origin,
    pub parent_id: Option<i64>,
    pub source: String,
    pub genome: Option<Value>,
    pub module_sha256: Option<String>,
    pub status: CandidateStatus,
    pub error_kind: Option<String>,
    pub error_text: Option<String>,
    /// The serialised `TrainResult`.
    pub result: Option<Value>,
    /// Task fitness over the late training window (what selection uses).
    pub fitness: Option<f64>,
    pub policy_path: Option<String>,
    pub seed: u64,
    pub created_unix: i64,
    pub finished_unix: Option<i64>,
    /// What the proposer changed, one line (empty when it said nothing).
    pub note: String,
}

impl CandidateRow {
    /// How selection sees this row (a trained row without a fitness ended no episode: −∞).
    pub fn trial(&self) -> crate::selection::Trial {
        use crate::selection::{Outcome, Role, Trial};
        let role = Role::of_origin(self.origin.as_str());
        let outcome = Outcome::of_status(self.status.as_str(), self.fitness);
        Trial { id: self.id, group: (self.iteration, self.attempt, self.sample), role, outcome }
    }

    /// Its label ([`crate::selection::label`]).
    pub fn label(&self) -> String {
        crate::selection::label(self.origin.as_str(), (self.iteration, self.attempt, self.sample), self.seed)
    }
}

/// What `Store::insert_candidate` needs. `(run_id, iteration, attempt, sample, origin, seed)`
/// identifies the candidate: inserting it again returns the stored row.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCandidate {
    pub run_id: i64,
    pub iteration: u32,
    pub attempt: u32,
    pub sample: u32,
    pub origin: Origin,
    pub parent_id: Option<i64>,
    pub source: String,
    pub genome: Option<Value>,
    pub seed: u64,
    /// What the proposer changed, one line.
    pub note: String,
}

/// The outcome of a finished training, for `Store::set_candidate_trained`.
#[derive(Clone, Debug, PartialEq)]
pub struct Trained {
    /// The serialised `TrainResult`.
    pub result: Value,
    /// Late-window mean task fitness; `None` (or non-finite, stored as NULL) when no episode ended.
    pub fitness: Option<f64>,
    pub policy_path: Option<String>,
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
