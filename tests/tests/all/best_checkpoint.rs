//! The best checkpoint (issue 17): training keeps the policy with the best held-out fitness
//! beside the last one, the run folder saves both, and choosing one is explicit.

use std::sync::Arc;

use rewardsmith::sandbox::{Limits, Sandbox};
use rewardsmith::train::{
    ActMode, Checkpoint, Folder, HELD_OUT_SEED, Hooks, Job, RunDir, TrainConfig, checkpoint_indices, evaluate, metrics,
    train, train_into,
};
use rewardsmith_tests::{compile_file, example};

fn pool() -> Arc<rayon::ThreadPool> {
    Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap())
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn cartpole(steps: u64) -> TrainConfig {
    let mut cfg = TrainConfig::new("cartpole");
    cfg.ppo.total_steps = steps;
    cfg
}

#[test]
fn training_keeps_the_best_held_out_policy_and_its_score_is_reproducible() {
    let wasm = compile_file(&example("cartpole"));
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let module = sandbox.load(&wasm).unwrap();
    let cfg = cartpole(24_576);
    let t = train(&cfg, &sandbox, &module, &pool(), Hooks::default()).unwrap();
    let best = t.best.as_ref().expect("a best checkpoint by default");
    assert_eq!(t.result.best.as_ref(), Some(&best.info), "result.json records it");
    assert_eq!((best.info.fitness.n, best.info.seed), (cfg.best_episodes as usize, HELD_OUT_SEED));

    // Evaluated at the evenly spaced iterations and the last one, nowhere else.
    let evaluated: Vec<(u64, f64)> =
        t.records.iter().filter_map(|r| r.get(metrics::EVAL_FITNESS).map(|f| (r.iteration, f))).collect();
    let mut expected: Vec<u64> =
        checkpoint_indices(t.records.len(), cfg.checkpoints).into_iter().map(|i| i as u64).collect();
    if expected.last() != Some(&(t.records.len() as u64 - 1)) {
        expected.push(t.records.len() as u64 - 1);
    }
    assert_eq!(evaluated.iter().map(|e| e.0).collect::<Vec<_>>(), expected);
    // The best is the last evaluation with the highest mean, and what it was taken at.
    let top = evaluated.iter().map(|e| e.1).fold(f64::MIN, f64::max);
    let last_top = evaluated.iter().rev().find(|e| e.1 == top).unwrap();
    assert_eq!((best.info.iteration, best.info.fitness.mean), *last_top, "{evaluated:?}");
    assert_eq!(best.info.step, t.records[last_top.0 as usize].global_step);

    // The same episodes through `evaluate` (another code path, with the reward running)
    // give the same fitness.
    let again =
        evaluate(&best.policy, &cfg.env, &sandbox, &module, cfg.best_episodes, HELD_OUT_SEED, ActMode::Deterministic)
            .unwrap();
    assert_eq!(again.fitness, best.info.fitness);

    // The held-out episodes touch nothing training uses: without them, the same bits.
    let off =
        train(&TrainConfig { best_episodes: 0, ..cfg.clone() }, &sandbox, &module, &pool(), Hooks::default()).unwrap();
    assert!(off.best.is_none() && off.result.best.is_none());
    assert!(off.records.iter().all(|r| r.get(metrics::EVAL_FITNESS).is_none()));
    assert_eq!(bits(t.policy.actor.params()), bits(off.policy.actor.params()));
    assert_eq!(bits(t.critic.params()), bits(off.critic.params()));
}

#[test]
fn the_run_folder_saves_both_checkpoints_and_says_which_it_loads() {
    let wasm = compile_file(&example("cartpole"));
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let module = sandbox.load(&wasm).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let folder = |cfg: &TrainConfig, name: &str| {
        let job = Job {
            config: cfg,
            source_name: "reward.rs",
            source: b"// cartpole",
            wasm: &wasm,
            module: &module,
            compiler_isolation: None,
            created_unix: None,
            folder: Folder::Required,
        };
        let path = tmp.path().join(name);
        let done = train_into(&path, &job, &sandbox, &pool(), Hooks::default()).unwrap();
        (RunDir::open(&path).unwrap(), done.trained)
    };

    let (dir, trained) = folder(&cartpole(8192), "with");
    let (best, which) = dir.load_checkpoint(Checkpoint::Best).unwrap();
    assert_eq!(which, Checkpoint::Best);
    assert_eq!(bits(best.actor.params()), bits(trained.best.as_ref().unwrap().policy.actor.params()));
    assert_eq!(best.obs_norm, trained.best.as_ref().unwrap().policy.obs_norm, "with its observation statistics");
    let (last, which) = dir.load_checkpoint(Checkpoint::Last).unwrap();
    assert_eq!(which, Checkpoint::Last);
    assert_eq!(bits(last.actor.params()), bits(trained.policy.actor.params()));
    assert_eq!(dir.result().unwrap().best, trained.result.best);
    let jsonl = std::fs::read_to_string(dir.path().join("metrics.jsonl")).unwrap();
    assert!(jsonl.lines().last().unwrap().contains("\"eval/fitness\":"), "the last iteration is evaluated");

    // A run that kept none gives its last policy when asked for the best, and says so.
    let (dir, trained) = folder(&TrainConfig { best_episodes: 0, ..cartpole(4096) }, "without");
    assert!(!dir.path().join(Checkpoint::Best.file_name()).exists());
    let (policy, which) = dir.load_checkpoint(Checkpoint::Best).unwrap();
    assert_eq!(which, Checkpoint::Last);
    assert_eq!(bits(policy.actor.params()), bits(trained.policy.actor.params()));
}

#[test]
fn a_training_cancelled_from_its_callback_still_evaluates_its_last_policy() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let wasm = compile_file(&example("cartpole"));
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let module = sandbox.load(&wasm).unwrap();
    let cancel = AtomicBool::new(false);
    let mut seen = 0;
    let mut on_iteration = |_: &metrics::Record| {
        seen += 1;
        if seen == 3 {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let hooks = Hooks { on_iteration: Some(&mut on_iteration), cancel: Some(&cancel) };
    // 100 iterations planned: the evenly spaced evaluations are at 0, 11, 22, ...
    let t = train(&cartpole(102_400), &sandbox, &module, &pool(), hooks).unwrap();
    assert_eq!(t.records.len(), 3, "stopped after the callback asked");
    let evaluated: Vec<u64> =
        t.records.iter().filter(|r| r.get(metrics::EVAL_FITNESS).is_some()).map(|r| r.iteration).collect();
    assert_eq!(evaluated, [0, 2], "the first iteration, then the last one however training stopped");
    let best = t.best.unwrap().info;
    let top = t.records.iter().filter_map(|r| r.get(metrics::EVAL_FITNESS)).fold(f64::MIN, f64::max);
    assert_eq!(best.fitness.mean, top);
}
