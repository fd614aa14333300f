//! Where the evolve loop keeps its [`Candidate`] records (one type with the store): the
//! [`Journal`] trait (the SQLite run store implements it; [`MemoryJournal`] keeps
//! everything in memory for tests and one-off runs). The loop writes a candidate's record
//! at every state change, so a resumed run knows what was proposed, trained or failed.

use serde::{Deserialize, Serialize};

pub use crate::candidate::{Candidate, Key, Origin, Status};

/// Feedback from a person, consumed by the next iteration's prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Feedback {
    /// Free text.
    Text(String),
    /// Marked best and worst candidates (journal ids), with optional words.
    Preference { best: i64, worst: i64, text: String },
}

/// Where the loop keeps candidates. Implementations must make each call durable before
/// returning (a crash right after loses nothing the call recorded).
pub trait Journal {
    type Error: std::error::Error + Send + Sync + 'static;
    /// Saves a new candidate, or returns the existing one with the same key (so a resumed
    /// run finds what it already did). Returns the stored record.
    fn propose(&mut self, candidate: &Candidate) -> Result<Candidate, Self::Error>;
    /// Updates a saved candidate (status, error, result, ...).
    fn update(&mut self, candidate: &Candidate) -> Result<(), Self::Error>;
    /// Every candidate of the run so far, in id order.
    fn candidates(&mut self) -> Result<Vec<Candidate>, Self::Error>;
    /// Feedback given since the last call that consumed it; marks it consumed by `iteration`.
    fn take_feedback(&mut self, iteration: u32) -> Result<Vec<Feedback>, Self::Error>;
    /// Feedback an earlier call already consumed for `iteration`, so a resumed or retried
    /// iteration sees what the interrupted one saw. Default: none (journals that forget).
    fn consumed_feedback(&mut self, iteration: u32) -> Result<Vec<Feedback>, Self::Error> {
        let _ = iteration;
        Ok(Vec::new())
    }
    /// Says iteration `iteration` (attempt `attempt`) is under way: proposing (`training`
    /// false) or training its candidates. Default: nothing (journals that only keep outcomes).
    fn iteration_progress(&mut self, iteration: u32, attempt: u32, training: bool) -> Result<(), Self::Error> {
        let _ = (iteration, attempt, training);
        Ok(())
    }
    /// Records an iteration's outcome (`done` or `all_failed`) and its best candidate.
    fn finish_iteration(
        &mut self,
        iteration: u32,
        attempt: u32,
        all_failed: bool,
        best: Option<i64>,
    ) -> Result<(), Self::Error>;
}

/// A journal in memory (tests, one-off runs without a store).
#[derive(Debug, Default)]
pub struct MemoryJournal {
    pub candidates: Vec<Candidate>,
    pub feedback: Vec<Feedback>,
    pub iterations: Vec<(u32, u32, bool, Option<i64>)>,
}

impl Journal for MemoryJournal {
    type Error = std::convert::Infallible;

    fn propose(&mut self, candidate: &Candidate) -> Result<Candidate, Self::Error> {
        if let Some(c) = self.candidates.iter().find(|c| c.key == candidate.key) {
            return Ok(c.clone());
        }
        let mut c = candidate.clone();
        c.id = self.candidates.len() as i64 + 1;
        self.candidates.push(c.clone());
        Ok(c)
    }

    fn update(&mut self, candidate: &Candidate) -> Result<(), Self::Error> {
        if let Some(c) = self.candidates.iter_mut().find(|c| c.id == candidate.id) {
            *c = candidate.clone();
        }
        Ok(())
    }

    fn candidates(&mut self) -> Result<Vec<Candidate>, Self::Error> {
        Ok(self.candidates.clone())
    }

    fn take_feedback(&mut self, _iteration: u32) -> Result<Vec<Feedback>, Self::Error> {
        Ok(std::mem::take(&mut self.feedback))
    }

    fn finish_iteration(
        &mut self,
        iteration: u32,
        attempt: u32,
        all_failed: bool,
        best: Option<i64>,
    ) -> Result<(), Self::Error> {
        self.iterations.push((iteration, attempt, all_failed, best));
        Ok(())
    }
}
