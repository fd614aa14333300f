//! One instantiated reward module: evaluates batches of transitions.

use std::time::Duration;

use rewardsmith_guest::envs::EnvLayout;
use wasmtime::{Engine, Instance, Memory, Store, Trap, TypedFunc};

use super::abi::{self, ABI_VERSION};
use super::error::{Budget, Phase, RewardError, Value};
use super::limiter::{Hit, Limiter};
use super::limits::Limits;
use super::module::{RewardModule, first_line};

/// The result of one batch: borrowed from the instance until the next call.
#[derive(Debug)]
pub struct BatchResult<'a> {
    /// One total per transition.
    pub totals: &'a [f32],
    /// `totals.len() × names.len()` term values, row-major (one row per transition).
    pub terms: &'a [f32],
    /// Term names, in the guest's first-added order.
    pub names: &'a [String],
    /// Fuel (≈ wasm instructions) the batch used; 0 when fuel metering is off.
    pub fuel: u64,
}

/// A reward module instantiated in its own store. Not shared between threads: make one per
/// worker (instantiation takes microseconds). After a trap the instance refuses further
/// calls with the same error; instantiate a fresh one.
pub struct RewardInstance {
    store: Store<Limiter>,
    memory: Memory,
    input: TypedFunc<i32, i32>,
    run: TypedFunc<i32, i32>,
    term_count: TypedFunc<(), i32>,
    term_name: TypedFunc<i32, i64>,
    panic_message: TypedFunc<(), i64>,
    env: &'static EnvLayout,
    limits: Limits,
    deadline_ticks: u64,
    names: Vec<String>,
    /// Where the last batch's output lies in guest memory: byte offset and transitions.
    output: (usize, usize),
    /// Fuel the last `rewardsmith_run` call used.
    run_fuel: u64,
    failed: Option<RewardError>,
}

impl std::fmt::Debug for RewardInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RewardInstance").field("env", &self.env.id).field("terms", &self.names).finish_non_exhaustive()
    }
}

impl RewardInstance {
    pub(crate) fn new(
        engine: &Engine,
        limits: &Limits,
        module: &RewardModule,
        env_id: &str,
        tick: Duration,
    ) -> Result<RewardInstance, RewardError> {
        let env = crate::schema::layout(env_id)
            .ok_or_else(|| RewardError::NoSuchEnv { requested: env_id.into(), known: known_envs() })?;
        let limiter = Limiter { memory_bytes: limits.memory_bytes, table_elements: limits.table_elements, hit: None };
        let mut store = Store::new(engine, limiter);
        store.limiter(|l| l);
        let deadline_ticks = (limits.deadline.as_micros() / tick.as_micros().max(1)).max(1) as u64 + 1;
        if limits.metering.epoch {
            store.set_epoch_deadline(deadline_ticks);
            store.epoch_deadline_trap();
        }
        set_fuel(&mut store, limits, limits.fuel_base)?;
        let instance = Instance::new(&mut store, &module.module, &[])
            .map_err(|e| classify(e, &mut store, limits, Phase::Instantiate, 0, None))?;
        let memory = instance
            .get_memory(&mut store, abi::MEMORY)
            .ok_or(RewardError::MissingExport { name: abi::MEMORY, expected: "a 32-bit linear memory" })?;
        let func = |store: &mut Store<Limiter>, name: &'static str| {
            instance.get_func(&mut *store, name).ok_or(RewardError::MissingExport { name, expected: "a function" })
        };
        // Signatures were checked at load time, so `typed` cannot fail here.
        let typed_err = |name: &'static str| {
            move |e: wasmtime::Error| RewardError::ExportType {
                name,
                expected: "see docs/abi.md",
                found: first_line(&e),
            }
        };
        let version: TypedFunc<(), i32> =
            func(&mut store, abi::ABI_VERSION_FN)?.typed(&store).map_err(typed_err(abi::ABI_VERSION_FN))?;
        let env_id_fn: TypedFunc<(), i64> =
            func(&mut store, abi::ENV_ID_FN)?.typed(&store).map_err(typed_err(abi::ENV_ID_FN))?;
        let layout: TypedFunc<(), i64> =
            func(&mut store, abi::LAYOUT_FN)?.typed(&store).map_err(typed_err(abi::LAYOUT_FN))?;
        let mut me = RewardInstance {
            input: func(&mut store, abi::INPUT_FN)?.typed(&store).map_err(typed_err(abi::INPUT_FN))?,
            run: func(&mut store, abi::RUN_FN)?.typed(&store).map_err(typed_err(abi::RUN_FN))?,
            term_count: func(&mut store, abi::TERM_COUNT_FN)?.typed(&store).map_err(typed_err(abi::TERM_COUNT_FN))?,
            term_name: func(&mut store, abi::TERM_NAME_FN)?.typed(&store).map_err(typed_err(abi::TERM_NAME_FN))?,
            panic_message: func(&mut store, abi::PANIC_MESSAGE_FN)?
                .typed(&store)
                .map_err(typed_err(abi::PANIC_MESSAGE_FN))?,
            store,
            memory,
            env,
            limits: *limits,
            deadline_ticks,
            names: Vec::new(),
            output: (0, 0),
            run_fuel: 0,
            failed: None,
        };

        let found = me.call(&version, (), abi::ABI_VERSION_FN, 0)?;
        if found != ABI_VERSION as i32 {
            return Err(RewardError::AbiVersion { found: found.into(), supported: ABI_VERSION });
        }
        let packed = me.call(&env_id_fn, (), abi::ENV_ID_FN, 0)?;
        let declared = me.read_string(packed, 64, abi::ENV_ID_FN)?;
        let declared_env = crate::schema::layout(&declared)
            .filter(|e| e.id == declared)
            .ok_or_else(|| RewardError::UnknownEnv { declared: declared.clone(), known: known_envs() })?;
        if declared_env.id != env.id {
            return Err(RewardError::EnvMismatch {
                declared,
                expected: env.id.into(),
                expected_module: env.name.into(),
            });
        }
        let packed = me.call(&layout, (), abi::LAYOUT_FN, 0)? as u64;
        let (state, action) = ((packed & 0xffff_ffff) as usize, (packed >> 32) as usize);
        if (state, action) != (env.state_len, env.action_len) {
            return Err(RewardError::LayoutMismatch {
                env: env.id.into(),
                module_state: state,
                module_action: action,
                host_state: env.state_len,
                host_action: env.action_len,
            });
        }
        Ok(me)
    }

    /// The env this instance evaluates.
    pub fn env(&self) -> &'static EnvLayout {
        self.env
    }

    /// Floats per transition: `state, action, next_state`.
    pub fn transition_len(&self) -> usize {
        self.env.transition_len()
    }

    /// Term names seen so far (complete after the first batch for most rewards).
    pub fn term_names(&self) -> &[String] {
        &self.names
    }

    /// Fuel (≈ wasm instructions) the last batch's `rewardsmith_run` call used: a
    /// deterministic measure of what the reward costs. 0 when fuel metering is off.
    pub fn last_run_fuel(&self) -> u64 {
        self.run_fuel
    }

    /// Evaluates the reward on a batch: `transitions` holds `n` transitions of
    /// [`Self::transition_len`] floats each. One guest call per batch.
    ///
    /// Totals and every term are checked: a NaN or infinity is an error naming the
    /// transition. A trap leaves this instance failed; the host itself is unaffected.
    pub fn run_batch(&mut self, transitions: &[f32]) -> Result<BatchResult<'_>, RewardError> {
        let n = self.batch_len(transitions.len())?;
        self.evaluate(n, |input| input.copy_from_slice(transitions))?;
        self.check_finite()?;
        Ok(self.result())
    }

    /// Like [`Self::run_batch`] but returns non-finite values instead of failing on them
    /// (for tools that count them).
    pub fn run_batch_unchecked(&mut self, transitions: &[f32]) -> Result<BatchResult<'_>, RewardError> {
        let n = self.batch_len(transitions.len())?;
        self.evaluate(n, |input| input.copy_from_slice(transitions))?;
        Ok(self.result())
    }

    /// Evaluates `n` transitions that `fill` writes straight into guest memory (no
    /// intermediate buffer): `fill` gets `n × transition_len` floats to overwrite. For
    /// callers that produce transitions anyway, such as a vectorised env step.
    pub fn run_batch_with(&mut self, n: usize, fill: impl FnOnce(&mut [f32])) -> Result<BatchResult<'_>, RewardError> {
        self.batch_len(n * self.transition_len())?;
        self.evaluate(n, fill)?;
        self.check_finite()?;
        Ok(self.result())
    }

    /// Transitions in a batch of `floats` floats, or why it is not a valid batch.
    fn batch_len(&self, floats: usize) -> Result<usize, RewardError> {
        let stride = self.transition_len();
        if floats == 0 || !floats.is_multiple_of(stride) {
            return Err(RewardError::BadBatch {
                what: format!("{floats} floats is not a whole, non-zero number of {stride}-float transitions"),
            });
        }
        let n = floats / stride;
        if n > self.limits.max_batch {
            return Err(RewardError::BadBatch {
                what: format!("{n} transitions, the limit is {}", self.limits.max_batch),
            });
        }
        Ok(n)
    }

    /// Runs one batch; a failure marks the instance failed.
    fn evaluate(&mut self, n: usize, fill: impl FnOnce(&mut [f32])) -> Result<(), RewardError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.batch(n, fill);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn batch(&mut self, n: usize, fill: impl FnOnce(&mut [f32])) -> Result<(), RewardError> {
        let ptr = self.call(&self.input.clone(), n as i32, abi::INPUT_FN, n)?;
        let region = self.region(ptr, n * self.transition_len() * 4, abi::INPUT_FN, "input buffer")?;
        fill(bytemuck::cast_slice_mut(&mut self.memory.data_mut(&mut self.store)[region]));

        let out = self.call(&self.run.clone(), n as i32, abi::RUN_FN, n)?;
        self.read_names(n)?;
        let region = self.region(out, n * (1 + self.names.len()) * 4, abi::RUN_FN, "output buffer")?;
        self.output = (region.start, n);
        Ok(())
    }

    /// The last batch's totals and terms, viewed in place in guest memory.
    fn result(&self) -> BatchResult<'_> {
        let (start, n) = self.output;
        let t = self.names.len();
        let floats: &[f32] = bytemuck::cast_slice(&self.memory.data(&self.store)[start..start + n * (1 + t) * 4]);
        let (totals, terms) = floats.split_at(n);
        BatchResult { totals, terms, names: &self.names, fuel: self.run_fuel }
    }

    /// The first transition with a non-finite value; a term is named before the total
    /// (a bad term usually makes the total bad too, and the term says where to look).
    fn check_finite(&self) -> Result<(), RewardError> {
        let BatchResult { totals, terms, names, .. } = self.result();
        let t = names.len();
        for (i, total) in totals.iter().enumerate() {
            let row = &terms[i * t..(i + 1) * t];
            if let Some(k) = row.iter().position(|v| !v.is_finite()) {
                return Err(RewardError::NonFinite {
                    value: Value::Term(names[k].clone()),
                    number: row[k],
                    transition: i,
                });
            }
            if !total.is_finite() {
                return Err(RewardError::NonFinite { value: Value::Total, number: *total, transition: i });
            }
        }
        Ok(())
    }

    /// Reads term names when the guest's count changed, enforcing the term limits.
    fn read_names(&mut self, n: usize) -> Result<(), RewardError> {
        let count = self.call(&self.term_count.clone(), (), abi::TERM_COUNT_FN, n)?;
        let count = usize::try_from(count).map_err(|_| RewardError::AbiViolation {
            what: format!("term count {count} is negative"),
            phase: Phase::Call(abi::TERM_COUNT_FN),
        })?;
        if count > self.limits.max_terms {
            return Err(RewardError::TooManyTerms { count, limit: self.limits.max_terms });
        }
        for index in self.names.len()..count {
            let packed = self.call(&self.term_name.clone(), index as i32, abi::TERM_NAME_FN, n)?;
            let (_, len) = abi::unpack(packed);
            if len > self.limits.max_term_name {
                return Err(RewardError::TermName {
                    index,
                    problem: format!("it is {len} bytes long, the limit is {}", self.limits.max_term_name),
                });
            }
            let name = self
                .read_string(packed, self.limits.max_term_name, abi::TERM_NAME_FN)
                .map_err(|_| RewardError::TermName { index, problem: "it is not valid UTF-8 within memory".into() })?;
            let problem = if name.is_empty() {
                Some("it is empty".to_string())
            } else if name.chars().any(char::is_control) {
                Some("it contains control characters".to_string())
            } else if self.names.contains(&name) {
                Some(format!("`{name}` appears twice"))
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(RewardError::TermName { index, problem });
            }
            self.names.push(name);
        }
        Ok(())
    }

    /// Calls a guest export under a fresh fuel budget and wall-clock deadline.
    fn call<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
        &mut self,
        f: &TypedFunc<P, R>,
        params: P,
        name: &'static str,
        n: usize,
    ) -> Result<R, RewardError> {
        set_fuel(&mut self.store, &self.limits, self.limits.fuel_for(n))?;
        if self.limits.metering.epoch {
            self.store.set_epoch_deadline(self.deadline_ticks);
        }
        self.store.data_mut().hit = None;
        match f.call(&mut self.store, params) {
            Ok(r) => {
                if name == abi::RUN_FN && self.limits.metering.fuel {
                    self.run_fuel = self.limits.fuel_for(n) - self.store.get_fuel().unwrap_or(0);
                }
                Ok(r)
            }
            Err(e) => {
                let panic = self.panic_message.clone();
                Err(classify(e, &mut self.store, &self.limits, Phase::Call(name), n, Some((&panic, self.memory))))
            }
        }
    }

    /// The byte range `[ptr, ptr + len)` if it lies inside linear memory.
    fn region(
        &self,
        ptr: i32,
        len: usize,
        export: &'static str,
        what: &str,
    ) -> Result<std::ops::Range<usize>, RewardError> {
        let size = self.memory.data_size(&self.store);
        let start = ptr as u32 as usize;
        match start.checked_add(len) {
            Some(end) if ptr != 0 && start.is_multiple_of(4) && end <= size => Ok(start..end),
            _ => Err(RewardError::AbiViolation {
                what: format!(
                    "{what} at address {start} with {len} bytes is null, not 4-byte aligned, or outside the {size}-byte memory"
                ),
                phase: Phase::Call(export),
            }),
        }
    }

    fn read_string(&self, packed: i64, max: usize, export: &'static str) -> Result<String, RewardError> {
        read_string(&self.memory, &self.store, packed, max, export)
    }
}

fn read_string(
    memory: &Memory,
    store: &Store<Limiter>,
    packed: i64,
    max: usize,
    export: &'static str,
) -> Result<String, RewardError> {
    let (ptr, len) = abi::unpack(packed);
    let data = memory.data(store);
    let violation = |what: String| RewardError::AbiViolation { what, phase: Phase::Call(export) };
    if len > max {
        return Err(violation(format!("string of {len} bytes, the limit is {max}")));
    }
    let bytes = ptr
        .checked_add(len)
        .and_then(|end| data.get(ptr..end))
        .ok_or_else(|| violation(format!("string at {ptr} with {len} bytes is outside memory")))?;
    String::from_utf8(bytes.to_vec()).map_err(|_| violation("string is not UTF-8".into()))
}

fn set_fuel(store: &mut Store<Limiter>, limits: &Limits, fuel: u64) -> Result<(), RewardError> {
    if !limits.metering.fuel {
        return Ok(());
    }
    store.set_fuel(fuel).map_err(|e| RewardError::Setup(first_line(&e)))
}

fn known_envs() -> String {
    crate::schema::registry::known_ids().join(", ")
}

/// Turns a wasmtime error from instantiation or a call into a typed error. A limit hit
/// recorded by the limiter wins over the trap the guest made of it; an `unreachable` trap
/// with a recorded panic message becomes [`RewardError::Panicked`].
fn classify(
    e: wasmtime::Error,
    store: &mut Store<Limiter>,
    limits: &Limits,
    phase: Phase,
    n: usize,
    panic: Option<(&TypedFunc<(), i64>, Memory)>,
) -> RewardError {
    match store.data().hit {
        Some(Hit::Memory { requested }) => {
            return RewardError::MemoryLimit { requested, limit: limits.memory_bytes, phase };
        }
        Some(Hit::Table { requested }) => {
            return RewardError::TableLimit { requested, limit: limits.table_elements, phase };
        }
        None => {}
    }
    if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>().is_some() {
        return RewardError::InstancePoolFull { slots: limits.instance_pool };
    }
    let Some(trap) = e.downcast_ref::<Trap>() else {
        return RewardError::Trap { trap: first_line(&e), phase };
    };
    match trap {
        Trap::OutOfFuel => RewardError::Timeout { budget: Budget::Fuel(limits.fuel_for(n)), phase, transitions: n },
        Trap::Interrupt => RewardError::Timeout {
            budget: Budget::WallClock(limits.deadline.as_millis() as u64),
            phase,
            transitions: n,
        },
        Trap::StackOverflow => RewardError::StackOverflow { phase, limit_kib: limits.stack_bytes >> 10 },
        Trap::UnreachableCodeReached => match panic.and_then(|(f, memory)| panic_message(store, f, memory, limits)) {
            Some(message) => RewardError::Panicked { message, phase },
            None => RewardError::Trap { trap: trap.to_string(), phase },
        },
        other => RewardError::Trap { trap: other.to_string(), phase },
    }
}

/// Asks the guest for its last panic message, under a small fuel budget.
fn panic_message(
    store: &mut Store<Limiter>,
    f: &TypedFunc<(), i64>,
    memory: Memory,
    limits: &Limits,
) -> Option<String> {
    set_fuel(store, limits, limits.fuel_base).ok()?;
    let packed = f.call(&mut *store, ()).ok()?;
    let message = read_string(&memory, store, packed, 4096, abi::PANIC_MESSAGE_FN).ok()?;
    let message = message.trim();
    // std's hook formats "panicked at FILE:LINE:COL:\nMESSAGE"; keep it on one line.
    let message = message.strip_prefix("panicked at ").unwrap_or(message).replace('\n', " ");
    (!message.is_empty()).then_some(message)
}
