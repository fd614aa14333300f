//! Batch calls against modules that return arbitrary pointers, lengths, term counts and
//! term tables (`rewardsmith_fuzz::batch_plan`): every batch must return `Ok` with a result
//! that keeps the ABI's promises, or a typed module error that sticks to the instance; the
//! host must run a good reward afterwards.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rewardsmith_fuzz::batch_plan::Plan;
use rewardsmith_fuzz::{assert_host_fine, assert_module_error, run_batch, sandbox};

fuzz_target!(|plan: Plan| {
    let text = plan.wat();
    let wasm = wat::parse_str(&text).unwrap_or_else(|e| panic!("the template must assemble: {e}\n{text}"));
    let sandbox = sandbox();
    match sandbox.load(&wasm) {
        Err(e) => assert_module_error(&e),
        Ok(module) => match sandbox.instantiate(&module, "cartpole") {
            Err(e) => assert_module_error(&e),
            Ok(mut inst) => {
                rewardsmith_fuzz::trace("instantiate", "ok");
                for b in plan.batches() {
                    run_batch(&mut inst, b.transitions(), f32::from_bits(b.fill), b.how);
                }
            }
        },
    }
    assert_host_fine(&sandbox);
});
