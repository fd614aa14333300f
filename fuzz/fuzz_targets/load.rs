//! The module loader and ABI validation: `Sandbox::load` then `instantiate(.., "cartpole")`
//! on arbitrary bytes and on modules wasm-smith generates. Every outcome must be `Ok` or a
//! typed module error; a module that loads must not use a feature the sandbox disables;
//! the host must run a good reward afterwards. `FUZZ_DUMP=file` writes the module an input
//! makes (to look at a crash with `wasm-tools print`).
//!
//! Input shapes:
//! - starts with `\0asm`: the bytes are the module;
//! - text starting with `(` or `;;`: WebAssembly text, assembled as the compiler does for
//!   `.wat` rewards (the seeds are the test fixtures);
//! - otherwise the first byte picks wasm-smith with the reward ABI's exports
//!   (`Config::exports`: real names and signatures, random bodies; such modules get as far
//!   as the ABI version, env and layout checks, and run a batch when they pass) or with
//!   arbitrary exports, and the rest drives the generator.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use rewardsmith_fuzz::{abi_exports_module, assert_host_fine, assert_module_error, run_batch, sandbox};
use wasmparser::{Validator, WasmFeatures};

fuzz_target!(|data: &[u8]| {
    let wasm = if data.starts_with(b"\0asm") {
        data.to_vec()
    } else if let Some(text) = wat_text(data) {
        match wat::parse_str(text) {
            Ok(wasm) => wasm,
            Err(_) => return,
        }
    } else {
        match generate(data) {
            Ok(wasm) => wasm,
            Err(_) => return, // not enough input for wasm-smith
        }
    };
    if let Some(path) = std::env::var_os("FUZZ_DUMP") {
        std::fs::write(path, &wasm).expect("FUZZ_DUMP names a writable file");
    }
    let sandbox = sandbox();
    match sandbox.load(&wasm) {
        Err(e) => assert_module_error(&e),
        Ok(module) => {
            assert_no_disabled_feature(&wasm);
            match sandbox.instantiate(&module, "cartpole") {
                Err(e) => assert_module_error(&e),
                Ok(mut inst) => {
                    rewardsmith_fuzz::trace("instantiate", "ok");
                    run_batch(&mut inst, 1 + usize::from(data.len() % 3), 0.5, data.len() as u8);
                }
            }
        }
    }
    assert_host_fine(&sandbox);
});

fn wat_text(data: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(data).ok()?;
    let t = text.trim_start();
    (t.starts_with('(') || t.starts_with(";;")).then_some(text)
}

fn generate(data: &[u8]) -> arbitrary::Result<Vec<u8>> {
    let (&mode, rest) = data.split_first().ok_or(arbitrary::Error::NotEnoughData)?;
    let mut u = Unstructured::new(rest);
    let mut config = wasm_smith::Config::arbitrary(&mut u)?;
    if mode & 1 == 0 {
        config.exports = Some(abi_exports_module());
        // The required `memory` export is generated on top of `max_memories`.
        config.max_memories = 0;
    }
    // Mostly the features the engine has; one input in eight keeps what the generator
    // drew, so disabled proposals (threads, memory64, ...) reach the loader too.
    if mode & 0b1110 != 0 {
        config.threads_enabled = false;
        config.shared_everything_threads_enabled = false;
        config.memory64_enabled = false;
        config.max_memories = config.max_memories.min(1);
        config.relaxed_simd_enabled = false;
        config.gc_enabled = false;
        config.exceptions_enabled = false;
        config.custom_page_sizes_enabled = false;
        config.wide_arithmetic_enabled = false;
        // Reference types bring `externref`, which this wasmtime build (no GC) refuses.
        config.reference_types_enabled &= mode & 0x10 != 0;
        // Imports are refused (`forbidden_import`): keep them rare.
        config.max_imports = config.max_imports.min(usize::from(mode >> 7));
    }
    // Around the fuzz limits (1 MiB memory, 1,000 table elements), so both sides are hit.
    config.max_memory32_bytes = config.max_memory32_bytes.min(2 << 20);
    config.max_table_elements = config.max_table_elements.min(2_000);
    Ok(wasm_smith::Module::new(config, &mut u)?.to_bytes())
}

/// The sandbox disables threads, memory64, multi-memory, relaxed SIMD and GC: a module that
/// loads must validate without them. For GC that means its heap types (structs, arrays,
/// `anyref`, `i31`, ...: wasmparser's `GC_TYPES`); the type-section syntax the GC proposal
/// brought (`rec` groups, `sub` function types) and typed function references are part of
/// the WebAssembly 3.0 set wasmtime 48 enables and are harmless without a GC heap.
fn assert_no_disabled_feature(wasm: &[u8]) {
    let mut features = WasmFeatures::all();
    features.remove(
        WasmFeatures::THREADS
            | WasmFeatures::SHARED_EVERYTHING_THREADS
            | WasmFeatures::MEMORY64
            | WasmFeatures::MULTI_MEMORY
            | WasmFeatures::RELAXED_SIMD
            | WasmFeatures::GC_TYPES,
    );
    if let Err(e) = Validator::new_with_features(features).validate_all(wasm) {
        panic!("the sandbox loaded a module that uses a disabled feature: {e}");
    }
}
