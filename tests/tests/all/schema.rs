//! Bring your own env: a reward for a schema env compiles with the generated module, is
//! screened and sandboxed like any other, and computes exactly what its source says.

use std::path::PathBuf;

use rewardsmith::compiler::{CompileError, Source};
use rewardsmith::sandbox::RewardError;
use rewardsmith::schema::{self, Schema};
use rewardsmith_guest::math::norm_sq;
use rewardsmith_guest::shaping::tolerance;
use rewardsmith_tests::{compiler, instantiate, sandbox};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../python/examples/half_cheetah").join(name)
}

/// The half-cheetah example schema, registered.
fn half_cheetah() -> Schema {
    let schema = Schema::read(&example("schema.toml")).expect("the example schema is valid");
    schema::register(&schema).expect("registers");
    schema
}

#[test]
fn an_llm_answer_for_a_schema_env_computes_what_its_source_says() {
    let schema = half_cheetah();
    let source = Source::from_path(&example("reward.md")).unwrap().for_schema(&schema);
    let wasm = compiler().compile(&source).expect("compiles with the generated module").wasm;
    let mut instance = instantiate(&sandbox(), &wasm, "half_cheetah-v0").expect("instantiates");
    assert_eq!(instance.env().id, "half_cheetah-v0");

    // Two transitions, every float distinct, laid out as the schema says.
    let layout = schema::layout("half_cheetah").unwrap();
    let stride = layout.transition_len();
    assert_eq!(stride, 2 * (1 + 1 + 1 + 6 + 1 + 1 + 1 + 6) + 6);
    let data: Vec<f32> = (0..2 * stride).map(|i| ((i * 37 % 101) as f32 - 50.0) / 40.0).collect();
    let r = instance.run_batch(&data).expect("runs");
    assert_eq!(r.names, ["forward", "ctrl", "upright"]);
    for (i, tr) in data.chunks_exact(stride).enumerate() {
        let (state, action, next) = layout.split_transition(tr);
        // x_position is field 0, torso_angle field 2; the action is the 6 torques.
        let forward = (next[0] - state[0]) / 0.05;
        let ctrl = -0.1 * norm_sq(action);
        let upright = 0.05 * tolerance(next[2], -0.3, 0.3, 1.0);
        let row = &r.terms[3 * i..3 * i + 3];
        assert_eq!(row.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), [forward, ctrl, upright].map(f32::to_bits));
        assert_eq!(r.totals[i].to_bits(), (forward + ctrl + upright).to_bits());
    }
}

#[test]
fn a_schema_env_reward_is_screened_like_any_other() {
    let schema = half_cheetah();
    let hostile = "use rewardsmith_guest::prelude::*;\nuse crate::env::*;\nconst K: &str = include_str!(\"/etc/passwd\");\n\
                   fn reward(_s: &State, _a: &Action, n: &State, t: &mut Terms) -> f32 { t.add(\"x\", n.x_position) }\n\
                   export_reward!(reward);\n";
    let e = compiler().compile(&Source::rust(hostile).for_schema(&schema)).unwrap_err();
    assert!(matches!(&e, CompileError::Refused(r) if r.line == 3 && r.what.contains("include_str")), "{e}");
    // `unsafe` stays forbidden in the reward though the generated module implements an
    // unsafe trait.
    let unsafe_src = "use rewardsmith_guest::prelude::*;\nuse crate::env::*;\n\
                      fn reward(_s: &State, _a: &Action, n: &State, t: &mut Terms) -> f32 { let p = &n.x_position as *const f32; t.add(\"x\", unsafe { *p }) }\n\
                      export_reward!(reward);\n";
    let e = compiler().compile(&Source::rust(unsafe_src).for_schema(&schema)).unwrap_err();
    assert!(matches!(&e, CompileError::Refused(r) if r.what.contains("unsafe")), "{e}");
    // Past the screen, rustc's `-F unsafe_code` still refuses it.
    let unscreened = format!("{unsafe_src}\n{}", schema::codegen::module_source(&schema));
    let e = compiler().compile_unscreened_for_tests(&unscreened).unwrap_err();
    assert!(
        matches!(&e, CompileError::Rustc { rendered, .. } if rendered.contains("line 3") && rendered.contains("unsafe")),
        "{e}"
    );
}

#[test]
fn without_its_schema_the_reward_does_not_compile_and_a_built_in_reward_is_not_the_schema_env() {
    let schema = half_cheetah();
    let text = std::fs::read_to_string(example("reward.md")).unwrap();
    let e = compiler().compile(&Source::rust_or_answer(text).unwrap().0).unwrap_err();
    assert_eq!(e.kind(), "rustc", "{e}");
    assert!(e.to_string().contains("env"), "{e}");

    // A reacher reward compiled with the schema's module still declares reacher-v0.
    let reacher = std::fs::read_to_string(rewardsmith_tests::example("reacher")).unwrap();
    let wasm = compiler().compile(&Source::rust(reacher).for_schema(&schema)).unwrap().wasm;
    let e = instantiate(&sandbox(), &wasm, "half_cheetah-v0").unwrap_err();
    assert!(matches!(&e, RewardError::EnvMismatch { declared, .. } if declared == "reacher-v0"), "{e}");
    // And an unregistered env id is refused by name.
    let e = instantiate(&sandbox(), &wasm, "not_registered-v0").unwrap_err();
    assert_eq!(e.kind(), "no_such_env", "{e}");
}
