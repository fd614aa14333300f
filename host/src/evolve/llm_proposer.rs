//! The LLM proposer: builds Eureka's conversation from the prompt files (system, task with
//! the env's `State` source, then the best reward so far with its reflection, or the last
//! failures with their diagnostics, plus a person's feedback), asks for `n` samples, and
//! extracts each answer's whole program. Every call is logged (prompt, answers, tokens,
//! latency; never the key) and looked up first, so a resumed run does not ask again.

use rewardsmith_guest::TERM_CAPACITY;

use super::journal::{Candidate, Origin, Status};
use super::llm::{ChatMessage, Completion, LlmClient, LlmError};
use super::prompts::{self, FailedAt};
use super::proposer::{Context, Proposal, Proposer, ProposerError};
use super::search::feedback_text;
use crate::compiler::answer::extract_program;
use crate::train::TrainResult;

/// Where LLM calls are logged and found again (the run store implements it).
pub trait LlmLog {
    /// The answers of an earlier successful call with this key, if any.
    fn lookup(&mut self, key: &str) -> Option<Vec<String>>;
    /// Records a call: the request body (no key), and its answers or error.
    fn record(
        &mut self,
        key: &str,
        iteration: u32,
        attempt: u32,
        request: &serde_json::Value,
        result: &Result<Completion, LlmError>,
    );
}

/// A log that forgets (tests, runs without a store).
#[derive(Debug, Default)]
pub struct NoLog;

impl LlmLog for NoLog {
    fn lookup(&mut self, _key: &str) -> Option<Vec<String>> {
        None
    }
    fn record(&mut self, _: &str, _: u32, _: u32, _: &serde_json::Value, _: &Result<Completion, LlmError>) {}
}

/// Proposes by asking an LLM.
pub struct LlmProposer<L: LlmLog> {
    client: LlmClient,
    log: L,
}

impl<L: LlmLog> std::fmt::Debug for LlmProposer<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmProposer").finish_non_exhaustive()
    }
}

impl<L: LlmLog> LlmProposer<L> {
    pub fn new(client: LlmClient, log: L) -> Self {
        LlmProposer { client, log }
    }

    pub fn log_mut(&mut self) -> &mut L {
        &mut self.log
    }
}

fn msg(role: &str, content: String) -> ChatMessage {
    ChatMessage { role: role.to_owned(), content }
}

fn fenced(source: &str) -> String {
    format!("```rust\n{}\n```", source.trim())
}

/// The conversation for an iteration (public for tests and for showing prompts).
pub fn messages(ctx: &Context<'_>) -> Vec<ChatMessage> {
    let task = ctx.target.task_prompt(ctx.fitness_doc);
    let mut m = vec![msg("system", prompts::system(ctx.target.layout(), max_terms())), msg("user", task)];
    // Everything the last iteration showed goes into one user turn, as context, ending in
    // one request that names what to do about it.
    let mut follow_up = Vec::new();
    let mut goals = Vec::new();
    if let Some(best) = ctx.best {
        m.push(msg("assistant", fenced(&best.source)));
        if let Some(r) = &TrainResult::from_stored(best.result.as_ref()) {
            let selection = super::search::selection_of(ctx.history, best.id);
            follow_up.push(prompts::reflection(&best.label(), &best.source, r, selection.as_ref()));
            goals.push("improve on the best so far, using its statistics");
        }
    }
    // The previous iteration's (or failed attempt's) failures, with their diagnostics, so
    // the next answer can fix them: up to five, the most recent first.
    let failures: Vec<&Candidate> = ctx
        .history
        .iter()
        .filter(|c| {
            c.key.origin == Origin::Llm && !matches!(c.status, Status::Trained | Status::Proposed | Status::Compiled)
        })
        .filter(|c| {
            (c.key.iteration + 1 == ctx.iteration && ctx.attempt == 0)
                || (c.key.iteration == ctx.iteration && c.key.attempt + 1 == ctx.attempt)
        })
        .collect();
    for c in failures.iter().rev().take(5) {
        let error = c.error_text.as_deref().unwrap_or("");
        let text = match c.status {
            Status::NoCode => prompts::NO_CODE.to_owned(),
            Status::CompileError => prompts::error_feedback(&c.source, error, FailedAt::Compile),
            _ => prompts::error_feedback(&c.source, error, FailedAt::Training),
        };
        follow_up.push(text);
    }
    if !failures.is_empty() {
        goals.push("avoid the failures above");
    }
    let feedback: Vec<String> = feedback_text(ctx.feedback, ctx.history)
        .into_iter()
        .chain(ctx.first_feedback.map(prompts::human_feedback))
        .collect();
    if !feedback.is_empty() {
        goals.push("follow the person's feedback");
    }
    follow_up.extend(feedback);
    if !follow_up.is_empty() {
        follow_up.push(prompts::closing(&goals));
        m.push(msg("user", follow_up.join("\n\n")));
    }
    m
}

/// The term limit the prompt states: the sandbox's, within what the SDK can record.
fn max_terms() -> usize {
    crate::sandbox::Limits::default().max_terms.min(TERM_CAPACITY)
}

impl<L: LlmLog> Proposer for LlmProposer<L> {
    fn origin(&self) -> Origin {
        Origin::Llm
    }

    fn propose(&mut self, ctx: &Context<'_>, n: usize) -> Result<Vec<Proposal>, ProposerError> {
        let key = format!("i{}a{}", ctx.iteration, ctx.attempt);
        let texts = match self.log.lookup(&key) {
            Some(texts) => texts,
            None => {
                let messages = messages(ctx);
                let request = self.client.request_json(&messages, n as u32);
                let result = self.client.complete(&messages, n as u32);
                self.log.record(&key, ctx.iteration, ctx.attempt, &request, &result);
                result?.texts
            }
        };
        // The answers were asked to improve on the best so far when the prompt showed it.
        let parent = ctx.best.filter(|b| b.result.is_some());
        let note = parent.map_or("llm".to_owned(), |b| format!("llm, improving on {}", b.label()));
        let parent = parent.map(|b| b.id);
        Ok(texts
            .iter()
            .take(n)
            .map(|t| {
                let (source, problem) = match extract_program(t) {
                    Ok(source) => (Some(source), None),
                    Err(e) => (None, Some(e.to_string())),
                };
                Proposal { source, problem, note: note.clone(), parent, ..Proposal::default() }
            })
            .collect())
    }
}
