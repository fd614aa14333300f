//! Evolve for an env rewardsmith does not simulate: the loop proposes programs against a
//! schema's `State` (offline or LLM), compiles them with the schema's module, and hands the
//! jobs (schema inside) to an executor with the user's training function; without one the
//! run is refused before anything is stored.

use rewardsmith::candidate::Status;
use rewardsmith::evolve::llm_proposer::messages;
use rewardsmith::evolve::{
    Context, EvolveConfig, EvolveError, Executor, MemoryJournal, Offline, Origin, Resources, Summary, Target, TrainJob,
    TrainOutcome, evolve, user_train,
};
use rewardsmith::sandbox::{Limits, Sandbox};
use rewardsmith::schema::Schema;
use rewardsmith_tests::compiler;
use std::sync::{Arc, Mutex};

fn schema() -> Schema {
    Schema::parse(
        r#"id = "slider-v0"
task = "Slide the block to x = 0.5."
[[state]]
name = "x"
unit = "m"
doc = "Block position."
range = [-1.0, 1.0]
[[state]]
name = "v"
unit = "m/s"
doc = "Block velocity."
range = [-2.0, 2.0]
[[action]]
name = "push"
unit = "N"
doc = "Force on the block."
range = [-1.0, 1.0]
"#,
    )
    .unwrap()
}

fn config() -> EvolveConfig {
    let mut cfg = EvolveConfig::for_schema(schema());
    (cfg.iterations, cfg.samples, cfg.final_seeds, cfg.recheck_top, cfg.threads) = (1, 3, 2, 0, 1);
    cfg.steps = Some(100);
    cfg.fitness_doc = Some("minus the distance to x = 0.5 after 100 steps".into());
    cfg
}

/// A user's trainer stand-in: runs each job's module on one transition in the sandbox (as
/// a training function would, through the schema's layout) and reports its total as fitness.
struct OneStep<'a> {
    sandbox: &'a Sandbox,
    jobs: Mutex<Vec<TrainJob>>,
}

impl Executor for OneStep<'_> {
    fn name(&self) -> &str {
        "one-step"
    }

    fn trains_schema_envs(&self) -> bool {
        true
    }

    fn run(
        &self,
        jobs: Vec<TrainJob>,
        done: &mut dyn FnMut(TrainOutcome) -> Result<(), EvolveError>,
    ) -> Result<(), EvolveError> {
        for job in jobs {
            let schema = job.schema.as_ref().expect("a schema env's job carries its schema");
            let env = rewardsmith::schema::register(schema).unwrap().id;
            let module = self.sandbox.load(&job.wasm).unwrap();
            let mut instance = self.sandbox.instantiate(&module, env).unwrap();
            // [x, v | push | x', v'].
            let out = instance.run_batch(&[0.0, 0.0, 1.0, 0.1, 0.2]).unwrap();
            let report = serde_json::json!({ "fitness": out.totals[0], "terms": {"seed": job.config.seed as f64} });
            self.jobs.lock().unwrap().push(job.clone());
            done(user_train::outcome(&job, Ok(&report.to_string()), 0.01))?;
        }
        Ok(())
    }
}

/// Runs `cfg` with the offline proposer on `executor` (`None`: the local one).
fn run(
    cfg: &EvolveConfig,
    sandbox: &Sandbox,
    executor: Option<&dyn Executor>,
) -> (Result<Summary, EvolveError>, MemoryJournal) {
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let res = Resources { compiler: compiler(), sandbox, pool: &pool, artifacts: dir.path(), cancel: None, executor };
    let mut journal = MemoryJournal::default();
    let target = Target::of(&config()).unwrap();
    let out = evolve(cfg, &mut Offline::new(&target), &mut journal, &res, &mut |_| {});
    (out, journal)
}

#[test]
fn a_schema_run_trains_on_the_users_executor_and_has_no_baselines() {
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let ex = OneStep { sandbox: &sandbox, jobs: Mutex::new(Vec::new()) };
    let (summary, journal) = run(&config(), &sandbox, Some(&ex));
    let summary = summary.unwrap();

    let statuses: Vec<(Origin, Status)> = journal.candidates.iter().map(|c| (c.key.origin, c.status)).collect();
    let mut want = vec![(Origin::Offline, Status::Trained); 3];
    want.extend([(Origin::Final, Status::Trained); 2]);
    assert_eq!(statuses, want, "three proposals and the best twice; no human or sparse baseline");
    assert!(journal.candidates.iter().all(|c| c.source.contains("use crate::env::*;")));
    let jobs = ex.jobs.lock().unwrap();
    assert!(jobs.iter().all(|j| j.schema.as_ref() == Some(&schema()) && j.config.ppo.total_steps == 100));
    assert_eq!(jobs.iter().map(|j| j.config.seed).collect::<Vec<_>>(), [0, 0, 0, 1000, 1001]);
    assert_eq!((summary.human.fitness.len(), summary.sparse.fitness.len()), (0, 0));
    assert!(summary.human_normalized_undefined.unwrap().contains("no human or sparse reward"));
    let best = journal.candidates.iter().find(|c| Some(c.id) == summary.best_id).unwrap();
    assert_eq!(summary.best.fitness, vec![best.fitness; 2], "the same module on one transition: the same fitness");
}

#[test]
fn without_a_training_function_a_schema_run_is_refused_before_anything_is_journaled() {
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let (e, journal) = run(&config(), &sandbox, None);
    assert!(matches!(e, Err(EvolveError::Config(ref m)) if m.contains("the local executor has none")), "{e:?}");
    assert!(journal.candidates.is_empty());
    let ex = OneStep { sandbox: &sandbox, jobs: Mutex::new(Vec::new()) };
    let mut no_steps = config();
    no_steps.steps = None;
    let (e, journal) = run(&no_steps, &sandbox, Some(&ex));
    assert!(matches!(e, Err(EvolveError::Config(ref m)) if m.contains("no built-in step budget")), "{e:?}");
    assert!(journal.candidates.is_empty());
}

#[test]
fn the_llm_is_told_the_schemas_task_fitness_and_module() {
    let cfg = config();
    let target = Target::of(&cfg).unwrap();
    let ctx = Context {
        target: &target,
        fitness_doc: cfg.fitness_doc.as_deref(),
        iteration: 0,
        attempt: 0,
        seed: 0,
        history: &[],
        best: None,
        feedback: &[],
        first_feedback: None,
    };
    let m = messages(&ctx);
    assert!(m[0].content.contains("use crate::env::*;"), "{}", m[0].content);
    let task = &m[1].content;
    for want in [
        "`slider-v0`",
        "Slide the block to x = 0.5.",
        "minus the distance to x = 0.5 after 100 steps",
        "Block velocity.",
    ] {
        assert!(task.contains(want), "{want} missing from\n{task}");
    }
}
