//! Memory and table limits per store, remembering which limit was hit so a failed call can
//! be reported as "memory limit" rather than the trap the guest turned it into.

use wasmtime::ResourceLimiter;

/// A limit the guest ran into during the current call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    Memory { requested: u64 },
    Table { requested: u64 },
}

/// Per-store limiter: refuses growth past the limits (the guest sees a failed
/// `memory.grow`, as the spec allows) and records the refusal.
#[derive(Debug)]
pub struct Limiter {
    pub memory_bytes: u64,
    pub table_elements: u64,
    pub hit: Option<Hit>,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        if desired as u64 > self.memory_bytes {
            self.hit = Some(Hit::Memory { requested: desired as u64 });
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        if desired as u64 > self.table_elements {
            self.hit = Some(Hit::Table { requested: desired as u64 });
            return Ok(false);
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        4
    }
}
