//! Modules that misbehave while running: each is stopped with its typed error, and a good
//! reward runs correctly in the same sandbox right after.

use std::time::{Duration, Instant};

use rewardsmith::sandbox::{Budget, Limits, Phase, RewardError, Sandbox, Value};
use rewardsmith_tests::*;

const RUN: Phase = Phase::Call("rewardsmith_run");

fn run_err(sb: &Sandbox, wat: Wat) -> RewardError {
    run(sb, &wat.wasm(), "cartpole", 16).expect_err("module must fail")
}

fn spin() -> String {
    "(loop $l (br $l)) (i32.const 0)".into()
}

#[test]
fn infinite_loop_in_batch_runs_out_of_fuel() {
    let sb = sandbox();
    let e = run_err(&sb, Wat { run_body: spin(), ..Wat::default() });
    let fuel = small_limits().fuel_for(16);
    assert_eq!(e, RewardError::Timeout { budget: Budget::Fuel(fuel), phase: RUN, transitions: 16 });
    assert_host_fine(&sb);
}

#[test]
fn infinite_loop_without_fuel_hits_the_wall_clock_deadline() {
    // Fuel large enough to last minutes: the epoch deadline must stop it.
    let limits = Limits { fuel_base: u64::MAX / 2, deadline: Duration::from_millis(200), ..small_limits() };
    let sb = Sandbox::new(limits).unwrap();
    let start = Instant::now();
    let e = run_err(&sb, Wat { run_body: spin(), ..Wat::default() });
    assert_eq!(e, RewardError::Timeout { budget: Budget::WallClock(200), phase: RUN, transitions: 16 });
    assert!(start.elapsed() < Duration::from_secs(30), "deadline took {:?}", start.elapsed());
    assert_host_fine(&sb);
}

#[test]
fn infinite_loop_in_start_function() {
    let sb = sandbox();
    let wat = Wat { extra: "(func $start (loop $l (br $l))) (start $start)".into(), ..Wat::default() };
    let e = instantiate(&sb, &wat.wasm(), "cartpole").unwrap_err();
    assert!(matches!(e, RewardError::Timeout { budget: Budget::Fuel(_), phase: Phase::Instantiate, .. }), "{e}");
    assert_host_fine(&sb);
}

#[test]
fn unbounded_recursion_overflows_the_stack() {
    let sb = sandbox();
    let wat = Wat {
        run_body: "(call $deep (local.get $n))".into(),
        extra: "(func $deep (param i32) (result i32) (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))".into(),
        ..Wat::default()
    };
    let e = run_err(&sb, wat);
    assert_eq!(e, RewardError::StackOverflow { phase: RUN, limit_kib: 512 });
    assert_host_fine(&sb);
}

#[test]
fn memory_grow_bomb() {
    let sb = sandbox();
    // Grow a page at a time until refused, then trap as a Rust allocator would.
    let body =
        "(block $full (loop $l (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1))) (br $l))) unreachable";
    let e = run_err(&sb, Wat { run_body: body.into(), ..Wat::default() });
    assert!(
        matches!(e, RewardError::MemoryLimit { limit, phase: RUN, requested } if limit == 16 << 20 && requested > limit),
        "{e}"
    );
    assert_host_fine(&sb);
}

#[test]
fn refused_growth_that_the_guest_handles_is_not_an_error() {
    let sb = sandbox();
    let body = "(drop (memory.grow (i32.const 10000))) (i32.const 4096)";
    assert!(run(&sb, &Wat { run_body: body.into(), ..Wat::default() }.wasm(), "cartpole", 4).is_ok());
}

#[test]
fn trap_without_panic_message() {
    let sb = sandbox();
    let e = run_err(&sb, Wat { run_body: "(i32.div_s (i32.const 1) (i32.const 0))".into(), ..Wat::default() });
    assert!(matches!(&e, RewardError::Trap { trap, phase } if trap.contains("divide by zero") && *phase == RUN), "{e}");
    let e = run_err(&sb, Wat { run_body: "unreachable".into(), ..Wat::default() });
    assert!(matches!(&e, RewardError::Trap { trap, .. } if trap.contains("unreachable")), "{e}");
    assert_host_fine(&sb);
}

#[test]
fn out_of_bounds_output_pointer_is_an_abi_violation() {
    let sb = sandbox();
    let e = run_err(&sb, Wat { run_body: "(i32.const -16)".into(), ..Wat::default() });
    assert!(matches!(e, RewardError::AbiViolation { phase: RUN, .. }), "{e}");
    assert_host_fine(&sb);
}

#[test]
fn non_finite_total_names_the_transition() {
    let sb = sandbox();
    // Transition 3's total (address 4096 + 3*4) becomes NaN.
    let body = "(f32.store (i32.const 4108) (f32.div (f32.const 0) (f32.const 0))) (i32.const 4096)";
    let e = run_err(&sb, Wat { run_body: body.into(), ..Wat::default() });
    assert!(
        matches!(e, RewardError::NonFinite { value: Value::Total, transition: 3, number } if number.is_nan()),
        "{e}"
    );
    assert_host_fine(&sb);
}

#[test]
fn infinite_term_names_the_term() {
    let sb = sandbox();
    let wat = Wat {
        omit: vec!["rewardsmith_term_count", "rewardsmith_term_name"],
        // 16 transitions: totals at 4096..4160, terms (1 per row) at 4160..; row 5 is +inf.
        run_body: "(f32.store (i32.const 4180) (f32.const inf)) (i32.const 4096)".into(),
        extra: r#"(data (i32.const 64) "speed")
            (func (export "rewardsmith_term_count") (result i32) (i32.const 1))
            (func (export "rewardsmith_term_name") (param i32) (result i64) (i64.const 0x00000005_00000040))"#
            .into(),
        ..Wat::default()
    };
    let e = run_err(&sb, wat);
    assert_eq!(e, RewardError::NonFinite { value: Value::Term("speed".into()), number: f32::INFINITY, transition: 5 });
    assert_host_fine(&sb);
}

#[test]
fn thousands_of_terms() {
    let sb = sandbox();
    let wat = Wat {
        omit: vec!["rewardsmith_term_count"],
        extra: r#"(func (export "rewardsmith_term_count") (result i32) (i32.const 5000))"#.into(),
        ..Wat::default()
    };
    assert_eq!(run_err(&sb, wat), RewardError::TooManyTerms { count: 5000, limit: 32 });
    assert_host_fine(&sb);
}

#[test]
fn absurd_term_names() {
    let sb = sandbox();
    let name = |packed: &str| Wat {
        omit: vec!["rewardsmith_term_count", "rewardsmith_term_name"],
        extra: format!(
            r#"(data (i32.const 64) "a\00ab")
            (func (export "rewardsmith_term_count") (result i32) (i32.const 1))
            (func (export "rewardsmith_term_name") (param i32) (result i64) (i64.const {packed}))"#
        ),
        ..Wat::default()
    };
    // 100,000 bytes long.
    let e = run_err(&sb, name("0x000186a0_00000040"));
    assert!(matches!(&e, RewardError::TermName { index: 0, problem } if problem.contains("100000 bytes")), "{e}");
    // Empty.
    let e = run_err(&sb, name("0x00000000_00000040"));
    assert!(matches!(&e, RewardError::TermName { problem, .. } if problem.contains("empty")), "{e}");
    // Contains a NUL control character.
    let e = run_err(&sb, name("0x00000003_00000040"));
    assert!(matches!(&e, RewardError::TermName { problem, .. } if problem.contains("control")), "{e}");
    // Points outside memory.
    let e = run_err(&sb, name("0x00000008_7ffffff0"));
    assert!(matches!(e, RewardError::TermName { .. }), "{e}");
    assert_host_fine(&sb);
}

#[test]
fn a_failed_instance_refuses_further_batches() {
    let sb = sandbox();
    let mut inst = instantiate(&sb, &Wat { run_body: spin(), ..Wat::default() }.wasm(), "cartpole").unwrap();
    let data = vec![0.0; 11];
    let first = inst.run_batch(&data).unwrap_err();
    assert_eq!(inst.run_batch(&data).unwrap_err(), first);
    assert_host_fine(&sb);
}

#[test]
fn batches_that_are_not_whole_transitions() {
    let sb = sandbox();
    let mut inst = instantiate(&sb, &Wat::default().wasm(), "cartpole").unwrap();
    assert!(matches!(inst.run_batch(&[0.0; 12]), Err(RewardError::BadBatch { .. })));
    assert!(matches!(inst.run_batch(&[]), Err(RewardError::BadBatch { .. })));
    assert!(inst.run_batch(&[0.0; 22]).is_ok(), "a bad batch does not poison the instance");
}

#[test]
fn instance_pool_exhaustion_is_typed_and_recovers() {
    let sb = Sandbox::new(Limits { instance_pool: 2, ..small_limits() }).unwrap();
    let wasm = Wat::default().wasm();
    let a = instantiate(&sb, &wasm, "cartpole").unwrap();
    let b = instantiate(&sb, &wasm, "cartpole").unwrap();
    assert_eq!(instantiate(&sb, &wasm, "cartpole").unwrap_err(), RewardError::InstancePoolFull { slots: 2 });
    drop((a, b));
    assert_host_fine(&sb);
}
