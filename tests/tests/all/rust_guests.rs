//! Rust reward programs through the real compiler and sandbox: the classes of failure a
//! person or an LLM actually writes, each with its typed error and a useful message.

use rewardsmith::check::{CheckError, CheckOptions, States, check};
use rewardsmith::compiler::Source;
use rewardsmith::sandbox::{Budget, Limits, Phase, RewardError, Sandbox, Value};
use rewardsmith_tests::*;

const RUN: Phase = Phase::Call("rewardsmith_run");

fn cartpole(body: &str) -> String {
    format!(
        "use rewardsmith_guest::prelude::*;\nuse rewardsmith_guest::envs::cartpole::*;\n\n\
         fn reward(s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {{\n{body}\n}}\n\nexport_reward!(reward);\n"
    )
}

fn run_rust(body: &str) -> Result<(Vec<f32>, Vec<f32>), RewardError> {
    let wasm = compile_rust(&cartpole(body)).expect("compiles");
    run(&sandbox(), &wasm, "cartpole", 64)
}

/// Under the default (training) limits, on `n` transitions.
fn run_rust_default_limits(body: &str, n: usize) -> Result<(Vec<f32>, Vec<f32>), RewardError> {
    let wasm = compile_rust(&cartpole(body)).expect("compiles");
    run(&Sandbox::new(Limits::default()).unwrap(), &wasm, "cartpole", n)
}

#[test]
fn panic_message_reaches_the_host_with_its_line() {
    let e = run_rust("    let _ = (s, a, t);\n    if next.cart_pos > -10.0 { panic!(\"cart left the rail at {}\", next.cart_pos); }\n    0.0").unwrap_err();
    let RewardError::Panicked { message, phase } = &e else { panic!("expected a panic, got {e}") };
    assert_eq!(*phase, RUN);
    // Line 6 of the submitted file: 2 use lines, a blank, the fn line, then the body.
    assert!(message.starts_with("reward.rs:6:"), "{message}");
    assert!(message.contains("cart left the rail at"), "{message}");
}

#[test]
fn index_out_of_bounds_panics_with_the_index() {
    let e = run_rust(
        "    let v = [s.cart_pos, a.force];\n    let i = (next.time * 1000.0) as usize + 5;\n    t.add(\"x\", v[i])",
    )
    .unwrap_err();
    assert!(matches!(&e, RewardError::Panicked { message, .. } if message.contains("index out of bounds")), "{e}");
}

#[test]
fn nan_total() {
    let e = run_rust("    let _ = (s, a, t);\n    (next.cart_pos - next.cart_pos) / 0.0").unwrap_err();
    assert!(
        matches!(e, RewardError::NonFinite { value: Value::Total, transition: 0, number } if number.is_nan()),
        "{e}"
    );
}

#[test]
fn infinite_term() {
    let e = run_rust("    let _ = (s, a);\n    t.add(\"ok\", 1.0);\n    t.add(\"log_speed\", (next.cart_vel * 0.0).ln().abs());\n    1.0").unwrap_err();
    assert!(
        matches!(&e, RewardError::NonFinite { value: Value::Term(name), number, .. } if name == "log_speed" && number.is_infinite()),
        "{e}"
    );
}

#[test]
fn thousands_of_terms() {
    // The SDK stops recording after 64 names and reports "more than 64".
    let e = run_rust_default_limits(
        "    let _ = (s, a, next);\n    for i in 0..5000 { t.add(format!(\"t{i}\"), 0.0); }\n    0.0",
        1,
    )
    .unwrap_err();
    assert_eq!(e, RewardError::TooManyTerms { count: 65, limit: 32 });
    assert!(e.to_string().contains("at least 65"), "{e}");
    // Just over the host's limit: the exact count.
    let e = run_rust_default_limits(
        "    let _ = (s, a, next);\n    for i in 0..33 { t.add(format!(\"t{i}\"), 0.0); }\n    0.0",
        16,
    )
    .unwrap_err();
    assert_eq!(e, RewardError::TooManyTerms { count: 33, limit: 32 });
}

#[test]
fn absurd_term_name() {
    let e = run_rust_default_limits("    let _ = (s, a, next);\n    t.add(\"x\".repeat(10_000), 1.0)", 16).unwrap_err();
    assert!(matches!(&e, RewardError::TermName { index: 0, problem } if problem.contains("10000 bytes")), "{e}");
}

#[test]
fn infinite_loop() {
    let e = run_rust("    let _ = (s, a, t);\n    let mut x = next.cart_pos;\n    while x.is_finite() { x = core::hint::black_box(x + 1.0) - 1.0; }\n    x").unwrap_err();
    assert!(matches!(e, RewardError::Timeout { budget: Budget::Fuel(_), phase: RUN, transitions: 64 }), "{e}");
}

#[test]
fn unbounded_recursion() {
    let src = cartpole("    let _ = (s, a, t);\n    depth(next.cart_pos)")
        + "\nfn depth(x: f32) -> f32 { core::hint::black_box(1.0) + depth(core::hint::black_box(x) + 1.0) }\n";
    let wasm = compile_rust(&src).expect("compiles");
    let e = run(&sandbox(), &wasm, "cartpole", 4).unwrap_err();
    assert!(matches!(e, RewardError::StackOverflow { phase: RUN, .. }), "{e}");
}

#[test]
fn memory_bomb() {
    let e = run_rust("    let _ = (s, a, next, t);\n    let mut v: Vec<Vec<u8>> = Vec::new();\n    loop { v.push(Vec::with_capacity(4 << 20)); core::hint::black_box(&v); }").unwrap_err();
    assert!(matches!(e, RewardError::MemoryLimit { phase: RUN, .. }), "{e}");
}

#[test]
fn a_term_that_appears_mid_batch_is_zero_before_it() {
    // `late` is only added once cart_pos > 0: rows before its first appearance get 0.
    let body = "    let _ = (s, a);\n    let base = t.add(\"base\", 1.0);\n    if next.cart_pos > 0.0 { t.add(\"late\", next.cart_pos); }\n    base";
    let wasm = compile_rust(&cartpole(body)).unwrap();
    let mut inst = instantiate(&sandbox(), &wasm, "cartpole").unwrap();
    let layout = inst.env();
    let data = rewardsmith::transitions::sample(layout, 200, 5);
    let r = inst.run_batch(&data).unwrap();
    assert_eq!(r.names, ["base", "late"]);
    for (i, tr) in data.chunks(layout.transition_len()).enumerate() {
        let next = layout.split_transition(tr).2;
        let pos = <rewardsmith_guest::envs::cartpole::State as rewardsmith_guest::Layout>::from_slice(next).cart_pos;
        assert_eq!(r.terms[2 * i], 1.0);
        assert_eq!(r.terms[2 * i + 1], if pos > 0.0 { pos } else { 0.0 }, "row {i}");
    }
}

#[test]
fn reward_for_another_env_is_refused_at_instantiation() {
    let wasm = compile_file(&example("pendulum"));
    let e = instantiate(&sandbox(), &wasm, "cartpole").unwrap_err();
    assert!(matches!(e, RewardError::EnvMismatch { .. }), "{e}");
}

#[test]
fn check_reports_non_finite_counts_and_the_offending_state() {
    let src = Source::rust(cartpole("    let _ = (s, a);\n    t.add(\"inv\", 1.0 / next.cart_pos.max(0.0))"));
    let opts = CheckOptions { transitions: 1000, batch: 100, seed: 2, states: States::Random, keep_values: false };
    let e = check(compiler(), &sandbox(), &src, "cartpole", opts).unwrap_err();
    let CheckError::Reward {
        error: RewardError::NonFinite { value: Value::Term(name), .. },
        state: Some(state),
        partial: Some(stats),
    } = &e
    else {
        panic!("expected a non-finite term, got {e:?}")
    };
    assert_eq!(name, "inv");
    assert!(state.starts_with("cart_pos=-") || state.starts_with("cart_pos=0"), "{state}");
    // About half the samples have cart_pos ≤ 0 and give +inf in both the term and total.
    let inv = stats.iter().find(|s| s.name == "inv").unwrap();
    assert!(inv.non_finite > 400 && inv.non_finite < 600, "{inv:?}");
    assert_eq!(stats[0].non_finite, inv.non_finite);
}

/// Issue 14: the system prompt asks for `no_std` Rust, and `export_reward!` used to expand
/// to `::std::…` (five E0433 errors with no line). A `#![no_std]` reward, `extern crate
/// alloc` and `core` paths included, compiles, runs, and keeps its panic message.
#[test]
fn a_no_std_reward_compiles_runs_and_keeps_its_panic_message() {
    let src = "#![no_std]\nextern crate alloc;\nuse alloc::vec::Vec;\nuse core::f32::consts::PI;\n\
               use rewardsmith_guest::prelude::*;\nuse rewardsmith_guest::envs::cartpole::*;\n\n\
               fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {\n\
               \x20   let xs: Vec<f32> = [next.pole_angle, PI].into_iter().collect();\n\
               \x20   if next.cart_pos > 100.0 { panic!(\"off the rail at {}\", next.cart_pos); }\n\
               \x20   t.add(\"upright\", 1.0 - abs(xs[0]) / xs[1])\n}\n\nexport_reward!(reward);\n";
    let wasm = compile_rust(src).expect("a no_std reward compiles");
    let (totals, _) = run(&sandbox(), &wasm, "cartpole", 64).expect("and runs");
    assert!(totals.iter().all(|t| t.is_finite() && *t <= 1.0), "{totals:?}");
    let panicking = src.replace("next.cart_pos > 100.0", "next.cart_pos > -100.0");
    let wasm = compile_rust(&panicking).expect("compiles");
    let e = run(&sandbox(), &wasm, "cartpole", 4).unwrap_err();
    assert!(
        matches!(&e, RewardError::Panicked { message, .. } if message.starts_with("reward.rs:10:") && message.contains("off the rail")),
        "{e}"
    );
}

/// Issue 14, item 2: diagnostics keep what fixes the error — rustc's notes (the fields that
/// exist), the SDK's helpers for a missing one, and for a wrong `reward` signature (an
/// error inside `export_reward!`) the line of the macro call and the signature to write.
#[test]
fn diagnostics_say_what_fixes_the_error() {
    let src = "use rewardsmith_guest::prelude::*;\nuse rewardsmith_guest::envs::cartpole::*;\n\n\
               fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f64 {\n\
               \x20   let x = sigmoid(next.pole_angle_velocity);\n\
               \x20   t.add(\"x\", x) as f64\n}\n\nexport_reward!(reward);\n";
    let e = rewardsmith_tests::uncached_compiler(std::time::Duration::from_secs(60))
        .compile(&Source::rust(src))
        .unwrap_err();
    let rewardsmith::compiler::CompileError::Rustc { diagnostics, rendered } = &e else { panic!("{e}") };
    let find = |code: &str| {
        diagnostics.iter().find(|d| d.code.as_deref() == Some(code)).unwrap_or_else(|| panic!("{code} in {rendered}"))
    };
    let field = find("E0609");
    assert_eq!(field.line, 5);
    assert!(
        field.notes.iter().any(|n| n.starts_with("note: available fields are") && n.contains("`pole_ang_vel`")),
        "{rendered}"
    );
    let helper = find("E0425");
    assert!(helper.notes.iter().any(|n| n.starts_with("hint: did you mean `log_sigmoid`?")), "{rendered}");
    let signature = diagnostics
        .iter()
        .find(|d| d.line == 9)
        .unwrap_or_else(|| panic!("no error on the export_reward! line: {rendered}"));
    assert!(
        signature
            .notes
            .iter()
            .any(|n| n.contains("fn reward(s: &State, a: &Action, next: &State, t: &mut Terms) -> f32")),
        "{rendered}"
    );
    assert!(diagnostics.iter().all(|d| d.line > 0), "every error has a line: {rendered}");
}

/// Issue 14, item 3: the lexical screen refused every identifier spelled `env`; the
/// allow-list refuses the `env!` macro, not the name.
#[test]
fn a_variable_named_env_is_fine_and_env_macro_is_not() {
    let (totals, _) = run_rust("    let env = next;\n    let _ = (s, a);\n    t.add(\"x\", env.cart_pos * 0.0 + 1.0)")
        .expect("compiles and runs");
    assert!(totals.iter().all(|&t| t == 1.0), "{totals:?}");
    let e = compile_rust(&cartpole("    let _ = (s, a, next);\n    t.add(\"x\", env!(\"HOME\").len() as f32)"))
        .unwrap_err();
    assert!(matches!(&e, rewardsmith::compiler::CompileError::Refused(r) if r.what == "macro `env!`"), "{e}");
}
