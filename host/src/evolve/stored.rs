//! The evolve loop's journal and LLM log backed by the SQLite run store: every candidate
//! state change and every LLM call is a committed transaction, which is what makes
//! `rewardsmith evolve --resume ID` lose nothing and redo nothing after a crash.

use serde_json::{Value, json};

use super::journal::{Candidate, Feedback, Journal};
use super::llm::{Completion, LlmError};
use super::llm_proposer::LlmLog;
use crate::store::{self, FeedbackKind, IterationStatus, LlmCallStatus, NewLlmCall, Store};

/// One run's view of the store.
#[derive(Debug)]
pub struct StoreJournal<'a> {
    pub store: &'a Store,
    pub run_id: i64,
}

/// A stored feedback row as the loop sees it (a malformed preference is skipped).
fn feedback_from(r: &store::FeedbackRow) -> Option<Feedback> {
    let text = r.payload.get("text").and_then(Value::as_str).unwrap_or("").to_owned();
    match r.kind {
        FeedbackKind::Text => Some(Feedback::Text(text)),
        FeedbackKind::Preference => Some(Feedback::Preference {
            best: r.payload.get("best")?.as_i64()?,
            worst: r.payload.get("worst")?.as_i64()?,
            text,
        }),
    }
}

impl Journal for StoreJournal<'_> {
    type Error = store::StoreError;

    fn propose(&mut self, c: &Candidate) -> Result<Candidate, Self::Error> {
        self.store.insert_candidate(&Candidate { run_id: self.run_id, ..c.clone() })
    }

    fn update(&mut self, c: &Candidate) -> Result<(), Self::Error> {
        self.store.update_candidate(c)
    }

    fn candidates(&mut self) -> Result<Vec<Candidate>, Self::Error> {
        let mut all = self.store.candidates(self.run_id, None)?;
        all.sort_by_key(|c| c.id);
        Ok(all)
    }

    fn take_feedback(&mut self, iteration: u32) -> Result<Vec<Feedback>, Self::Error> {
        let rows = self.store.pending_feedback(self.run_id)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let out = rows.iter().filter_map(feedback_from).collect();
        if !ids.is_empty() {
            self.store.mark_feedback_consumed(&ids, iteration)?;
        }
        Ok(out)
    }

    fn consumed_feedback(&mut self, iteration: u32) -> Result<Vec<Feedback>, Self::Error> {
        let rows = self.store.feedback(self.run_id)?;
        Ok(rows.iter().filter(|r| r.consumed_by_iteration == Some(iteration)).filter_map(feedback_from).collect())
    }

    fn iteration_progress(&mut self, iteration: u32, attempt: u32, training: bool) -> Result<(), Self::Error> {
        self.store.begin_iteration(self.run_id, iteration, attempt)?;
        let status = if training { IterationStatus::Training } else { IterationStatus::Proposing };
        self.store.set_iteration_status(self.run_id, iteration, attempt, status)
    }

    fn finish_iteration(
        &mut self,
        iteration: u32,
        attempt: u32,
        all_failed: bool,
        best: Option<i64>,
    ) -> Result<(), Self::Error> {
        self.store.begin_iteration(self.run_id, iteration, attempt)?;
        let status = if all_failed { IterationStatus::AllFailed } else { IterationStatus::Done };
        self.store.finish_iteration(self.run_id, iteration, attempt, status, best)
    }
}

/// Logs LLM calls in the store (the store also scrubs anything key-like).
#[derive(Debug)]
pub struct StoreLlmLog<'a> {
    pub store: &'a Store,
    pub run_id: i64,
}

impl LlmLog for StoreLlmLog<'_> {
    fn lookup(&mut self, key: &str) -> Option<Vec<String>> {
        let row = self.store.llm_call(self.run_id, key).ok()??;
        (row.status == LlmCallStatus::Ok).then_some(row.texts).flatten()
    }

    fn record(
        &mut self,
        key: &str,
        iteration: u32,
        attempt: u32,
        request: &Value,
        result: &Result<Completion, LlmError>,
    ) {
        let call = match result {
            Ok(c) => NewLlmCall {
                run_id: self.run_id,
                iteration,
                attempt,
                request_key: key.to_owned(),
                prompt: request.clone(),
                response: Some(json!({ "requests": c.requests, "retries": c.retries })),
                texts: Some(c.texts.clone()),
                prompt_tokens: c.prompt_tokens,
                completion_tokens: c.completion_tokens,
                latency_ms: c.latency_ms,
                status: LlmCallStatus::Ok,
                error_text: None,
            },
            Err(e) => NewLlmCall {
                run_id: self.run_id,
                iteration,
                attempt,
                request_key: key.to_owned(),
                prompt: request.clone(),
                response: None,
                texts: None,
                prompt_tokens: None,
                completion_tokens: None,
                latency_ms: 0,
                status: LlmCallStatus::Error,
                error_text: Some(e.to_string()),
            },
        };
        // A failed log write must not stop the search; the store reports its own errors.
        let _ = self.store.record_llm_call(&call);
    }
}
