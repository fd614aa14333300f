//! The compile limit: at most `max_compiles` reward compiles at once (`/api/check` and the
//! compile step of `/api/train`). A request that finds every slot taken is answered at once
//! with 429 `compile_busy` and `Retry-After`, never queued: a queue of compiles is how one
//! page could keep every core busy with rustc.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ApiError;

/// Seconds a refused client is told to wait (a typical compile takes a few).
pub const COMPILE_RETRY_AFTER: u64 = 5;

/// The compile slots. Cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct CompileSlots {
    sem: Arc<Semaphore>,
    size: usize,
}

/// A taken compile slot; freed when dropped.
#[derive(Debug)]
pub struct CompileSlot {
    _permit: OwnedSemaphorePermit,
}

impl CompileSlots {
    pub fn new(size: usize) -> CompileSlots {
        CompileSlots { sem: Arc::new(Semaphore::new(size)), size }
    }

    /// How many compiles may run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// A free slot, or 429 `compile_busy` when all are taken.
    pub fn try_take(&self) -> Result<CompileSlot, ApiError> {
        let permit = self.sem.clone().try_acquire_owned().map_err(|_| {
            ApiError::busy(
                "compile_busy",
                format!(
                    "the server is already compiling {} reward(s), its limit (--max-compiles): try again in a few \
                     seconds",
                    self.size
                ),
                COMPILE_RETRY_AFTER,
            )
        })?;
        Ok(CompileSlot { _permit: permit })
    }
}
