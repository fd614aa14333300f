//! Evolve: Eureka-style reward search. Proposers (an LLM over an OpenAI-compatible API, or
//! the offline evolutionary search) write reward programs; each is compiled, sandboxed and
//! trained on; the loop selects on late-window task fitness, reflects, and repeats.

pub mod baselines;
pub mod bridge;
pub mod executor;
pub mod journal;
pub mod llm;
pub mod llm_proposer;
pub mod offline;
pub mod prompts;
pub mod proposer;
pub mod report;
pub mod run;
pub mod score;
pub mod search;
pub mod stored;
pub mod target;
pub mod user_train;

/// Program extraction lives in the compiler layer (`check` and the editor use it too).
pub use crate::compiler::answer as extract;
pub use bridge::{BridgeError, BridgeExecutor};
pub use executor::{Executor, LocalExecutor, TrainJob, TrainOutcome, run_job};
pub use journal::{Candidate, Feedback, Journal, Key, MemoryJournal, Origin, Status};
pub use proposer::{Context, Offline, Proposal, Proposer, ProposerError};
pub use run::{EvolveRun, Finished, ReportFiles, RunError};
pub use score::human_normalized;
pub use search::{Event, EvolveConfig, EvolveError, FinalScore, Resources, Summary, evolve};
pub use target::Target;
