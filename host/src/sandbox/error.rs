//! Typed errors for everything a reward module can do wrong.
//!
//! The `Display` texts are short and say what happened, where, and what to change: they are
//! shown to people and fed back to LLMs that write rewards.

use std::fmt;

/// Which limit a timeout hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// The deterministic fuel budget (wasm instructions) ran out.
    Fuel(u64),
    /// The wall-clock deadline (milliseconds) passed.
    WallClock(u64),
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Budget::Fuel(n) => write!(f, "its fuel budget of {n} wasm instructions"),
            Budget::WallClock(ms) => write!(f, "its {ms} ms wall-clock deadline"),
        }
    }
}

/// Where in a module's life an error happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Loading or validating the module.
    Load,
    /// Instantiating it (including its start function).
    Instantiate,
    /// Calling this export.
    Call(&'static str),
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Phase::Load => f.write_str("while loading"),
            Phase::Instantiate => f.write_str("while instantiating (start function)"),
            Phase::Call(name) => write!(f, "in `{name}`"),
        }
    }
}

/// Which compile limit a module's shape is over ([`super::CompileLimits`]); functions and
/// types are numbered by their wasm index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// [`super::CompileLimits::functions`].
    Functions,
    /// [`super::CompileLimits::code_bytes`].
    CodeBytes,
    /// [`super::CompileLimits::type_arity`].
    TypeArity { type_index: u32 },
    /// [`super::CompileLimits::locals`].
    Locals { function: u32 },
    /// [`super::CompileLimits::function_bytes`].
    FunctionBytes { function: u32 },
    /// [`super::CompileLimits::nesting`].
    Nesting { function: u32 },
    /// [`super::CompileLimits::function_cost`].
    FunctionCost { function: u32 },
    /// [`super::CompileLimits::module_cost`].
    ModuleCost,
}

impl Shape {
    /// "function 3 has 50000 locals" for `found` = 50000.
    fn describe(&self, found: u64) -> String {
        match self {
            Shape::Functions => format!("the module defines {found} functions"),
            Shape::CodeBytes => format!("its code is {found} bytes"),
            Shape::TypeArity { type_index } => format!("type {type_index} has {found} parameters and results"),
            Shape::Locals { function } => format!("function {function} has {found} locals"),
            Shape::FunctionBytes { function } => format!("function {function} is {found} bytes"),
            Shape::Nesting { function } => format!("function {function} nests blocks {found} deep"),
            Shape::FunctionCost { function } => {
                format!("function {function} has a compile cost of {found} (blocks and branches × (those + locals))")
            }
            Shape::ModuleCost => format!("the functions' compile cost adds up to {found}"),
        }
    }
}

/// Which bound a trial compile ran into ([`super::CompileLimits`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileBound {
    /// More CPU time than `cpu_time` (seconds).
    CpuTime { seconds: u64 },
    /// More address space than `memory_bytes`.
    Memory { bytes: u64 },
    /// Not done within the wall-clock backstop (milliseconds), e.g. on a stalled machine.
    WallClock { ms: u64 },
    /// The compiler crashed (how: a signal or an exit status).
    Crashed { how: String },
}

impl fmt::Display for CompileBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileBound::CpuTime { seconds } => write!(f, "took more than its {seconds} s of CPU time"),
            CompileBound::Memory { bytes } => write!(f, "needed more than its {} MiB of memory", bytes >> 20),
            CompileBound::WallClock { ms } => write!(f, "did not finish within {ms} ms"),
            CompileBound::Crashed { how } => write!(f, "crashed the compiler ({how})"),
        }
    }
}

/// Which value of a batch was not finite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// The total reward.
    Total,
    /// The named term.
    Term(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Total => f.write_str("the total"),
            Value::Term(name) => write!(f, "term `{name}`"),
        }
    }
}

/// Everything that can go wrong loading or running a reward module.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RewardError {
    /// The module is bigger than [`super::Limits::module_bytes`].
    #[error("module too large: {size} bytes, the limit is {limit}; strip debug info or simplify the program")]
    ModuleTooLarge { size: usize, limit: usize },

    /// The module's shape is over a compile limit; checked before compiling anything.
    #[error(
        "module too complex to compile: {}, the limit is {limit}; split large functions and use fewer locals and branches",
        .what.describe(*.found)
    )]
    TooComplex { what: Shape, found: u64, limit: u64 },

    /// Compiling the module ran into its time or memory bound.
    #[error("compiling the module {bound}; split large functions and use fewer locals and branches")]
    CompileLimit { bound: CompileBound },

    /// The bytes are not a valid WebAssembly module (or use a disabled feature).
    #[error("malformed module: {reason}")]
    Malformed { reason: String },

    /// The module imports something; reward modules get no imports at all.
    #[error(
        "forbidden import `{module}::{name}`: reward modules get no imports (no WASI, clock, randomness or host functions); remove it"
    )]
    ForbiddenImport { module: String, name: String },

    /// A required ABI export is absent.
    #[error(
        "missing export `{name}` (expected {expected}); build rewards with the SDK's export_reward! macro or see docs/abi.md"
    )]
    MissingExport { name: &'static str, expected: &'static str },

    /// A required ABI export has the wrong kind or signature.
    #[error("export `{name}` is {found}, expected {expected}; see docs/abi.md")]
    ExportType { name: &'static str, expected: &'static str, found: String },

    /// The module speaks another ABI version.
    #[error(
        "reward ABI version {found} is not supported (this host runs version {supported}); rebuild against the current SDK"
    )]
    AbiVersion { found: i64, supported: u32 },

    /// The caller asked for an env this host does not know.
    #[error("no env `{requested}`; known envs: {known}")]
    NoSuchEnv { requested: String, known: String },

    /// The module declares an env this host does not know.
    #[error("the reward declares env `{declared}`, which this host does not know (known: {known})")]
    UnknownEnv { declared: String, known: String },

    /// The module was built for another env than the one it is run on.
    #[error(
        "the reward was built for env `{declared}` but is run on `{expected}`; use `rewardsmith_guest::envs::{expected_module}::*`"
    )]
    EnvMismatch { declared: String, expected: String, expected_module: String },

    /// The module's state/action layout differs from the host's for the same env id.
    #[error(
        "layout mismatch for `{env}`: the module reads {module_state}-float states and {module_action}-float actions, the host has {host_state} and {host_action}; rebuild against this SDK version"
    )]
    LayoutMismatch { env: String, module_state: usize, module_action: usize, host_state: usize, host_action: usize },

    /// Fuel or the wall-clock deadline ran out.
    #[error(
        "timeout {phase}: the reward used up {budget} (batch of {transitions} transitions); look for a loop that never ends"
    )]
    Timeout { budget: Budget, phase: Phase, transitions: usize },

    /// Linear memory would grow past the limit.
    #[error(
        "memory limit {phase}: the reward asked for {requested} bytes of linear memory, the limit is {limit}; do not grow collections per transition"
    )]
    MemoryLimit { requested: u64, limit: u64, phase: Phase },

    /// A table would grow past the limit.
    #[error("table limit {phase}: the reward asked for {requested} table elements, the limit is {limit}")]
    TableLimit { requested: u64, limit: u64, phase: Phase },

    /// The wasm stack overflowed.
    #[error(
        "stack overflow {phase}: the reward recursed too deeply (wasm stack limit {limit_kib} KiB); use a loop instead of recursion"
    )]
    StackOverflow { phase: Phase, limit_kib: usize },

    /// The guest panicked; `message` is what the panic said (with its source line).
    #[error("the reward panicked {phase}: {message}")]
    Panicked { message: String, phase: Phase },

    /// Any other trap (division by zero, out-of-bounds access, `unreachable`, ...).
    #[error("the reward trapped {phase}: {trap}")]
    Trap { trap: String, phase: Phase },

    /// The total or a term is NaN or infinite.
    #[error(
        "non-finite reward: {value} is {number} for transition {transition}; guard divisions, logs and square roots (clamp inputs, add a small epsilon)"
    )]
    NonFinite { value: Value, number: f32, transition: usize },

    /// More distinct term names than allowed.
    #[error("too many terms: the reward added {} distinct term names, the limit is {limit}; merge related terms", if *.count > rewardsmith_guest::TERM_CAPACITY { format!("at least {count}") } else { count.to_string() })]
    TooManyTerms { count: usize, limit: usize },

    /// A term name is too long, empty, repeated or not UTF-8.
    #[error("bad term name #{index}: {problem}; use short snake_case names")]
    TermName { index: usize, problem: String },

    /// The module broke the ABI's contract (a pointer out of bounds, a failed allocation).
    #[error("ABI violation {phase}: {what}; see docs/abi.md")]
    AbiViolation { what: String, phase: Phase },

    /// The host passed a batch that is not a whole number of transitions, or too many.
    #[error("bad batch: {what}")]
    BadBatch { what: String },

    /// Every preallocated instance slot is in use (a host capacity limit, not the reward's).
    #[error(
        "all {slots} instance slots of this sandbox are in use; drop finished instances or raise Limits::instance_pool"
    )]
    InstancePoolFull { slots: u32 },

    /// The engine could not be set up (a host problem, not the reward's).
    #[error("sandbox setup failed: {0}")]
    Setup(String),
}

impl RewardError {
    /// A short stable name for the error class, for JSON output and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            RewardError::ModuleTooLarge { .. } => "module_too_large",
            RewardError::TooComplex { .. } => "too_complex",
            RewardError::CompileLimit { .. } => "compile_limit",
            RewardError::Malformed { .. } => "malformed",
            RewardError::ForbiddenImport { .. } => "forbidden_import",
            RewardError::MissingExport { .. } => "missing_export",
            RewardError::ExportType { .. } => "export_type",
            RewardError::AbiVersion { .. } => "abi_version",
            RewardError::NoSuchEnv { .. } => "no_such_env",
            RewardError::UnknownEnv { .. } => "unknown_env",
            RewardError::EnvMismatch { .. } => "env_mismatch",
            RewardError::LayoutMismatch { .. } => "layout_mismatch",
            RewardError::Timeout { .. } => "timeout",
            RewardError::MemoryLimit { .. } => "memory_limit",
            RewardError::TableLimit { .. } => "table_limit",
            RewardError::StackOverflow { .. } => "stack_overflow",
            RewardError::Panicked { .. } => "panicked",
            RewardError::Trap { .. } => "trap",
            RewardError::NonFinite { .. } => "non_finite",
            RewardError::TooManyTerms { .. } => "too_many_terms",
            RewardError::TermName { .. } => "term_name",
            RewardError::AbiViolation { .. } => "abi_violation",
            RewardError::BadBatch { .. } => "bad_batch",
            RewardError::InstancePoolFull { .. } => "instance_pool_full",
            RewardError::Setup(_) => "setup",
        }
    }
}
