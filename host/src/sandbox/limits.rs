//! What a reward module may use. Every limit here has a test that hits it.

use std::time::Duration;

/// Resource limits for reward modules. `Limits::default()` suits training; tests shrink them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Fuel (≈ wasm instructions) a call may use per transition in the batch, on top of
    /// `fuel_base`. Deterministic: the same module and inputs always stop at the same
    /// instruction. Default 100,000.
    pub fuel_per_transition: u64,
    /// Fuel for every call regardless of batch size (allocation, setup, the start
    /// function). Default 5,000,000.
    pub fuel_base: u64,
    /// Wall-clock deadline per call, enforced by epoch interruption: the backstop for
    /// anything fuel does not catch. Default 2 s.
    pub deadline: Duration,
    /// Largest linear memory, bytes. Default 64 MiB.
    pub memory_bytes: u64,
    /// Largest table, elements. Default 10,000.
    pub table_elements: u64,
    /// Wasm stack, bytes; deeper recursion traps as a stack overflow. Default 512 KiB.
    pub stack_bytes: usize,
    /// Largest module accepted, bytes. Default 8 MiB.
    pub module_bytes: usize,
    /// Most distinct term names. Default 32.
    pub max_terms: usize,
    /// Longest term name, bytes. Default 48.
    pub max_term_name: usize,
    /// Most transitions in one batch call. Default 65,536.
    pub max_batch: usize,
    /// Instances preallocated by wasmtime's pooling allocator (faster instantiation, a fixed
    /// number of live instances per sandbox); 0 allocates each instance on demand.
    /// Default 128 (instantiation ~10 µs instead of ~45 µs; virtual address space only).
    pub instance_pool: u32,
    /// Canonicalise NaNs after every float operation, so NaN bit patterns (which differ
    /// between CPU architectures) can never make a reward's results differ between
    /// machines. Costs a compare-and-select per float op. Default true.
    pub nan_canonicalization: bool,
    /// Which meters run. Both by default; turning one off removes that protection and
    /// exists for benchmarks that measure what each costs.
    pub metering: Metering,
}

/// Fuel and epoch metering switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metering {
    /// Deterministic instruction budget (`fuel_*`). Default on.
    pub fuel: bool,
    /// Wall-clock deadline (`deadline`). Default on.
    pub epoch: bool,
}

impl Default for Metering {
    fn default() -> Self {
        Metering { fuel: true, epoch: true }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel_per_transition: 100_000,
            fuel_base: 5_000_000,
            deadline: Duration::from_secs(2),
            memory_bytes: 64 << 20,
            table_elements: 10_000,
            stack_bytes: 512 << 10,
            module_bytes: 8 << 20,
            max_terms: 32,
            max_term_name: 48,
            max_batch: 65_536,
            instance_pool: 128,
            nan_canonicalization: true,
            metering: Metering::default(),
        }
    }
}

impl Limits {
    /// The fuel budget of a call over `n` transitions.
    pub fn fuel_for(&self, n: usize) -> u64 {
        self.fuel_base.saturating_add(self.fuel_per_transition.saturating_mul(n as u64))
    }
}
