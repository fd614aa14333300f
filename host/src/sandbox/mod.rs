//! The sandbox: runs reward modules in wasmtime with no ambient authority.
//!
//! A [`Sandbox`] owns the engine (configured for determinism and limits), a bounded cache
//! of compiled modules keyed by content hash, and the thread that drives epoch deadlines.
//! [`Sandbox::load`] validates a module once; [`Sandbox::instantiate`] makes a cheap
//! [`RewardInstance`] that evaluates batches of transitions.
//!
//! Loading is bounded too: a module's size and shape (functions, locals, nesting, locals ×
//! branches) are checked before Cranelift sees it, and with a [`CompileChecker`] a trial
//! compile runs in a child process under CPU-time and memory limits first.
//!
//! Policy: a module gets no imports at all (instantiated with an empty import list), so no
//! filesystem, network, clock or randomness can reach it; fuel makes runaway code stop at
//! the same instruction every time, an epoch deadline bounds wall-clock time, and memory,
//! table, stack, module-size and term limits are enforced ([`Limits`]). NaNs are
//! canonicalised; threads, relaxed SIMD, memory64, multi-memory and GC are disabled.

mod abi;
mod cache;
mod checker;
mod error;
mod instance;
mod limiter;
mod limits;
mod module;
mod precheck;

pub use abi::ABI_VERSION;
pub use checker::{CHECKER_ARG, CompileChecker, run_checker_if_asked, set_default_checker};
pub use error::{Budget, CompileBound, Phase, RewardError, Shape, Value};
pub use instance::{BatchResult, RewardInstance};
pub use limits::{CompileLimits, Limits, Metering};
pub use module::RewardModule;

use cache::ModuleCache;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances; deadlines are rounded up to this.
const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Runs reward modules. Cheap to clone (shared engine and cache); `Send + Sync`.
#[derive(Clone, Debug)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    limits: Limits,
    checker: Option<CompileChecker>,
    cache: Mutex<ModuleCache>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("limits", &self.limits).field("checker", &self.checker).finish_non_exhaustive()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Sandbox {
    /// A sandbox with the given limits and the process's compile checker, if one was set
    /// with [`set_default_checker`] (the `rewardsmith` binary sets one; without one, only
    /// the shape limits bound compiling).
    pub fn new(limits: Limits) -> Result<Sandbox, RewardError> {
        Sandbox::with_checker(limits, checker::default_checker())
    }

    /// A sandbox with the given limits whose loads run a trial compile with `checker` first
    /// (`None`: shape limits only).
    pub fn with_checker(limits: Limits, checker: Option<CompileChecker>) -> Result<Sandbox, RewardError> {
        let engine = Engine::new(&engine_config(&limits)).map_err(|e| RewardError::Setup(e.to_string()))?;
        let stop = Arc::new(AtomicBool::new(false));
        let (ticker_engine, ticker_stop) = (engine.clone(), stop.clone());
        thread::Builder::new()
            .name("rewardsmith-epoch".into())
            .spawn(move || {
                while !ticker_stop.load(Ordering::Relaxed) {
                    thread::sleep(EPOCH_TICK);
                    ticker_engine.increment_epoch();
                }
            })
            .map_err(|e| RewardError::Setup(format!("cannot start the epoch thread: {e}")))?;
        let cache = Mutex::new(ModuleCache::new(limits.module_cache));
        Ok(Sandbox { inner: Arc::new(Inner { engine, limits, checker, cache, stop }) })
    }

    /// The limits every module of this sandbox runs under.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The wasmtime engine (for precompiling or inspecting modules).
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Validates and compiles a binary module, or returns the cached one with the same bytes.
    /// Only modules that passed every check are cached.
    pub fn load(&self, bytes: &[u8]) -> Result<Arc<RewardModule>, RewardError> {
        let limit = self.inner.limits.module_bytes;
        if bytes.len() > limit {
            return Err(RewardError::ModuleTooLarge { size: bytes.len(), limit });
        }
        let hash = module::content_hash(bytes);
        if let Some(m) = self.inner.cache.lock().expect("module cache poisoned").get(&hash) {
            return Ok(m);
        }
        let inner = &self.inner;
        let m = Arc::new(RewardModule::compile(&inner.engine, &inner.limits, inner.checker.as_ref(), bytes, hash)?);
        inner.cache.lock().expect("module cache poisoned").insert(hash, m.clone());
        Ok(m)
    }

    /// Instantiates `module` for env `env_id` (a versioned id or short name), checking the
    /// module's ABI version, env and layout.
    pub fn instantiate(&self, module: &RewardModule, env_id: &str) -> Result<RewardInstance, RewardError> {
        RewardInstance::new(&self.inner.engine, &self.inner.limits, module, env_id, EPOCH_TICK)
    }

    /// How many distinct modules are compiled and cached (at most [`Limits::module_cache`]).
    pub fn cached_modules(&self) -> usize {
        self.inner.cache.lock().expect("module cache poisoned").len()
    }
}

/// The engine configuration for `limits` (the compile checker's child builds the same).
fn engine_config(limits: &Limits) -> Config {
    let mut c = Config::new();
    c.consume_fuel(limits.metering.fuel)
        .epoch_interruption(limits.metering.epoch)
        .cranelift_nan_canonicalization(limits.nan_canonicalization)
        .max_wasm_stack(limits.stack_bytes)
        .wasm_relaxed_simd(false)
        .wasm_memory64(false)
        .wasm_multi_memory(false);
    if limits.instance_pool > 0 {
        let n = limits.instance_pool;
        let mut pool = PoolingAllocationConfig::new();
        pool.total_core_instances(n)
            .total_memories(n)
            .total_tables(n)
            .max_memory_size(limits.memory_bytes as usize)
            .table_elements(limits.table_elements as usize)
            .max_unused_warm_slots(n);
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    // Threads, GC, exceptions and stack switching are not compiled into this wasmtime build
    // (see the workspace's feature list), so modules using them fail validation.
    c
}
