//! What the module fuzz targets share: small sandbox limits, one sandbox per process, the
//! checks every batch result must pass, and a check that the host still runs a good
//! reward after each input.

use std::time::Duration;

use rewardsmith::sandbox::{BatchResult, CompileLimits, Limits, RewardError, RewardInstance, Sandbox};

pub mod batch_plan;

/// Small limits so that every input runs in milliseconds and every limit is reachable
/// from inputs of a few KiB.
pub fn limits() -> Limits {
    Limits {
        fuel_per_transition: 2_000,
        fuel_base: 200_000,
        // The backstop only: fuel stops loops long before this.
        deadline: Duration::from_secs(2),
        memory_bytes: 1 << 20,
        table_elements: 1_000,
        stack_bytes: 128 << 10,
        module_bytes: 64 << 10,
        compile: CompileLimits {
            functions: 64,
            locals: 256,
            function_bytes: 4 << 10,
            code_bytes: 32 << 10,
            nesting: 24,
            type_arity: 16,
            function_cost: 200_000,
            module_cost: 1_000_000,
            ..CompileLimits::default()
        },
        // Small, so that eviction happens every few inputs.
        module_cache: 8,
        max_terms: 8,
        max_term_name: 16,
        max_batch: 64,
        instance_pool: 4,
        ..Limits::default()
    }
}

thread_local! {
    static SANDBOX: Sandbox = Sandbox::new(limits()).expect("a sandbox with the fuzz limits");
}

/// The sandbox every input of this process uses (its module cache is bounded by
/// `module_cache`, so it can live as long as the fuzzer).
pub fn sandbox() -> Sandbox {
    let sandbox = SANDBOX.with(Sandbox::clone);
    assert!(sandbox.cached_modules() <= limits().module_cache, "the module cache outgrew its bound");
    sandbox
}

/// With `FUZZ_TRACE` set, prints each outcome to stderr: how deep inputs get, for triage
/// and for docs/fuzzing.md (`FUZZ_TRACE=1 fuzz/target/.../batch -runs=0 fuzz/corpus/batch`).
pub fn trace(stage: &str, outcome: &str) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("FUZZ_TRACE").is_some()) {
        eprintln!("trace {stage} {outcome}");
    }
}

/// Errors a module may legitimately cause. `Setup`, `NoSuchEnv` and `InstancePoolFull`
/// are host problems: no module may provoke them (one live instance per input, 4 slots).
pub fn assert_module_error(e: &RewardError) {
    let kind = e.kind();
    trace("error", &format!("{kind}: {}", e.to_string().chars().take(90).collect::<String>()));
    assert!(!matches!(kind, "setup" | "no_such_env" | "instance_pool_full"), "a module caused a host error: {e:?}");
    // Every error renders (messages go to users and LLMs).
    assert!(!e.to_string().is_empty());
}

/// The contract of a successful batch of `n` transitions.
pub fn assert_batch_ok(r: &BatchResult<'_>, n: usize, checked: bool, inst: &RewardInstance) {
    let l = limits();
    let t = r.names.len();
    assert_eq!(r.totals.len(), n, "one total per transition");
    assert_eq!(r.terms.len(), n * t, "n × T term values");
    assert!(t <= l.max_terms, "{t} terms, limit {}", l.max_terms);
    assert_eq!(inst.term_names(), r.names);
    for (i, name) in r.names.iter().enumerate() {
        assert!(!name.is_empty() && name.len() <= l.max_term_name, "term name {name:?}");
        assert!(!name.chars().any(char::is_control), "control character in term name {name:?}");
        assert!(!r.names[..i].contains(name), "term name {name:?} twice");
    }
    if checked {
        assert!(r.totals.iter().chain(r.terms).all(|v| v.is_finite()), "a checked batch returned a non-finite value");
    }
}

/// Runs one batch of `n` transitions filled with `fill` through one of the three batch
/// calls (`how % 3`), checks the result, and checks that a failure sticks.
pub fn run_batch(inst: &mut RewardInstance, n: usize, fill: f32, how: u8) {
    let stride = inst.transition_len();
    let data = vec![fill; n * stride];
    let checked = how % 3 != 1;
    let result = match how % 3 {
        0 => inst.run_batch(&data),
        1 => inst.run_batch_unchecked(&data),
        _ => inst.run_batch_with(n, |buf| buf.fill(fill)),
    };
    let error = match result {
        Ok(r) => {
            let (totals, terms, names, fuel) = (r.totals.to_vec(), r.terms.to_vec(), r.names.to_vec(), r.fuel);
            let owned = BatchResult { totals: &totals, terms: &terms, names: &names, fuel };
            assert_batch_ok(&owned, n, checked, inst);
            trace("batch", &format!("ok n={n} terms={}", names.len()));
            return;
        }
        Err(e) => e,
    };
    assert_module_error(&error);
    let bad_size = n == 0 || n > limits().max_batch;
    assert_eq!(error.kind() == "bad_batch", bad_size, "bad_batch exactly for bad sizes: n = {n}, {error:?}");
    assert!(checked || error.kind() != "non_finite", "an unchecked batch failed on a non-finite value: {error:?}");
    // A failed call leaves the instance failed: it refuses further batches with the same
    // error. A bad size or a non-finite value is no failed call.
    if !matches!(error.kind(), "bad_batch" | "non_finite") {
        let again = inst.run_batch(&vec![0.0; stride]).expect_err("a failed instance must stay failed");
        // Compared as text: a NaN inside the error is not equal to itself.
        assert_eq!(again.to_string(), error.to_string(), "a failed instance must repeat its error");
    }
}

/// `tests/fixtures/cartpole_upright.wat`: a good reward with known values.
const GOOD: &str = include_str!("../../tests/fixtures/cartpole_upright.wat");

/// The host still loads, instantiates and runs a good reward correctly in `sandbox`.
pub fn assert_host_fine(sandbox: &Sandbox) {
    thread_local! {
        static GOOD_WASM: Vec<u8> = wat::parse_str(GOOD).expect("the fixture assembles");
    }
    let module = GOOD_WASM.with(|w| sandbox.load(w)).expect("the good module loads");
    let mut inst = sandbox.instantiate(&module, "cartpole").expect("the good module instantiates");
    // next.cart_pos = 1, next.pole_angle = 0: upright 1, centred -0.1.
    let mut t = [0.0f32; 11];
    t[6] = 1.0;
    let r = inst.run_batch(&t).expect("the good module runs");
    assert_eq!(r.names, ["upright", "centred"]);
    assert_eq!(r.terms, [1.0, -0.1]);
    assert_eq!(r.totals, [0.9]);
}

/// A module with exactly the reward ABI's exports: wasm-smith generates random modules
/// with these names and signatures (`Config::exports`).
pub fn abi_exports_module() -> Vec<u8> {
    wat::parse_str(
        r#"(module
            (memory (export "memory") 1)
            (func (export "rewardsmith_abi_version") (result i32) unreachable)
            (func (export "rewardsmith_env_id") (result i64) unreachable)
            (func (export "rewardsmith_layout") (result i64) unreachable)
            (func (export "rewardsmith_input") (param i32) (result i32) unreachable)
            (func (export "rewardsmith_run") (param i32) (result i32) unreachable)
            (func (export "rewardsmith_term_count") (result i32) unreachable)
            (func (export "rewardsmith_term_name") (param i32) (result i64) unreachable)
            (func (export "rewardsmith_panic_message") (result i64) unreachable))"#,
    )
    .expect("the ABI export list assembles")
}
