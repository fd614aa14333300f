//! Same module, same inputs → bit-identical outputs, across instances and sandboxes.

use rewardsmith::sandbox::Sandbox;

#[path = "../../../guest-sdk/examples/cartpole.rs"]
mod cartpole_example;
use rewardsmith_tests::*;

#[test]
fn every_example_is_bit_identical_across_instances_and_sandboxes() {
    let (a, b) = (sandbox(), Sandbox::new(small_limits()).unwrap());
    for env in ENVS {
        let wasm = compile_file(&example(env));
        let layout = rewardsmith_guest::envs::find(env).unwrap();
        let data = rewardsmith::transitions::sample(layout, 1000, 11);
        let mut outs = Vec::new();
        for sb in [&a, &a, &b] {
            let mut inst = instantiate(sb, &wasm, env).unwrap();
            // Run twice in one instance too: state kept across batches must not leak in.
            inst.run_batch(&data).unwrap();
            let r = inst.run_batch(&data).unwrap();
            let bits: Vec<u32> = r.totals.iter().chain(r.terms).map(|v| v.to_bits()).collect();
            outs.push(bits);
        }
        assert_eq!(outs[0], outs[1], "{env}: two instances differ");
        assert_eq!(outs[0], outs[2], "{env}: two sandboxes differ");
    }
}

#[test]
fn sandboxed_rewards_match_the_same_rust_run_natively() {
    // The cartpole example compiled natively (SDK batch loop, libm math) and in wasm agree.
    let layout = rewardsmith_guest::envs::find("cartpole").unwrap();
    let data = rewardsmith::transitions::sample(layout, 500, 12);
    let mut terms = rewardsmith_guest::Terms::new();
    cartpole_example::native_batch(&data, 500, &mut terms);
    let native = terms.output().to_vec();
    let mut inst = instantiate(&sandbox(), &compile_file(&example("cartpole")), "cartpole").unwrap();
    let r = inst.run_batch(&data).unwrap();
    let wasm: Vec<f32> = r.totals.iter().chain(r.terms).copied().collect();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&native), bits(&wasm));
}
