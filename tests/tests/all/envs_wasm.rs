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

/// A policy trained here and saved as `rewardsmith train` saves it (safetensors with
/// observation statistics) acts identically in wasm32: same actions, same states, every
/// step of a closed-loop episode, for a discrete and a continuous env.
#[test]
fn a_trained_policy_plays_the_same_episode_native_and_wasm32() {
    use rewardsmith::train::{Hooks, TrainConfig, train};
    use rewardsmith_policy::write_safetensors;
    let wasm = build_probe();
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).expect("probe compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let alloc = instance.get_typed_func::<i32, i32>(&mut store, "probe_alloc").unwrap();
    let probe = instance.get_typed_func::<(i32, i32, i32, i64, i32), i64>(&mut store, "probe_policy_episode").unwrap();
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    let sandbox = rewardsmith::sandbox::Sandbox::new(rewardsmith::sandbox::Limits::default()).unwrap();
    let pool = std::sync::Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    for env in ["cartpole", "pendulum"] {
        let reward = sandbox.load(&rewardsmith_tests::compile_file(&rewardsmith_tests::example(env))).unwrap();
        let mut cfg = TrainConfig::new(env);
        cfg.ppo.total_steps = 8192;
        let trained = train(&cfg, &sandbox, &reward, &pool, Hooks::default()).unwrap();
        assert!(trained.policy.obs_norm.is_some());
        let bytes = write_safetensors(&trained.policy.to_tensors()).unwrap();
        let index = rewardsmith_envs::registry().iter().position(|r| r.spec.id == cfg.env).unwrap();
        let ptr = alloc.call(&mut store, bytes.len() as i32).unwrap();
        memory.write(&mut store, ptr as usize, &bytes).unwrap();
        for seed in [3u64, 4] {
            let native = rewardsmith_envs_wasm::policy_episode_hash(&bytes, index, seed, 1000);
            assert_ne!(native, 0, "{env}: the native probe refused the policy file");
            let in_wasm =
                probe.call(&mut store, (ptr, bytes.len() as i32, index as i32, seed as i64, 1000)).unwrap() as u64;
            assert_eq!(in_wasm, native, "{env} seed {seed}: wasm32 and native episodes differ");
        }
    }
}
