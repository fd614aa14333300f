//! Envs are deterministic across platforms: every registered env, compiled to wasm32 and
//! run in wasmtime, produces bit-identical observations and states to the native build
//! (the browser demo replays agents with the wasm build).

use std::path::PathBuf;
use std::process::Command;

use wasmtime::{Engine, Instance, Module, Store};

/// Builds the probe crate for wasm32 in its own target folder (the outer cargo holds the
/// main one) and returns the module bytes.
fn build_probe() -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = root.join("target/wasm-probe");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "rewardsmith-envs-wasm",
            "--target-dir",
        ])
        .arg(&target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "wasm32 build failed:\n{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read(target.join("wasm32-unknown-unknown/release/rewardsmith_envs_wasm.wasm")).expect("probe module")
}

#[test]
fn every_env_computes_the_same_bits_native_and_wasm32() {
    let wasm = build_probe();
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).expect("probe compiles");
    assert_eq!(module.imports().count(), 0, "the env build must need nothing from its host");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let count = instance.get_typed_func::<(), i32>(&mut store, "probe_env_count").unwrap();
    let probe = instance.get_typed_func::<(i32, i64, i32), i64>(&mut store, "probe").unwrap();
    let n = count.call(&mut store, ()).unwrap() as usize;
    assert_eq!(n, rewardsmith_envs::registry().len());
    for index in 0..n {
        let id = rewardsmith_envs::registry()[index].spec.id;
        for seed in [1u64, 2] {
            let native = rewardsmith_envs_wasm::trace_hash(index, seed, 400);
            let in_wasm = probe.call(&mut store, (index as i32, seed as i64, 400)).unwrap() as u64;
            assert_eq!(in_wasm, native, "{id} seed {seed}: wasm32 and native differ");
        }
    }
}

#[test]
fn a_policy_net_computes_the_same_bits_native_and_wasm32() {
    let wasm = build_probe();
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).expect("probe compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let probe = instance.get_typed_func::<(i64, i32), i64>(&mut store, "probe_policy").unwrap();
    for seed in [1u64, 7] {
        let native = rewardsmith_envs_wasm::policy_hash(seed, 2000);
        assert_eq!(probe.call(&mut store, (seed as i64, 2000)).unwrap() as u64, native, "seed {seed}");
    }
}
