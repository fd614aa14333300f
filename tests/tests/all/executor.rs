//! The executor seam: a candidate's training job is data, runs the same wherever it runs,
//! and the loop gives the same run whichever executor trains and in whatever order jobs
//! finish; an executor that loses a job is a typed error with nothing lost.

use std::sync::{Arc, Mutex};

use rewardsmith::compiler::Source;
use rewardsmith::evolve::{
    EvolveConfig, EvolveError, Executor, MemoryJournal, Offline, Resources, Status, Target, TrainJob, TrainOutcome,
    evolve, run_job,
};
use rewardsmith::sandbox::{Limits, Sandbox};
use rewardsmith::train::TrainConfig;
use rewardsmith_tests::{compiler, example};

/// A `TrainResult` without what the wall clock decides (speeds, seconds).
fn deterministic(result: &Option<serde_json::Value>) -> serde_json::Value {
    let mut v = result.clone().expect("a result");
    for key in ["wall_s", "sps", "reward_share", "reward_ns_per_transition", "solved_at_s"] {
        v.as_object_mut().unwrap().remove(key).expect("the field exists");
    }
    v
}

fn pool(threads: usize) -> Arc<rayon::ThreadPool> {
    Arc::new(rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap())
}

#[test]
fn a_job_round_trips_through_json_and_trains_to_the_same_bits() {
    let source = std::fs::read_to_string(example("cartpole")).unwrap();
    let wasm = compiler().compile(&Source::rust(source.clone())).unwrap().wasm;
    let mut config = TrainConfig::new("cartpole");
    config.seed = 11;
    config.ppo.total_steps = 4096;
    let job = TrainJob { candidate_id: 7, source, wasm, config, schema: None, compiler_isolation: Some("test".into()) };
    let json = serde_json::to_string(&job).unwrap();
    assert!(json.len() < 2 * job.wasm.len(), "the module travels as base64, not as a list of numbers");
    let back: TrainJob = serde_json::from_str(&json).unwrap();
    assert_eq!(back, job);

    // Here, and as another machine would run it: its own sandbox, pool size and folder.
    let dir = tempfile::tempdir().unwrap();
    let here = run_job(&job, &dir.path().join("here"), &Sandbox::new(Limits::default()).unwrap(), &pool(2), None);
    let there = run_job(&back, &dir.path().join("there"), &Sandbox::new(Limits::default()).unwrap(), &pool(1), None);
    assert_eq!(here.status, Status::Trained, "{:?}", here.error_text);
    let outcome_json = serde_json::to_string(&there).unwrap();
    let there: TrainOutcome = serde_json::from_str(&outcome_json).unwrap();
    assert_eq!((here.fitness, deterministic(&here.result)), (there.fitness, deterministic(&there.result)));
    let policy = |o: &TrainOutcome| std::fs::read(o.run_dir.as_ref().unwrap().join("policy.safetensors")).unwrap();
    assert_eq!(policy(&here), policy(&there), "same bits");

    // The outcome travels back with its folder's files and lands where a local run would be.
    let travelled: TrainOutcome =
        serde_json::from_str(&serde_json::to_string(&there.clone().packed().unwrap()).unwrap()).unwrap();
    assert!(travelled.run_dir.is_none() && travelled.files.iter().any(|f| f.name == "policy.safetensors"));
    let driver = tempfile::tempdir().unwrap();
    let landed = travelled.landed(driver.path());
    assert_eq!(landed.run_dir.as_deref(), Some(driver.path().join("c7").as_path()));
    assert!(landed.files.is_empty());
    assert_eq!(policy(&landed), policy(&here));
    let run = rewardsmith::train::RunDir::open(landed.run_dir.as_ref().unwrap()).expect("a complete run folder");
    assert_eq!(
        run.load_policy().unwrap(),
        rewardsmith::train::RunDir::open(here.run_dir.as_ref().unwrap()).unwrap().load_policy().unwrap()
    );

    // A module this sandbox refuses comes back as a typed failure, not a panic.
    let broken = TrainJob { wasm: b"\0asm\x01\0\0\0garbage".to_vec(), ..job };
    let o = run_job(&broken, &dir.path().join("broken"), &Sandbox::new(Limits::default()).unwrap(), &pool(1), None);
    assert_eq!((o.status, o.fitness, o.run_dir.as_ref()), (Status::RewardError, None, None));
    assert_eq!(o.error_kind.as_deref(), Some("malformed"), "{:?}", o.error_text);
}

/// Runs every job on one thread, last first (as a remote cluster may finish them), or
/// drops the job of candidate `lose`.
struct Reversed<'a> {
    sandbox: &'a Sandbox,
    artifacts: &'a std::path::Path,
    lose: Option<i64>,
    seen: Mutex<Vec<i64>>,
}

impl Executor for Reversed<'_> {
    fn name(&self) -> &str {
        "reversed"
    }

    fn run(
        &self,
        jobs: Vec<TrainJob>,
        done: &mut dyn FnMut(TrainOutcome) -> Result<(), EvolveError>,
    ) -> Result<(), EvolveError> {
        let pool = pool(1);
        for job in jobs.into_iter().rev() {
            self.seen.lock().unwrap().push(job.candidate_id);
            if Some(job.candidate_id) == self.lose {
                continue;
            }
            let dir = self.artifacts.join(format!("c{}", job.candidate_id));
            done(run_job(&job, &dir, self.sandbox, &pool, None))?;
        }
        Ok(())
    }
}

fn config() -> EvolveConfig {
    let mut cfg = EvolveConfig::new("cartpole");
    (cfg.iterations, cfg.samples, cfg.final_seeds, cfg.threads) = (1, 3, 1, 2);
    (cfg.recheck_top, cfg.recheck_seeds) = (1, 1);
    cfg.steps = Some(2048);
    cfg
}

#[test]
fn another_executor_finishing_jobs_in_another_order_gives_the_same_run() {
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let pool = pool(2);
    let spec = rewardsmith_envs::registry::find("cartpole").unwrap().spec;
    let cfg = config();
    let run = |executor: Option<&dyn Executor>, dir: &std::path::Path| {
        let res =
            Resources { compiler: compiler(), sandbox: &sandbox, pool: &pool, artifacts: dir, cancel: None, executor };
        let mut journal = MemoryJournal::default();
        let summary = evolve(&cfg, &mut Offline::new(&Target::Builtin(spec)), &mut journal, &res, &mut |_| {}).unwrap();
        (summary, journal)
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (local, local_journal) = run(None, dir_a.path());
    let reversed = Reversed { sandbox: &sandbox, artifacts: dir_b.path(), lose: None, seen: Mutex::new(Vec::new()) };
    let (other, other_journal) = run(Some(&reversed), dir_b.path());
    let ids = reversed.seen.lock().unwrap().clone();
    assert!(ids.windows(2).any(|w| w[0] > w[1]), "the executor really ran jobs out of order: {ids:?}");

    let view = |j: &MemoryJournal| {
        j.candidates
            .iter()
            .map(|c| (c.label(), c.source.clone(), c.status, c.fitness, deterministic(&c.result)))
            .collect::<Vec<_>>()
    };
    assert_eq!(view(&local_journal), view(&other_journal), "same candidates, statuses, fitnesses and results");
    assert_eq!((local.best_label, local.best_fitness), (other.best_label, other.best_fitness), "same selection");
    assert_eq!(serde_json::to_value(&local.best).unwrap(), serde_json::to_value(&other.best).unwrap());
}

#[test]
fn an_executor_that_loses_a_job_is_a_typed_error_and_the_candidate_stays_to_train_again() {
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let pool = pool(1);
    let spec = rewardsmith_envs::registry::find("cartpole").unwrap().spec;
    let dir = tempfile::tempdir().unwrap();
    // Candidate ids in a memory journal count from 1: lose the second proposal's job.
    let lossy = Reversed { sandbox: &sandbox, artifacts: dir.path(), lose: Some(2), seen: Mutex::new(Vec::new()) };
    let res = Resources {
        compiler: compiler(),
        sandbox: &sandbox,
        pool: &pool,
        artifacts: dir.path(),
        cancel: None,
        executor: Some(&lossy),
    };
    let mut journal = MemoryJournal::default();
    let e = evolve(&config(), &mut Offline::new(&Target::Builtin(spec)), &mut journal, &res, &mut |_| {}).unwrap_err();
    assert_eq!(e.kind(), "executor");
    assert!(e.to_string().contains("reversed executor finished without an outcome for 1 candidate(s), e.g. 2"), "{e}");
    let statuses: Vec<(i64, Status)> = journal.candidates.iter().map(|c| (c.id, c.status)).collect();
    assert_eq!(statuses, [(1, Status::Trained), (2, Status::Compiled), (3, Status::Trained)]);
}
