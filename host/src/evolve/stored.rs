//! The evolve loop's journal and LLM log backed by the SQLite run store: every candidate
//! state change and every LLM call is a committed transaction, which is what makes
//! `rewardsmith evolve --resume ID` lose nothing and redo nothing after a crash.

use serde_json::{Value, json};

use super::journal::{Candidate, Feedback, Journal, Key, Origin, Status};
use super::llm::{Completion, LlmError};
use super::llm_proposer::LlmLog;
use crate::store::{self, CandidateRow, FeedbackKind, IterationStatus, LlmCallStatus, NewCandidate, NewLlmCall, Store};

/// One run's view of the store.
#[derive(Debug)]
pub struct StoreJournal<'a> {
    pub store: &'a Store,
    pub run_id: i64,
}

fn origin_to(o: Origin) -> store::Origin {
    match o {
        Origin::Llm => store::Origin::Llm,
        Origin::Offline => store::Origin::Offline,
        Origin::HumanBaseline => store::Origin::HumanBaseline,
        Origin::SparseBaseline => store::Origin::SparseBaseline,
        Origin::Final => store::Origin::Final,
        Origin::Recheck => store::Origin::Recheck,
    }
}

fn origin_from(o: store::Origin) -> Origin {
    Origin::parse(o.as_str()).unwrap_or(Origin::Offline)
}

fn status_to(s: Status) -> store::CandidateStatus {
    store::CandidateStatus::parse(s.as_str()).unwrap_or(store::CandidateStatus::Proposed)
}

fn candidate_from(row: CandidateRow) -> Candidate {
    Candidate {
        id: row.id,
        key: Key {
            iteration: row.iteration,
            attempt: row.attempt,
            sample: row.sample,
            origin: origin_from(row.origin),
            seed: row.seed,
        },
        source: row.source,
        genome: row.genome.map(|g| g.to_string()),
        note: row.note,
        parent_id: row.parent_id,
        status: Status::parse(row.status.as_str()).unwrap_or(Status::Proposed),
        module_sha256: row.module_sha256,
        error_kind: row.error_kind,
        error_text: row.error_text,
        result: row.result.and_then(|r| serde_json::from_value(r).ok()),
        // The store keeps a non-finite fitness as NULL; a trained candidate's NULL is the −∞
        // the loop gave it (no episode ended), so a resumed run judges it as a straight one.
        fitness: match (row.status, row.fitness) {
            (store::CandidateStatus::Trained, None) => Some(f64::NEG_INFINITY),
            (_, f) => f,
        },
        run_dir: row.policy_path.map(Into::into),
    }
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
        let row = self.store.insert_candidate(&NewCandidate {
            run_id: self.run_id,
            iteration: c.key.iteration,
            attempt: c.key.attempt,
            sample: c.key.sample,
            origin: origin_to(c.key.origin),
            parent_id: c.parent_id,
            source: c.source.clone(),
            genome: c.genome.as_deref().and_then(|g| serde_json::from_str(g).ok()),
            seed: c.key.seed,
            note: c.note.clone(),
        })?;
        let fresh = row.status == store::CandidateStatus::Proposed;
        let id = row.id;
        let mut stored = candidate_from(row);
        if fresh && c.status == Status::NoCode {
            let (kind, text) = (c.error_kind.as_deref().unwrap_or("no_code"), c.error_text.as_deref().unwrap_or(""));
            self.store.set_candidate_failed(id, store::CandidateStatus::NoCode, kind, text)?;
            stored.status = Status::NoCode;
            stored.error_kind = Some(kind.to_owned());
            stored.error_text = Some(text.to_owned());
        }
        Ok(stored)
    }

    fn update(&mut self, c: &Candidate) -> Result<(), Self::Error> {
        match c.status {
            Status::Proposed => Ok(()),
            Status::Compiled => self.store.set_candidate_compiled(c.id, c.module_sha256.as_deref().unwrap_or("")),
            Status::Trained => self.store.set_candidate_trained(
                c.id,
                &store::Trained {
                    result: serde_json::to_value(&c.result).unwrap_or(Value::Null),
                    fitness: c.fitness,
                    policy_path: c.run_dir.as_ref().map(|p| p.display().to_string()),
                },
            ),
            s => self.store.set_candidate_failed(
                c.id,
                status_to(s),
                c.error_kind.as_deref().unwrap_or(s.as_str()),
                c.error_text.as_deref().unwrap_or(""),
            ),
        }
    }

    fn candidates(&mut self) -> Result<Vec<Candidate>, Self::Error> {
        let mut all: Vec<Candidate> =
            self.store.candidates(self.run_id, None)?.into_iter().map(candidate_from).collect();
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
