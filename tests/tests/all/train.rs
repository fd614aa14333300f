//! Training: the learning bar for the fast envs (cartpole, pendulum) on 3 seeds with their
//! default budgets, determinism, clean stops, shared thread pools, and rewards that fail
//! mid-training.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rewardsmith::sandbox::{Limits, RewardModule, Sandbox};
use rewardsmith::train::{ActMode, Hooks, StopReason, TrainConfig, TrainError, Trained, evaluate, metrics, train};
use rewardsmith_tests::{compile_file, compile_rust, example};

fn pool(threads: usize) -> Arc<rayon::ThreadPool> {
    Arc::new(rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap())
}

fn load(wasm: &[u8]) -> (Sandbox, Arc<RewardModule>) {
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let module = sandbox.load(wasm).unwrap();
    (sandbox, module)
}

fn run(cfg: &TrainConfig, wasm: &[u8], threads: usize) -> Result<Trained, TrainError> {
    let (sandbox, module) = load(wasm);
    train(cfg, &sandbox, &module, &pool(threads), Hooks::default())
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// One iteration's values as bits, by name.
type Bits = Vec<(String, Option<u64>)>;

/// Records without the timing-dependent values (wall clock, perf/*).
fn learned_values(t: &Trained) -> Vec<(u64, Bits)> {
    t.records
        .iter()
        .map(|r| {
            let v = r
                .values
                .iter()
                .filter(|(k, _)| !k.starts_with("perf/"))
                .map(|(k, v)| (k.clone(), v.map(f64::to_bits)))
                .collect();
            (r.global_step, v)
        })
        .collect()
}

/// The learning bar: the baseline reward with the env's default budget reaches the env's
/// solved fitness on every seed, both in the late training window and in a deterministic
/// evaluation on unseen episode seeds.
fn assert_solves(env: &str) {
    let wasm = compile_file(&example(env.split('-').next().unwrap()));
    let (sandbox, module) = load(&wasm);
    for seed in 0..3 {
        let cfg = TrainConfig { seed, ..TrainConfig::new(env) };
        let t = train(&cfg, &sandbox, &module, &pool(2), Hooks::default()).unwrap();
        let r = &t.result;
        let late = r.late_fitness.expect("episodes ended").mean;
        let eval = evaluate(&t.policy, env, &sandbox, &module, 10, 1_000_000, ActMode::Deterministic).unwrap();
        assert!(
            late >= r.solved_fitness && eval.fitness.mean >= r.solved_fitness,
            "{env} seed {seed}: late-window fitness {late:.3}, evaluation {:.3} ± {:.3}; solved is {} \
             (solved_at_step {:?}, {} steps)",
            eval.fitness.mean,
            eval.fitness.std,
            r.solved_fitness,
            r.solved_at_step,
            r.steps
        );
        assert_eq!(r.stop, StopReason::Completed);
        assert!(r.reward_share < 0.5, "reward share {}", r.reward_share);
    }
}

#[test]
fn cartpole_baseline_solves_on_three_seeds() {
    assert_solves("cartpole-v0");
}

#[test]
fn pendulum_baseline_solves_on_three_seeds() {
    assert_solves("pendulum-v0");
}

fn short(env: &str, steps: u64) -> TrainConfig {
    let mut cfg = TrainConfig::new(env);
    cfg.ppo.total_steps = steps;
    cfg
}

#[test]
fn same_seed_gives_the_same_bits_whatever_the_thread_count() {
    for (env, steps) in [("cartpole-v0", 2048), ("pendulum-v0", 4096)] {
        let wasm = compile_file(&example(env.split('-').next().unwrap()));
        let cfg = short(env, steps);
        let a = run(&cfg, &wasm, 1).unwrap();
        let b = run(&cfg, &wasm, 2).unwrap();
        let c = run(&cfg, &wasm, 2).unwrap();
        for other in [&b, &c] {
            assert_eq!(bits(a.policy.actor.params()), bits(other.policy.actor.params()), "{env}: actor");
            assert_eq!(bits(a.critic.params()), bits(other.critic.params()), "{env}: critic");
            assert_eq!(bits(&a.policy.log_std), bits(&other.policy.log_std), "{env}: log_std");
            assert_eq!(a.policy.obs_norm, other.policy.obs_norm, "{env}: observation statistics");
            assert_eq!(learned_values(&a), learned_values(other), "{env}: metrics");
        }
        let d = run(&TrainConfig { seed: 1, ..cfg.clone() }, &wasm, 2).unwrap();
        assert_ne!(bits(a.policy.actor.params()), bits(d.policy.actor.params()), "{env}: another seed");
        // Where the time went: five disjoint parts of the wall clock (acting no longer
        // includes the per-step bookkeeping), so each is present and they sum to at most 1.
        for r in &a.records {
            let parts = ["reward", "env", "act", "bookkeeping", "update"]
                .map(|k| r.get(&format!("perf/{k}_share")).unwrap_or_else(|| panic!("{env}: perf/{k}_share missing")));
            assert!(parts.iter().all(|&p| p >= 0.0) && parts.iter().sum::<f64>() <= 1.0 + 1e-9, "{env}: {parts:?}");
        }
        // Terms are reported for every iteration under their own names.
        assert!(a.records.iter().all(|r| r.get("terms/upright").is_some()), "{env}: terms/upright missing");
        assert_eq!(a.result.terms.len(), a.term_names.len());
        assert!(a.result.terms.iter().all(|c| c.values.len() == a.result.checkpoint_steps.len()));
    }
}

#[test]
fn trainings_sharing_one_pool_run_concurrently_and_match_solo_runs() {
    let wasm = compile_file(&example("cartpole"));
    let (sandbox, module) = load(&wasm);
    let shared = pool(2);
    let cfgs: Vec<TrainConfig> = (0..3).map(|seed| TrainConfig { seed, ..short("cartpole-v0", 4096) }).collect();
    let results: Vec<Trained> = std::thread::scope(|s| {
        let handles: Vec<_> = cfgs
            .iter()
            .map(|cfg| {
                let (sandbox, module, shared) = (&sandbox, &module, &shared);
                s.spawn(move || train(cfg, sandbox, module, shared, Hooks::default()).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (cfg, shared_run) in cfgs.iter().zip(&results) {
        let solo = run(cfg, &wasm, 1).unwrap();
        assert_eq!(bits(solo.policy.actor.params()), bits(shared_run.policy.actor.params()), "seed {}", cfg.seed);
    }
}

#[test]
fn cancel_and_time_limit_stop_cleanly_with_what_was_learned() {
    let wasm = compile_file(&example("cartpole"));
    let (sandbox, module) = load(&wasm);
    let cancel = AtomicBool::new(false);
    let seen = Mutex::new(0u32);
    let mut on_iteration = |_: &metrics::Record| {
        let mut n = seen.lock().unwrap();
        *n += 1;
        if *n == 3 {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let cfg = short("cartpole-v0", 100_000);
    let hooks = Hooks { on_iteration: Some(&mut on_iteration), cancel: Some(&cancel) };
    let t = train(&cfg, &sandbox, &module, &pool(2), hooks).unwrap();
    assert_eq!(t.result.stop, StopReason::Cancelled);
    assert_eq!(t.records.len(), 3);
    assert_eq!(t.result.steps, 3 * cfg.ppo.batch_size() as u64);

    let cfg = TrainConfig { time_limit: Some(Duration::from_millis(300)), ..short("cartpole-v0", 10_000_000) };
    let t = train(&cfg, &sandbox, &module, &pool(2), Hooks::default()).unwrap();
    assert_eq!(t.result.stop, StopReason::TimeLimit);
    assert!(t.result.steps < 10_000_000 && !t.records.is_empty());
    assert!(t.result.wall_s < 30.0, "stopped after {} s", t.result.wall_s);
}

const PANICS_WHEN_TILTED: &str = r#"
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    if abs(next.pole_angle) > 0.15 {
        panic!("pole tilted past 0.15 rad");
    }
    t.add("alive", 1.0)
}

export_reward!(reward);
"#;

const INFINITE_OFF_CENTRE: &str = r#"
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    let centred = t.add("centred", 1.0 / (0.3 - abs(next.cart_pos)).max(0.0));
    centred
}

export_reward!(reward);
"#;

#[test]
fn a_reward_that_fails_mid_training_stops_the_run_with_the_offending_state() {
    let cfg = short("cartpole-v0", 50_000);
    let err = run(&cfg, &compile_rust(PANICS_WHEN_TILTED).unwrap(), 2).unwrap_err();
    assert_eq!(err.kind(), "panicked", "{err}");
    let TrainError::Reward { step, state: Some(state), .. } = &err else { panic!("no state in {err:?}") };
    assert!(*step > 0, "failed before any step");
    let angle: f32 = state.split("pole_angle=").nth(1).and_then(|s| s.split(',').next()).unwrap().parse().unwrap();
    assert!(angle.abs() > 0.15, "the reported state is not the one that panics: {state}");
    assert!(err.to_string().contains("pole tilted past 0.15 rad"), "{err}");

    let err = run(&cfg, &compile_rust(INFINITE_OFF_CENTRE).unwrap(), 2).unwrap_err();
    assert_eq!(err.kind(), "non_finite", "{err}");
    let TrainError::Reward { state: Some(state), .. } = &err else { panic!("no state in {err:?}") };
    let pos: f32 = state.split("cart_pos=").nth(1).and_then(|s| s.split(',').next()).unwrap().parse().unwrap();
    assert!(pos.abs() >= 0.3, "the reported state is not the one that fails: {state}");
}

/// Finite but huge rewards: returns overflow f32, so the PPO update cannot go on.
const HUGE: &str = r#"
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, _next: &State, t: &mut Terms) -> f32 {
    t.add("huge", 3.0e38)
}

export_reward!(reward);
"#;

#[test]
fn a_diverged_update_says_at_which_step() {
    let cfg = short("cartpole-v0", 8192);
    let err = run(&cfg, &compile_rust(HUGE).unwrap(), 2).unwrap_err();
    let TrainError::Diverged { step, .. } = err else { panic!("not a divergence: {err:?}") };
    // It diverges in the first update, after one rollout of num_envs × num_steps steps
    // (it was reported as step 0).
    assert_eq!(step, cfg.ppo.batch_size() as u64, "{err}");
    assert_eq!(err.kind(), "diverged");
}

#[test]
fn a_reward_for_another_env_or_a_bad_config_is_refused_before_training() {
    let err = run(&TrainConfig::new("cartpole-v0"), &compile_file(&example("pendulum")), 1).unwrap_err();
    assert_eq!(err.kind(), "env_mismatch", "{err}");
    let mut cfg = TrainConfig::new("cartpole-v0");
    cfg.ppo.num_minibatches = 0;
    let err = run(&cfg, &compile_file(&example("cartpole")), 1).unwrap_err();
    assert!(matches!(err, TrainError::Config { field: "num_minibatches", .. }), "{err}");
}

/// The one "train into a run folder" job (issue 13): a folder that cannot be made stops a
/// job that needs it before any training, and a best-effort job (an evolve candidate)
/// trains anyway; a good folder holds the finished run.
#[test]
fn a_train_job_writes_its_folder_or_says_why_it_could_not() {
    use rewardsmith::train::{Folder, Job, JobError, RunDir, train_into};
    let wasm = compile_file(&example("cartpole"));
    let (sandbox, module) = load(&wasm);
    let cfg = short("cartpole-v0", 2048);
    let job = |folder| Job {
        config: &cfg,
        source_name: "reward.rs",
        source: b"// the source",
        wasm: &wasm,
        module: &module,
        compiler_isolation: Some("test".into()),
        created_unix: Some(7),
        folder,
    };
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let unwritable = blocker.join("run");

    let err = train_into(&unwritable, &job(Folder::Required), &sandbox, &pool(2), Hooks::default()).unwrap_err();
    assert!(matches!(&err, JobError::RunDir { trained: None, .. }), "{err:?}");
    assert_eq!(err.kind(), "run_dir");
    let done = train_into(&unwritable, &job(Folder::BestEffort), &sandbox, &pool(2), Hooks::default()).unwrap();
    assert!(done.dir.is_none() && done.trained.result.steps >= 2048);

    let good = dir.path().join("run");
    let mut seen = 0;
    let mut count = |_: &metrics::Record| seen += 1;
    let hooks = Hooks { on_iteration: Some(&mut count), cancel: None };
    let done = train_into(&good, &job(Folder::Required), &sandbox, &pool(2), hooks).unwrap();
    let run = RunDir::open(&good).unwrap();
    let m = run.manifest();
    assert_eq!((m.status.as_str(), m.created_unix, m.compiler_isolation.as_deref()), ("completed", 7, Some("test")));
    assert_eq!(std::fs::read(good.join("reward.rs")).unwrap(), b"// the source");
    let lines = std::fs::read_to_string(good.join("metrics.jsonl")).unwrap().lines().count();
    assert_eq!(
        (lines, seen),
        (done.trained.records.len(), done.trained.records.len()),
        "metrics appended, hook called"
    );
    assert!(good.join("policy.safetensors").is_file());
}
