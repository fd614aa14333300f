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
    /// Bounds on compiling a module: its shape, checked before compiling, and the time and
    /// memory the compile may take. Defaults in [`CompileLimits`].
    pub compile: CompileLimits,
    /// Most compiled modules a sandbox keeps for reuse; the least recently loaded is
    /// dropped first (instances and callers holding it keep it alive). Default 64.
    pub module_cache: usize,
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

/// Bounds on compiling a module with Cranelift, so a hostile module cannot make the host
/// compile for minutes or use gigabytes: compile cost grows with locals × blocks, the
/// square of the blocks and the square of the locals in nested loops, not with module
/// size. The shape limits are checked with a streaming parse before Cranelift sees the
/// module (docs/abi.md has the measurements behind them); the SDK's example rewards use
/// 100–106 functions, 22 locals, a 5 KiB body, nesting 15, 7 values per type and a cost of
/// 50,252 (110,000 per module). `cpu_time` and `memory_bytes` bound a trial compile in a
/// child process when the sandbox has a [`super::CompileChecker`] (the `rewardsmith` binary
/// sets one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompileLimits {
    /// Most functions a module defines. Default 10,000.
    pub functions: u32,
    /// Most locals in one function, parameters included. Default 10,000.
    pub locals: u32,
    /// Largest function body, bytes. Default 512 KiB.
    pub function_bytes: usize,
    /// Largest code section (all function bodies), bytes. Default 4 MiB.
    pub code_bytes: usize,
    /// Deepest nesting of `block`, `loop` and `if` in a function. Default 1,000.
    pub nesting: u32,
    /// Most parameters plus results of one function or block type. Default 128.
    pub type_arity: u32,
    /// Largest compile cost of one function, in units of at most about 25 ns of Cranelift
    /// time: with P control points (blocks, loops and ifs weighted by 1 + their type's
    /// values, elses, distinct branch targets) and L locals, `P × (P + L) + 16 L`, plus the
    /// square of the locals used in each loop. Default 10,000,000 (≈ 0.25 s at worst).
    pub function_cost: u64,
    /// Largest compile cost of all functions together. Default 50,000,000.
    pub module_cost: u64,
    /// CPU time the trial compile may use, whole seconds (at least 1); a wall-clock
    /// backstop of 4 × this + 2 s ends a child that stalls. Default 10 s (the SDK's examples
    /// take 0.07 s).
    pub cpu_time: Duration,
    /// Address space of the trial compile's process, bytes. Default 1 GiB (the SDK's
    /// examples need 15 MB resident; they compile within 128 MiB).
    pub memory_bytes: u64,
}

impl Default for CompileLimits {
    fn default() -> Self {
        CompileLimits {
            functions: 10_000,
            locals: 10_000,
            function_bytes: 512 << 10,
            code_bytes: 4 << 20,
            nesting: 1_000,
            type_arity: 128,
            function_cost: 10_000_000,
            module_cost: 50_000_000,
            cpu_time: Duration::from_secs(10),
            memory_bytes: 1 << 30,
        }
    }
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
            compile: CompileLimits::default(),
            module_cache: 64,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `10000` → "10,000".
    fn thousands(n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// Bytes in the largest whole binary unit: "512 KiB", "8 MiB", "1 GiB".
    fn size(bytes: u64) -> String {
        match bytes {
            b if b >= 1 << 30 && b.is_multiple_of(1 << 30) => format!("{} GiB", b >> 30),
            b if b >= 1 << 20 && b.is_multiple_of(1 << 20) => format!("{} MiB", b >> 20),
            b if b.is_multiple_of(1 << 10) => format!("{} KiB", b >> 10),
            b => format!("{b} bytes"),
        }
    }

    #[test]
    fn docs_limits_table_states_every_default() {
        let l = Limits::default();
        let c = &l.compile;
        let rows = [
            (
                "fuel per call",
                format!("{} + {} per transition", thousands(l.fuel_base), thousands(l.fuel_per_transition)),
            ),
            ("wall clock per call", format!("{} s", l.deadline.as_secs())),
            ("linear memory", size(l.memory_bytes)),
            ("table elements", thousands(l.table_elements)),
            ("wasm stack", size(l.stack_bytes as u64)),
            ("module size", size(l.module_bytes as u64)),
            ("functions per module", thousands(u64::from(c.functions))),
            ("locals per function", thousands(u64::from(c.locals))),
            ("function body", size(c.function_bytes as u64)),
            ("code section", size(c.code_bytes as u64)),
            ("block nesting", thousands(u64::from(c.nesting))),
            ("values per type", thousands(u64::from(c.type_arity))),
            ("compile cost per function", thousands(c.function_cost)),
            ("compile cost per module", thousands(c.module_cost)),
            ("trial compile CPU time", format!("{} s", c.cpu_time.as_secs())),
            ("trial compile memory", size(c.memory_bytes)),
            ("terms", thousands(l.max_terms as u64)),
            ("term name", format!("{} bytes", l.max_term_name)),
            ("transitions per batch", thousands(l.max_batch as u64)),
            ("compiled modules cached per sandbox", thousands(l.module_cache as u64)),
        ];
        let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/abi.md")).unwrap();
        for (name, default) in rows {
            let row = format!("| {name} | {default} |");
            assert!(docs.contains(&row), "docs/abi.md lacks the row `{row}`");
        }
    }
}
