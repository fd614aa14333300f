//! Exported browser demos in a real browser (Debian's chromium, headless, driven by
//! `web/tests/demo.mjs`): a demo folder from `export-demo` loads from a plain static server
//! with no console errors under WebGL2 and under WebGPU (each forced), draws the agent, and
//! after N steps its episode return, observation and body poses equal the native rollout's,
//! bit for bit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rewardsmith::demo::{DemoError, ExportOptions, export};
use rewardsmith::sandbox::{Limits, Sandbox};
use rewardsmith::train::{ActMode, Checkpoint, Hooks, Manifest, Replay, RunDir, TrainConfig, rollout, train};
use rewardsmith_tests::browser::{StaticServer, drive, runtime};
use rewardsmith_tests::{compile_file, example};
use serde_json::Value;

/// Trains `env`'s baseline reward for `steps` steps into `dir` (a real run folder, as
/// `rewardsmith train` writes it). The policy need not be good: the browser must replay
/// whatever it does.
fn trained_run(env: &str, steps: u64, dir: &Path) -> PathBuf {
    let source = std::fs::read(example(env)).unwrap();
    let wasm = compile_file(&example(env));
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let module = sandbox.load(&wasm).unwrap();
    let mut cfg = TrainConfig::new(env);
    cfg.ppo.total_steps = steps;
    let path = dir.join(format!("{env}-run"));
    let mut run =
        RunDir::create(&path, Manifest::new(&cfg, "reward.rs", &source, &module.hash_hex()), &source, &wasm).unwrap();
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap());
    let trained = train(&cfg, &sandbox, &module, &pool, Hooks::default()).unwrap();
    run.finish(&trained).unwrap();
    path
}

fn native_rollout(run: &Path, seed: u64) -> Replay {
    let dir = RunDir::open(run).unwrap();
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let module = sandbox.load(&dir.reward_wasm().unwrap()).unwrap();
    // The best checkpoint: what export-demo ships by default.
    let (policy, which) = dir.load_checkpoint(Checkpoint::Best).unwrap();
    assert_eq!(which, Checkpoint::Best, "training keeps a best checkpoint by default");
    rollout(&policy, &dir.manifest().env, &sandbox, &module, seed, ActMode::Deterministic).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().expect("an array").iter().map(|x| x.as_f64().expect("a number") as f32).collect()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Exports `env`'s run, plays `steps` steps in the browser with `backend` forced, and checks
/// the page against the native rollout from the same seed.
fn demo_matches_native(env: &str, train_steps: u64, seed: u64, steps: usize, backend: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let run = trained_run(env, train_steps, tmp.path());
    let out = tmp.path().join("demo");
    let opts =
        ExportOptions { runtime: runtime().to_owned(), seed, title: None, force: false, checkpoint: Checkpoint::Best };
    let report = export(&run, &out, &opts).unwrap();
    assert!(report.total_gzip_bytes > 0 && report.total_gzip_bytes < report.total_bytes);
    // Issue 17: within 1.5 MB gzip by default (web profile opt-level "z", no name section).
    assert!(report.total_gzip_bytes < 1_500_000, "{} bytes gzip", report.total_gzip_bytes);
    assert_eq!(report.config.run.checkpoint, Checkpoint::Best);
    let best = report.config.run.best.as_ref().expect("the best checkpoint's record");
    assert_eq!(
        std::fs::read(out.join("policy.safetensors")).unwrap(),
        std::fs::read(run.join("policy-best.safetensors")).unwrap(),
        "the demo ships the best checkpoint (iteration {})",
        best.iteration
    );
    let native = native_rollout(&run, seed);
    let n = steps.min(native.frames.len());

    let server = StaticServer::start(&out);
    let seen = drive("demo.mjs", &[&server.url("index.html"), backend, &n.to_string()], Duration::from_secs(180));

    assert_eq!(seen["errors"], Value::Array(vec![]), "console errors: {seen}");
    assert_eq!(seen["error"], Value::Null, "page error: {seen}");
    assert_eq!(seen["loaded"], "paused", "{seen}");
    assert_eq!(seen["backend"], backend, "the forced backend was not used: {seen}");
    assert_eq!(seen["stepCount"].as_u64(), Some(n as u64), "{seen}");

    let native_return: f64 = native.frames[..n].iter().map(|f| f64::from(f.reward)).sum();
    assert_eq!(seen["episodeReturn"].as_f64(), Some(native_return), "episode return after {n} steps differs");
    // Frame n's observation is the one after n steps; after the last frame the episode is over.
    if n < native.frames.len() {
        assert_eq!(bits(&floats(&seen["obs"])), bits(&native.frames[n].obs), "observation after {n} steps differs");
    } else {
        assert_eq!(seen["fitness"].as_f64().map(|f| f as f32), Some(native.fitness as f32), "final fitness differs");
    }

    // And every body's pose (the physics state), bit for bit.
    let poses = seen["poses"].as_array().expect("bodyPoses hook");
    let native_bodies = &native.frames[n - 1].snapshot.bodies;
    assert_eq!(poses.len(), native_bodies.len(), "{seen}");
    for (page, body) in poses.iter().zip(native_bodies) {
        assert_eq!(page["name"], body.name);
        assert_eq!(bits(&floats(&page["position"])), bits(&body.position), "{} position after {n} steps", body.name);
        assert_eq!(bits(&floats(&page["rotation"])), bits(&body.rotation), "{} rotation after {n} steps", body.name);
    }

    let px = &seen["pixels"];
    assert!(px["differFraction"].as_f64().unwrap() > 0.02, "the canvas is (almost) blank: {px}");
    let at = px["atBodies"].as_array().expect("bodiesOnScreen hook");
    assert!(!at.is_empty(), "no body projected on screen: {px}");
    let sky = floats(&px["sky"]);
    let drawn = at
        .iter()
        .filter(|b| floats(&b["rgb"]).iter().zip(&sky).map(|(a, b)| (a - b).abs()).sum::<f32>() > 24.0)
        .count();
    assert!(drawn * 2 > at.len(), "most bodies' centres show the sky, not the body: {px}");
}

#[test]
fn cartpole_demo_under_webgl2_matches_the_native_rollout() {
    demo_matches_native("cartpole", 20_480, 3, 120, "webgl");
}

#[test]
fn cartpole_demo_under_webgpu_matches_the_native_rollout() {
    demo_matches_native("cartpole", 20_480, 3, 120, "webgpu");
}

#[test]
fn continuous_multi_body_demo_matches_the_native_rollout() {
    // Ant: 9 bodies, 8 motors, continuous actions, substeps: the hardest env to keep bit-equal.
    demo_matches_native("ant", 8_192, 1, 150, "webgl");
}

#[test]
fn export_refuses_a_missing_runtime_and_a_non_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let run = trained_run("cartpole", 2_048, tmp.path());
    let missing = ExportOptions {
        runtime: tmp.path().join("nope"),
        seed: 0,
        title: None,
        force: false,
        checkpoint: Checkpoint::Last,
    };
    let err = export(&run, &tmp.path().join("d1"), &missing).unwrap_err();
    assert!(matches!(err, DemoError::RuntimeMissing { .. }), "{err}");
    assert!(err.to_string().contains("web/build.sh"), "{err}");
    assert!(!tmp.path().join("d1").exists(), "nothing is written when the runtime is missing");

    let opts = ExportOptions {
        runtime: runtime().to_owned(),
        seed: 0,
        title: None,
        force: false,
        checkpoint: Checkpoint::Last,
    };
    let out = tmp.path().join("d2");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let err = export(&run, &out, &opts).unwrap_err();
    assert!(matches!(err, DemoError::OutExists { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(out.join("keep.txt")).unwrap(), "mine", "the folder is untouched");

    let report = export(&run, &out, &ExportOptions { force: true, ..opts }).unwrap();
    assert!(!out.join("keep.txt").exists());
    let config: Value = serde_json::from_slice(&std::fs::read(out.join("demo.json")).unwrap()).unwrap();
    assert_eq!(config["env"], "cartpole-v0");
    for f in &report.files {
        assert_eq!(std::fs::metadata(out.join(&f.name)).unwrap().len(), f.bytes, "{}", f.name);
        // Precompressed copies hold the same bytes, and are there where gzip pays.
        if let Some(gz) = &f.gzip_file {
            let mut plain = Vec::new();
            let packed = std::fs::read(out.join(gz)).unwrap();
            assert_eq!(packed.len() as u64, f.gzip_bytes, "{gz}");
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&packed[..]), &mut plain).unwrap();
            assert_eq!(plain, std::fs::read(out.join(&f.name)).unwrap(), "{gz}");
        }
    }
    let gz = |name: &str| report.files.iter().find(|f| f.name == name).and_then(|f| f.gzip_file.clone());
    assert_eq!(gz("rewardsmith_web_bg.wasm").as_deref(), Some("rewardsmith_web_bg.wasm.gz"));
    assert_eq!(gz("rewardsmith_web.js").as_deref(), Some("rewardsmith_web.js.gz"));
}
