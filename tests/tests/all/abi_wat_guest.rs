//! The ABI is language-neutral: a hand-written WAT reward runs like any other.

use rewardsmith::check::{CheckOptions, check};
use rewardsmith::compiler::{Source, SourceKind};
use rewardsmith_tests::*;

#[test]
fn wat_reward_computes_exactly_what_its_text_says() {
    // assert_host_fine compares every total and term with a Rust computation, bit for bit.
    assert_host_fine(&sandbox());
}

#[test]
fn wat_reward_reports_its_term_names() {
    let sb = sandbox();
    let wasm = compile_file(&fixture("cartpole_upright.wat"));
    let mut inst = instantiate(&sb, &wasm, "cartpole-v0").unwrap();
    assert!(inst.term_names().is_empty(), "names are known after the first batch");
    let data = rewardsmith::transitions::sample(inst.env(), 3, 0);
    let r = inst.run_batch(&data).unwrap();
    assert_eq!(r.names, ["upright", "centred"]);
    assert_eq!((r.totals.len(), r.terms.len()), (3, 6));
}

#[test]
fn wat_reward_passes_check() {
    let src = Source::from_path(&fixture("cartpole_upright.wat")).unwrap();
    let report = check(compiler(), &sandbox(), &src, "cartpole", CheckOptions::default()).unwrap();
    assert_eq!(report.source_kind, SourceKind::Wat);
    assert_eq!(report.env, "cartpole-v0");
    let names: Vec<&str> = report.terms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["upright", "centred"]);
    // upright is 1 at angle 0 and 0 at the 0.2095 rad limit; samples span ±0.21.
    let upright = &report.terms[0];
    assert!(upright.max <= 1.0 && upright.max > 0.99 && upright.min < 0.0, "{upright:?}");
    assert_eq!(report.total.non_finite, 0);
}

#[test]
fn batches_of_different_sizes_agree() {
    let sb = sandbox();
    let wasm = compile_file(&fixture("cartpole_upright.wat"));
    let env = rewardsmith_guest::envs::find("cartpole").unwrap();
    let data = rewardsmith::transitions::sample(env, 100, 9);
    let whole = instantiate(&sb, &wasm, "cartpole").unwrap().run_batch(&data).unwrap().totals.to_vec();
    let mut inst = instantiate(&sb, &wasm, "cartpole").unwrap();
    let mut pieces = Vec::new();
    for chunk in data.chunks(7 * env.transition_len()) {
        pieces.extend_from_slice(inst.run_batch(chunk).unwrap().totals);
    }
    assert_eq!(whole, pieces);
}
