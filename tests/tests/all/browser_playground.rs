//! The web playground (`rewardsmith serve`) in a real browser: a server on 127.0.0.1:0 in this
//! process over a real store, and `node web/tests/playground.mjs <scenario> <url>` doing what
//! a person does (Debian's chromium via playwright-core, see web/tests/lib.mjs) and printing
//! what it saw as JSON; these tests assert on that and on the store afterwards. `<url>` is the
//! URL `serve` prints (it carries `?token=`): the driver opens it first, as a person does,
//! and the pages then run under the server's token cookie and security headers.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rewardsmith::candidate::{Candidate, Key, Origin};
use rewardsmith::evolve::stored::StoreJournal;
use rewardsmith::evolve::{EvolveConfig, Offline, Resources, Target, evolve};
use rewardsmith::sandbox::{Limits, Sandbox};
use rewardsmith::serve::{ServeConfig, spawn};
use rewardsmith::store::{FeedbackKind, NewRun, Proposer, Store, Trained};
use rewardsmith_tests::browser::StaticServer;
use rewardsmith_tests::browser::{browser_lock, drive, drive_unlocked};
use serde_json::{Value, json};

/// Runs the playground driver's `scenario` against the server at `base`.
fn driver(scenario: &str, base: &str, args: &[String]) -> Value {
    let mut all = vec![scenario, base];
    all.extend(args.iter().map(String::as_str));
    drive("playground.mjs", &all, Duration::from_secs(900))
}

/// A playground over `store` with the default security (a random token); its address and
/// the URL to open (with `?token=`).
fn server(store: &Path) -> (SocketAddr, String) {
    let mut cfg = ServeConfig::new(store);
    cfg.bind = "127.0.0.1:0".parse().unwrap();
    cfg.poll = Duration::from_millis(200);
    cfg.runtime_dir = rewardsmith_tests::browser::runtime().to_owned();
    let started = spawn(cfg).unwrap();
    assert!(started.token.is_some(), "a token by default");
    (started.addr, started.url())
}

/// An empty store in a temporary folder (kept alive by the returned guard) and its path.
fn fresh_store() -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rewardsmith.db");
    let st = Store::open(&db).unwrap();
    (dir, db, st)
}

fn new_run(st: &Store, env: &str) -> rewardsmith::store::RunRow {
    st.create_run(&NewRun { env: env.into(), proposer: Proposer::Offline, model: None, config: json!({}) }).unwrap()
}

/// Runs a real offline cartpole evolve (`iterations` × 2 candidates, then the final best,
/// human and sparse trainings on one seed) into `run`, and marks the run completed.
fn tiny_evolve(st: &Store, run: &rewardsmith::store::RunRow, iterations: u32, steps: u64) {
    let mut cfg = EvolveConfig::new("cartpole");
    cfg.iterations = iterations;
    cfg.samples = 2;
    cfg.final_seeds = 1;
    cfg.steps = Some(steps);
    cfg.candidate_seconds = 120.0;
    cfg.threads = 2;
    (cfg.recheck_top, cfg.recheck_seeds) = (1, 1);
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let compiler = rewardsmith_tests::compiler();
    let res = Resources {
        compiler,
        sandbox: &sandbox,
        pool: &pool,
        artifacts: &run.artifact_dir,
        cancel: None,
        executor: None,
    };
    let mut journal = StoreJournal { store: st, run_id: run.id };
    let spec = rewardsmith_envs::registry::find("cartpole").unwrap().spec;
    let summary = evolve(&cfg, &mut Offline::new(&Target::Builtin(spec)), &mut journal, &res, &mut |_| {}).unwrap();
    let summary = serde_json::to_value(&summary).unwrap();
    st.set_run_status(run.id, rewardsmith::store::RunStatus::Completed, Some(&summary)).unwrap();
}

fn trained(st: &Store, run: i64, sample: u32, fitness: f64) -> i64 {
    let c = st
        .insert_candidate(&Candidate {
            run_id: run,
            ..Candidate::new(
                Key { iteration: 0, attempt: 0, sample, origin: Origin::Offline, seed: 0 },
                format!("// candidate {sample}"),
            )
        })
        .unwrap();
    st.set_candidate_trained(c.id, &Trained { result: json!({}), fitness: Some(fitness), policy_path: None }).unwrap();
    c.id
}

#[test]
fn the_playground_lists_runs() {
    let (_dir, db, st) = fresh_store();
    let a = new_run(&st, "cartpole-v0");
    let b = new_run(&st, "pendulum-v0");
    let (_, base) = server(&db);
    let seen = driver("runs", &base, &[]);
    let runs = seen["runs"].as_array().unwrap();
    let ids: Vec<i64> = runs.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![b.id, a.id], "newest first: {seen}");
    assert!(runs[0]["text"].as_str().unwrap().contains("pendulum-v0"));
    assert_eq!(runs[1]["href"], format!("/runs/{}", a.id));
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

/// Issue 17: the runs list never updated. A run created and finished while the page is open
/// appears, then shows its status and final score, without a reload.
#[test]
fn the_runs_list_updates_live_with_the_final_score() {
    let (_dir, db, st) = fresh_store();
    let first = new_run(&st, "cartpole-v0");
    let (_, base) = server(&db);
    let _browser = browser_lock();
    let next = first.id + 1;
    let page = {
        let base = base.clone();
        std::thread::spawn(move || {
            drive_unlocked("playground.mjs", &["runs-live", &base, &next.to_string(), "120"], Duration::from_secs(300))
        })
    };
    std::thread::sleep(Duration::from_secs(6));
    let run = new_run(&st, "pendulum-v0");
    assert_eq!(run.id, next);
    std::thread::sleep(Duration::from_secs(3));
    let summary = json!({ "best": { "fitness": [0.5], "mean_std": { "mean": 0.5, "std": 0.0, "n": 1 } },
        "human_normalized_score": 0.625 });
    st.set_run_status(run.id, rewardsmith::store::RunStatus::Completed, Some(&summary)).unwrap();
    let seen = page.join().unwrap();
    // The page opened before the run finished (on a loaded machine the browser may start
    // after the new run was created, but not after it completed): the finish came live.
    let initial = seen["initial"].as_array().unwrap();
    assert!(initial.iter().all(|r| r["status"] == "running"), "the page opened too late: {seen}");
    let row = seen["final"].as_array().unwrap().iter().find(|r| r["id"] == run.id).cloned().unwrap();
    assert_eq!(
        (row["status"].as_str(), row["final_best"].as_str(), row["score"].as_str()),
        (Some("completed"), Some("0.500"), Some("0.625")),
        "{seen}"
    );
    assert_eq!(seen["navigations"], 0, "the page reloaded: {seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

#[test]
fn a_live_run_page_updates_as_the_run_progresses() {
    let (_dir, db, st) = fresh_store();
    let run = new_run(&st, "cartpole-v0");
    let (_, base) = server(&db);
    // 2 iterations × 2 candidates, then the final best, human and sparse trainings.
    let want = 7;
    // This test holds the browser, so its page opens now, not after another test's.
    let _browser = browser_lock();
    let page = {
        let base = base.clone();
        std::thread::spawn(move || {
            let args = ["live", &base, &run.id.to_string(), &want.to_string(), "900"];
            drive_unlocked("playground.mjs", &args, Duration::from_secs(900))
        })
    };
    // The page is open (and empty) before the evolve loop starts writing.
    std::thread::sleep(Duration::from_secs(6));
    tiny_evolve(&st, &run, 2, 4096);
    let seen = page.join().unwrap();
    let initial = seen["initial"].as_array().unwrap();
    let last = seen["final"].as_array().unwrap();
    assert!(initial.len() < last.len(), "no rows appeared: {seen}");
    assert!(last.iter().filter(|r| r["live"] == true).count() >= want - initial.len(), "{seen}");
    assert_eq!(seen["navigations"], 0, "the page reloaded: {seen}");
    assert_eq!(seen["plot_has_svg"], true);
    // The best agent, its replay and the final evaluation arrived without a reload, and the
    // page says the run is finished.
    let best = st.best_candidate(run.id).unwrap().unwrap().0.id;
    assert_eq!((seen["best_initially"].as_bool(), seen["best"].as_i64()), (Some(false), Some(best)), "{seen}");
    assert!(
        seen["best_replay"].as_str().unwrap().contains(&format!("/candidates/{best}/policy-best.safetensors")),
        "{seen}"
    );
    // Iterations were listed while in progress, then done.
    let its: Vec<&str> = seen["iterations"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    for k in ["0.0", "1.0"] {
        assert!(its.contains(&format!("{k} done").as_str()), "{its:?}");
        assert!(
            its.iter().any(|t| *t == format!("{k} proposing") || *t == format!("{k} training")),
            "iteration {k} was not shown in progress: {its:?}"
        );
    }
    // Candidates in training showed how far they had got, of their 4,096-step budget.
    let progress = seen["progress"].as_array().unwrap();
    assert!(!progress.is_empty(), "no training progress shown: {seen}");
    for p in progress {
        let p = p.as_str().unwrap();
        let (_, text) = p.split_once(": training: ").unwrap_or_else(|| panic!("{p}"));
        let (steps, total) = text.trim_end_matches(" steps").split_once(" / ").unwrap();
        let steps: u64 = steps.replace(',', "").parse().unwrap();
        assert_eq!(total, "4,096", "{p}");
        assert!(steps > 0 && steps <= 4096, "{p}");
    }
    assert_eq!(seen["final_rows"], json!(["best", "human", "sparse"]), "{seen}");
    assert_eq!((seen["status"].as_str(), seen["live_label"].as_str()), (Some("completed"), Some("finished")), "{seen}");
    // Every row is a candidate of the store, with its status.
    let stored = st.candidates(run.id, None).unwrap();
    for r in last {
        let c = stored.iter().find(|c| c.id == r["id"].as_i64().unwrap()).expect("row is a stored candidate");
        if c.status.is_final() && r["status"] != c.status.as_str() {
            // The last update may still be in flight; the status shown is never ahead of the store.
            assert!(r["status"] == "proposed" || r["status"] == "compiled", "{r} vs {:?}", c.status);
        }
    }
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

#[test]
fn a_finished_run_page_replays_its_best_agent_in_the_browser_runtime() {
    let (_dir, db, st) = fresh_store();
    let run = new_run(&st, "cartpole-v0");
    tiny_evolve(&st, &run, 1, 8192);
    let (best, _) = st.best_candidate(run.id).unwrap().expect("a trained candidate");

    let (_, base) = server(&db);
    let seen = driver("replay", &base, &[run.id.to_string()]);
    assert_eq!(seen["best"], best.id, "{seen}");
    let src = seen["src"].as_str().unwrap();
    // The best checkpoint of the candidate's training replays, and the page says so.
    assert!(src.contains(&format!("/api/runs/{}/candidates/{}/policy-best.safetensors", run.id, best.id)), "{src}");
    let kept = rewardsmith::train::TrainResult::from_stored(best.result.as_ref()).unwrap().best.unwrap();
    assert_eq!(seen["checkpoint"]["which"], "best", "{seen}");
    assert!(seen["checkpoint"]["text"].as_str().unwrap().contains(&format!("step {}", kept.step)), "{seen}");
    for key in ["first", "later"] {
        assert_eq!(seen[key]["error"], Value::Null, "{seen}");
        assert!(["running", "paused", "done"].contains(&seen[key]["status"].as_str().unwrap()), "{seen}");
    }
    assert!(
        seen["later"]["stepCount"].as_u64().unwrap() > seen["first"]["stepCount"].as_u64().unwrap(),
        "not playing: {seen}"
    );
    assert!(seen["later"]["bodies"].as_u64().unwrap() > 0, "nothing drawn: {seen}");
    // Issue 17: the HUD covered ~35 % of a replay frame; it keeps to a corner now.
    let hud = &seen["hud"];
    let share = hud["width"].as_f64().unwrap() * hud["height"].as_f64().unwrap()
        / (hud["frame_width"].as_f64().unwrap() * hud["frame_height"].as_f64().unwrap());
    eprintln!("the HUD covers {:.1} % of the replay frame: {hud}", 100.0 * share);
    assert!(share < 0.08, "{share}: {hud}");
    // On a phone's width nothing makes the page scroll sideways.
    let phone = &seen["phone"];
    assert!(phone["scroll_width"].as_u64() <= phone["width"].as_u64(), "{phone}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

/// Issue 17: switching env silently replaced edited code, and the default 20,000 steps was
/// far below every env's budget.
#[test]
fn the_editor_keeps_edits_across_env_switches_and_defaults_to_the_envs_budget() {
    let (_dir, db, _st) = fresh_store();
    let (_, base) = server(&db);
    let seen = driver("editor-drafts", &base, &[]);
    let budget = |env: &str| rewardsmith::train::PpoConfig::for_env(env).total_steps.min(200_000);
    assert_eq!(seen["start"]["steps"].as_u64(), Some(budget("cartpole-v0")), "{seen}");
    assert!(seen["start"]["budget_note"].as_str().unwrap().contains("150000"), "{seen}");
    let human = |env: &str| rewardsmith::evolve::baselines::human(env).unwrap();
    assert_eq!(seen["pendulum"]["source"].as_str(), Some(human("pendulum-v0")), "{seen}");
    assert_eq!(seen["pendulum"]["steps"].as_u64(), Some(budget("pendulum-v0")), "{seen}");
    assert!(seen["pendulum"]["draft_note"].as_str().unwrap().contains("your cartpole-v0 edits are kept"), "{seen}");
    assert_eq!(seen["back"]["source"], seen["edited"], "the edits came back: {seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

/// Trains cartpole for `steps` into `dir` (a run folder, as `rewardsmith train` writes it).
fn train_folder(dir: &Path, steps: u64) -> rewardsmith::train::Trained {
    use rewardsmith::train::{Folder, Hooks, Job, TrainConfig, train_into};
    let source = rewardsmith::evolve::baselines::human("cartpole-v0").unwrap();
    let compiled = rewardsmith_tests::compiler().compile(&rewardsmith::compiler::Source::rust(source)).unwrap();
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let module = sandbox.load(&compiled.wasm).unwrap();
    let mut cfg = TrainConfig::new("cartpole");
    cfg.ppo.total_steps = steps;
    // Small rollouts: many logged iterations (more than the 30 past which curves are smoothed).
    cfg.ppo.num_steps = 8;
    let job = Job {
        config: &cfg,
        source_name: "reward.rs",
        source: source.as_bytes(),
        wasm: &compiled.wasm,
        module: &module,
        compiler_isolation: None,
        created_unix: None,
        folder: Folder::Required,
    };
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    train_into(dir, &job, &sandbox, &pool, Hooks::default()).unwrap().trained
}

/// Issue 17: standalone `train` runs and editor trainings never appeared as runs. They are
/// listed under the evolve runs (live), each with a page that replays its best checkpoint.
#[test]
fn single_trainings_are_listed_as_runs_and_appear_live() {
    let (dir, db, _st) = fresh_store();
    let first = train_folder(&dir.path().join("train/cartpole-v0-s0-1"), 8192);
    let (_, base) = server(&db);
    let _browser = browser_lock();
    let page = {
        let base = base.clone();
        std::thread::spawn(move || {
            drive_unlocked("playground.mjs", &["trainings", &base, "2", "300"], Duration::from_secs(400))
        })
    };
    // An editor training lands while the page is open.
    std::thread::sleep(Duration::from_secs(5));
    train_folder(&dir.path().join("editor/1"), 2048);
    let seen = page.join().unwrap();
    let keys =
        |v: &Value| v.as_array().unwrap().iter().map(|r| r["key"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(keys(&seen["initial"]), ["train/cartpole-v0-s0-1"], "{seen}");
    let mut all = keys(&seen["rows"]);
    all.sort();
    assert_eq!(all, ["editor/1", "train/cartpole-v0-s0-1"], "{seen}");
    assert_eq!(seen["navigations"], 0, "the list updated without a reload: {seen}");
    let row = seen["rows"].as_array().unwrap().iter().find(|r| r["key"] == "train/cartpole-v0-s0-1").unwrap();
    let best = first.result.best.as_ref().unwrap();
    assert_eq!(row["status"], "completed", "{seen}");
    assert_eq!(row["late"], rewardsmith::evolve::report::fmt(first.result.late_fitness.map(|m| m.mean)), "{seen}");
    assert_eq!(row["best"], rewardsmith::evolve::report::fmt(Some(best.fitness.mean)), "{seen}");
    let p = &seen["page"];
    assert_eq!((p["status"].as_str(), p["checkpoint"].as_str()), (Some("completed"), Some("best")), "{seen}");
    assert!(
        p["src"].as_str().unwrap().contains("/api/trainings/train/cartpole-v0-s0-1/policy-best.safetensors"),
        "{seen}"
    );
    assert_eq!(p["replay"]["error"], Value::Null, "{seen}");
    let human = rewardsmith::evolve::baselines::human("cartpole-v0").unwrap();
    assert_eq!(p["source_lines"].as_u64(), Some(human.lines().count() as u64), "{seen}");
    assert!(p["curves"].as_u64() > Some(0), "curves.svg loaded: {seen}");
    // Every logged point can be read on hover; long curves are smoothed.
    let with_fitness = first.records.iter().filter(|r| r.get("charts/fitness").is_some()).count();
    assert_eq!(p["figure"]["fitness_titles"].as_u64(), Some(with_fitness as u64), "{seen}");
    assert!(first.records.len() > 30, "{}", first.records.len());
    let smoothed = p["figure"]["smoothed"].as_array().unwrap();
    assert!(smoothed.iter().any(|t| t == "losses/value_loss · smoothed 0.6"), "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

/// Issue 17: the envs page printed `rewardsmith_guest::envs::cartpole-v0::State`, not a
/// Rust path.
#[test]
fn the_envs_page_names_real_module_paths() {
    let (_dir, db, _st) = fresh_store();
    let (_, base) = server(&db);
    let seen = driver("envs", &base, &[]);
    let envs = seen["envs"].as_array().unwrap();
    assert_eq!(envs.len(), rewardsmith_envs::ids().len(), "{seen}");
    for e in envs {
        let id = e["id"].as_str().unwrap();
        let paths = e["paths"].as_array().unwrap();
        assert_eq!(paths.len(), 1, "{seen}");
        // The path the human baseline of the env's rewards imports, which compiles.
        let module = paths[0].as_str().unwrap().strip_suffix("::State").unwrap();
        let reward_env = rewardsmith_envs::registry::find(id).unwrap().spec.reward_env;
        let human = rewardsmith::evolve::baselines::human(reward_env).unwrap();
        assert!(human.contains(&format!("use {module}::*;")), "{id}: {module} is not what its example imports");
    }
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

/// Issue 17: a no-code candidate's answer, and the prompt and reflection the LLM saw, were
/// shown nowhere. Its page shows the answer open and the prompt's messages a click away,
/// credentials masked.
#[test]
fn an_llm_candidates_answer_and_prompt_are_readable_in_the_browser() {
    use rewardsmith::store::{LlmCallStatus, NewLlmCall};
    let (_dir, db, st) = fresh_store();
    let run = st
        .create_run(&NewRun {
            env: "cartpole-v0".into(),
            proposer: Proposer::Llm,
            model: Some("m".into()),
            config: json!({}),
        })
        .unwrap();
    let key = Key { iteration: 0, attempt: 0, sample: 0, origin: Origin::Llm, seed: 0 };
    let c = st.insert_candidate(&Candidate { run_id: run.id, ..Candidate::new(key, String::new()) }).unwrap();
    st.set_candidate_failed(c.id, rewardsmith::candidate::Status::NoCode, "no_code", "the answer held no program")
        .unwrap();
    let answer = "I would reward <staying up>; see http://user:hunter2@example.com/x";
    let reflection = "We trained a policy with your reward function: task_fitness: [0.1, 0.5]";
    let prompt = json!({ "model": "m", "n": 1, "messages": [
        { "role": "system", "content": "You write reward functions." },
        { "role": "user", "content": reflection },
    ]});
    st.record_llm_call(&NewLlmCall {
        run_id: run.id,
        iteration: 0,
        attempt: 0,
        request_key: "i0a0".into(),
        prompt,
        response: None,
        texts: Some(vec![answer.into()]),
        prompt_tokens: Some(10),
        completion_tokens: Some(20),
        latency_ms: 5,
        status: LlmCallStatus::Ok,
        error_text: None,
    })
    .unwrap();
    let (_, base) = server(&db);
    let seen = driver("candidate-conversation", &base, &[run.id.to_string(), c.id.to_string()]);
    let shown = seen["answer"]["text"].as_str().unwrap();
    assert!(seen["answer"]["visible"] == true && shown.starts_with("I would reward <staying up>"), "{seen}");
    assert!(!shown.contains("hunter2"), "a credential in the text is masked: {seen}");
    assert_eq!(seen["prompt_hidden_at_first"], true, "{seen}");
    let msgs = seen["messages"].as_array().unwrap();
    assert_eq!(msgs.iter().map(|m| m["role"].as_str().unwrap()).collect::<Vec<_>>(), ["system", "user"], "{seen}");
    assert!(msgs.iter().all(|m| m["visible"] == true), "{seen}");
    assert_eq!(msgs[1]["text"], reflection, "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

/// Issue 17: the candidate page did not mark compile errors on source lines (the editor did).
#[test]
fn a_compile_error_candidate_marks_its_diagnostics_on_the_source_lines() {
    let (_dir, db, st) = fresh_store();
    let run = new_run(&st, "cartpole-v0");
    let human = rewardsmith::evolve::baselines::human("cartpole-v0").unwrap();
    let broken = human.replacen("t.add(\"alive\", 1.0)", "t.add(\"alive\", no_such_fn(1.0))", 1);
    assert_ne!(broken, human, "the baseline has the line this test breaks");
    let line = broken.lines().position(|l| l.contains("no_such_fn")).unwrap() + 1;
    let err = rewardsmith_tests::compiler().compile(&rewardsmith::compiler::Source::rust(&broken)).unwrap_err();
    let key = Key { iteration: 0, attempt: 0, sample: 0, origin: Origin::Offline, seed: 0 };
    let c = st.insert_candidate(&Candidate { run_id: run.id, ..Candidate::new(key, broken.clone()) }).unwrap();
    // As the evolve loop stores it: the error's kind and its text.
    st.set_candidate_failed(c.id, rewardsmith::candidate::Status::CompileError, err.kind(), &err.to_string()).unwrap();
    let (_, base) = server(&db);
    let seen = driver("candidate-diagnostics", &base, &[run.id.to_string(), c.id.to_string()]);
    assert_eq!(seen["marked"], json!([line]), "{seen}");
    let diags = seen["diagnostics"].as_array().unwrap();
    assert!(!diags.is_empty(), "{seen}");
    for d in diags {
        assert_eq!((d["line"].as_u64(), d["after"].as_u64()), (Some(line as u64), Some(line as u64)), "{seen}");
    }
    assert!(diags.iter().any(|d| d["text"].as_str().unwrap().contains("no_such_fn")), "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

/// Issue 17: a training that solved cartpole and then collapsed saved and replayed the
/// collapsed policy. The editor's training keeps the best held-out policy beside the last,
/// replays it and says which it is.
#[test]
fn the_editor_saves_and_replays_the_best_checkpoint() {
    let (dir, db, _st) = fresh_store();
    let (_, base) = server(&db);
    let seen = driver("editor-train", &base, &["8192".into()]);
    assert_eq!(seen["status"], "completed", "{seen}");
    let folder = dir.path().join("editor").join(seen["job"].to_string());
    let run = rewardsmith::train::RunDir::open(&folder).unwrap();
    let best = run.result().unwrap().best.expect("the editor's training kept a best checkpoint");
    assert_eq!(run.checkpoint(rewardsmith::train::Checkpoint::Best), rewardsmith::train::Checkpoint::Best);
    assert_eq!(seen["checkpoint"], "best", "{seen}");
    let note = seen["note"].as_str().unwrap();
    assert!(note.contains(&format!("iteration {}, step {}", best.iteration, best.step)), "{note}");
    assert!(
        seen["src"].as_str().unwrap().contains(&format!("/api/train/{}/policy-best.safetensors", seen["job"])),
        "{seen}"
    );
    assert_eq!(seen["replay"]["error"], Value::Null, "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

#[test]
fn the_editor_reports_a_compile_error_inline() {
    let dir = tempfile::tempdir().unwrap();
    let (_, base) = server(&dir.path().join("rewardsmith.db"));
    let seen = driver("editor-error", &base, &[]);
    assert_eq!(seen["state"], "failed", "{seen}");
    assert_eq!(seen["kind"], "rustc", "{seen}");
    let line = seen["expected_line"].as_i64().unwrap();
    assert!(line > 1);
    let diags = seen["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().any(|d| d["line"] == line && d["text"].as_str().unwrap().contains("no_such_fn")),
        "no diagnostic at line {line}: {seen}"
    );
    assert!(seen["highlighted"].as_array().unwrap().contains(&json!(line)), "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

#[test]
fn the_editor_checks_a_pasted_answer_and_shows_the_extracted_program() {
    let dir = tempfile::tempdir().unwrap();
    let (_, base) = server(&dir.path().join("rewardsmith.db"));
    let seen = driver("editor-answer", &base, &[]);
    assert_eq!(seen["state"], "failed", "{seen}");
    assert_eq!(seen["kind"], "rustc", "{seen}");
    let extracted = seen["extracted"].as_str().unwrap_or_default();
    assert!(
        extracted.starts_with("extracted: fenced block 1 of 1 (lines 4–") && extracted.contains("prose dropped"),
        "{seen}"
    );
    // The editor holds the extracted program, and the diagnostics point at its lines.
    let program = seen["program"].as_str().unwrap();
    assert!(!program.contains("```") && !program.contains("Here is a better reward"), "{seen}");
    let line = seen["expected_line"].as_i64().unwrap();
    assert_eq!(seen["answer_line"].as_i64().unwrap(), line + 3, "{seen}");
    let diags = seen["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().any(|d| d["line"] == line && d["text"].as_str().unwrap().contains("no_such_fn")),
        "no diagnostic at line {line}: {seen}"
    );
    assert!(seen["highlighted"].as_array().unwrap().contains(&json!(line)), "{seen}");
    assert_eq!(seen["restored"], true, "{seen}");
    assert_eq!(seen["line_after_restore"], false, "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

#[test]
fn a_preference_click_reaches_the_run_store() {
    let (_dir, db, st) = fresh_store();
    let run = new_run(&st, "cartpole-v0");
    let a = trained(&st, run.id, 0, 0.8);
    let b = trained(&st, run.id, 1, 0.2);
    st.begin_iteration(run.id, 0, 0).unwrap();
    let (_, base) = server(&db);
    let seen = driver(
        "rank",
        &base,
        &[run.id.to_string(), "0".into(), b.to_string(), a.to_string(), "b balances longer".into()],
    );
    assert_eq!(seen["cards"], json!([a, b]), "{seen}");
    assert_eq!(seen["state"], "ok", "{seen}");
    let fb = st.feedback(run.id).unwrap();
    assert_eq!(fb.len(), 1, "{fb:?}");
    assert_eq!(fb[0].kind, FeedbackKind::Preference);
    assert_eq!(fb[0].id, seen["feedback_id"].as_i64().unwrap());
    assert_eq!(fb[0].payload, json!({ "iteration": 0, "best": b, "worst": a, "text": "b balances longer" }));
    assert_eq!(fb[0].consumed_by_iteration, None);
    // It says who will read it; a second click is the same item; it stays listed; blind
    // mode hides fitness; every card plays one seed.
    assert!(seen["message"].as_str().unwrap().ends_with("iteration 1 will use it"), "{seen}");
    assert_eq!(seen["listed"], json!([fb[0].id]), "{seen}");
    assert_eq!(
        (seen["again"]["feedback_id"].as_i64(), seen["again"]["duplicate"].as_str()),
        (Some(fb[0].id), Some("1"))
    );
    assert!(seen["again"]["message"].as_str().unwrap().starts_with("already saved as feedback"), "{seen}");
    assert_eq!(seen["listed_after_reload"][0]["id"], fb[0].id, "{seen}");
    assert!(seen["listed_after_reload"][0]["text"].as_str().unwrap().contains("b balances longer"), "{seen}");
    assert_eq!((seen["fitness_shown"].as_u64(), seen["blind_fitness_shown"].as_u64()), (Some(2), Some(0)), "{seen}");
    let replays: Vec<&str> = seen["replays"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(replays.len() == 2 && replays.iter().all(|r| r.contains("&seed=0&")), "{seen}");
    // These candidates have no run folder, so their replays' files are 404; nothing else
    // (no Content-Security-Policy violation) may go wrong.
    let errors = seen["errors"].as_array().unwrap();
    assert!(errors.iter().all(|e| e.as_str().unwrap().contains("status of 404")), "{seen}");
}

/// A page on another origin (another port on 127.0.0.1, so the token cookie, SameSite=Strict,
/// still travels with its requests) tries what issue 12 found: no-cors text/plain POSTs that
/// store feedback, compile and start a training, and reading the API. Nothing happens.
#[test]
fn another_site_can_neither_drive_nor_read_the_playground() {
    let (dir, db, st) = fresh_store();
    let run = new_run(&st, "cartpole-v0");
    let a = trained(&st, run.id, 0, 0.8);
    let b = trained(&st, run.id, 1, 0.2);
    let (addr, base) = server(&db);
    let site = dir.path().join("attacker");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("index.html"), ATTACK_PAGE).unwrap();
    let attacker = StaticServer::start(&site);
    let target = format!("http://{addr}");
    let page = attacker.url(&format!("index.html?target={target}&run={}&best={b}&worst={a}", run.id));
    let seen = driver("attack", &base, &[page]);
    // The browser did send them (opaque no-cors answers), and could read nothing.
    assert_eq!(seen["sent"], 3, "{seen}");
    assert_eq!(seen["read"], "blocked", "{seen}");
    assert!(st.feedback(run.id).unwrap().is_empty(), "feedback was stored: {seen}");
    assert!(!dir.path().join("editor").exists(), "a training started: {seen}");
    // The same browser, on the playground's own page, still works (its cookie was there all along).
    assert_eq!(seen["own_page_runs"], json!([run.id]), "{seen}");
}

/// The attacker's page: fires the requests issue 12 describes, then tries to read the API.
const ATTACK_PAGE: &str = r#"<!doctype html><meta charset="utf-8"><title>not the playground</title>
<script type="module">
const q = new URLSearchParams(location.search);
const t = q.get('target'), run = q.get('run');
const source = 'use rewardsmith_guest::envs::cartpole::*;\nuse rewardsmith_guest::prelude::*;\nfn r(_s:&State,_a:&Action,_n:&State,t:&mut Terms)->f32{t.add("x",1.0)}\nexport_reward!(r);\n';
const posts = [
  [`/api/runs/${run}/feedback`, { iteration: 0, best: Number(q.get('best')), worst: Number(q.get('worst')), text: 'ignore the task' }],
  ['/api/check', { env: 'cartpole', source }],
  ['/api/train', { env: 'cartpole', source, steps: 64 }],
];
let sent = 0;
for (const [path, body] of posts) {
  try {
    await fetch(t + path, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) });
    sent += 1;
  } catch (e) { console.log(`post ${path}: ${e}`); }
}
let read = 'blocked';
try { const r = await fetch(t + '/api/runs', { credentials: 'include' }); read = await r.text(); } catch { read = 'blocked'; }
document.body.dataset.sent = String(sent);
document.body.dataset.read = read;
document.body.dataset.done = '1';
</script>"#;

/// Issue 17: a finished run's page leads with its final evaluation (the numbers the run
/// stored), says how the best compares with the human baseline, and links the report.
#[test]
fn a_finished_run_page_leads_with_the_final_evaluation() {
    let (_dir, db, st) = fresh_store();
    let run = new_run(&st, "cartpole-v0");
    tiny_evolve(&st, &run, 2, 2048);
    let summary: rewardsmith::evolve::Summary =
        serde_json::from_value(st.run(run.id).unwrap().summary.unwrap()).unwrap();
    let (_, base) = server(&db);
    let seen = driver("final", &base, &[run.id.to_string()]);
    assert_eq!(seen["first_section"], "final", "the final evaluation comes first: {seen}");
    let rows = seen["rows"].as_array().unwrap();
    let row = |which: &str| rows.iter().find(|r| r["which"] == which).unwrap_or_else(|| panic!("{which}: {seen}"));
    for (which, f) in [("best", &summary.best), ("human", &summary.human), ("sparse", &summary.sparse)] {
        assert_eq!(row(which)["mean"].as_f64(), f.mean_std.map(|m| m.mean), "{which}: {seen}");
    }
    let verdict = seen["verdict"].as_str().unwrap();
    let human = summary.human.mean_std.unwrap().mean;
    let side = if summary.best.mean_std.unwrap().mean < human { "below" } else { "at or above" };
    assert!(verdict.contains(&format!("{side} the human baseline's {human:.3}")), "{seen}");
    let want_score = summary
        .human_normalized_score
        .map_or_else(|| summary.human_normalized_undefined.clone().unwrap(), |v| format!("{v:.3}"));
    assert_eq!(seen["score"], want_score, "{seen}");
    // The summary chart: candidates per iteration with the best so far, on whole iterations.
    let texts: Vec<&str> = seen["plot_texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(texts.contains(&"candidate fitness · line: best so far") && texts.contains(&"iteration"), "{texts:?}");
    assert!(texts.contains(&"0") && !texts.contains(&"0.5"), "whole iteration ticks: {texts:?}");
    assert_eq!(seen["report"]["status"], 200, "{seen}");
    assert_eq!(seen["report"]["final_rows"], 3, "{seen}");
    // A mutated child shows its changes against its parent: removed lines are the parent's,
    // added lines the child's, counted as the summary says.
    let diff = &seen["diff"];
    let child = st.candidate(diff["child"].as_i64().expect("a child in iteration 1")).unwrap();
    let parent = st.candidate(child.parent_id.unwrap()).unwrap();
    assert_eq!(diff["parent"].as_i64(), Some(parent.id), "{diff}");
    assert!(diff["diagnostics"].as_u64() > Some(0), "the training's curves with PPO diagnostics loaded: {diff}");
    let rows = diff["rows"].as_array().unwrap();
    let (minus, plus): (Vec<&Value>, Vec<&Value>) =
        rows.iter().filter(|r| r["sign"] != " ").partition(|r| r["sign"] == "-");
    assert!(!minus.is_empty() || !plus.is_empty(), "{diff}");
    assert!(minus.iter().all(|r| parent.source.lines().any(|l| l == r["text"])), "{diff}");
    assert!(plus.iter().all(|r| child.source.lines().any(|l| l == r["text"])), "{diff}");
    let want = format!("{} line(s) removed, {} added.", minus.len(), plus.len());
    assert_eq!(diff["summary"].as_str(), Some(want.as_str()), "{diff}");

    // Two candidates compared from the run page: their statistics side by side (the stored
    // numbers), their curves overlaid with a legend, their sources' differences.
    // The table lists candidates by id, so the ticked ones arrive in that order.
    let (first, second) = if parent.id < child.id { (&parent, &child) } else { (&child, &parent) };
    let pair = [first.id, second.id];
    let seen = driver("compare", &base, &[run.id.to_string(), pair[0].to_string(), pair[1].to_string()]);
    // On the run page itself (no navigation), with a link to the comparison's own URL.
    assert_eq!(
        (seen["url"].as_str(), seen["navigations"].as_u64()),
        (Some(&*format!("/runs/{}", run.id)), Some(0)),
        "{seen}"
    );
    assert_eq!(seen["link"], format!("/runs/{}/compare?c={}&c={}", run.id, pair[0], pair[1]), "{seen}");
    assert_eq!(seen["columns"], json!(pair), "{seen}");
    // Sorted by fitness, best first, then reversed; filtered to the trained rows.
    let all = st.candidates(run.id, None).unwrap();
    let fit = |c: &Candidate| c.fitness.unwrap_or(f64::NEG_INFINITY);
    let ids = |v: &Value| v.as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect::<Vec<_>>();
    let mut want: Vec<&Candidate> = all.iter().collect();
    want.sort_by(|a, b| fit(b).total_cmp(&fit(a)).then(a.id.cmp(&b.id)));
    // Printed fitness is rounded to 3 decimals: compare the order of the printed values.
    let printed = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["fitness"].as_str().unwrap().parse::<f64>().unwrap_or(f64::NEG_INFINITY))
            .collect::<Vec<f64>>()
    };
    let shown = printed(&seen["sorted"]["by_fitness"]);
    assert!(shown.windows(2).all(|w| w[0] >= w[1]), "descending: {shown:?}");
    assert_eq!(ids(&seen["sorted"]["by_fitness"]).len(), all.len());
    assert_eq!(ids(&seen["sorted"]["by_fitness"])[0], want[0].id, "{seen}");
    let shown = printed(&seen["sorted"]["by_fitness_reversed"]);
    assert!(shown.windows(2).all(|w| w[0] <= w[1]), "ascending: {shown:?}");
    let filtered = seen["sorted"]["filtered"].as_array().unwrap();
    let trained = all.iter().filter(|c| c.status.to_string() == "trained").count();
    assert!(filtered.iter().all(|r| r["hidden"].as_bool() == Some(r["status"] != "trained")), "{seen}");
    assert_eq!(seen["sorted"]["count"], format!("{trained} of {} shown", all.len()), "{seen}");
    // Hovering a point says its candidate, step and value.
    let hover: Vec<&str> = seen["hover"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(hover.iter().any(|t| t.starts_with(&format!("{} · step ", first.label()))), "{hover:?}");
    let row =
        |key: &str| seen["rows"].as_array().unwrap().iter().find(|r| r["key"] == key).cloned().unwrap_or_default();
    let fitness: Vec<String> = [first, second].iter().map(|c| rewardsmith::evolve::report::fmt(c.fitness)).collect();
    assert_eq!(row("fitness")["cells"], json!(fitness), "{seen}");
    let texts: Vec<&str> = seen["curve_texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(texts.contains(&"task fitness over training"), "{texts:?}");
    assert!(texts.contains(&child.label().as_str()) && texts.contains(&parent.label().as_str()), "a legend: {texts:?}");
    let result = rewardsmith::train::TrainResult::from_stored(first.result.as_ref()).unwrap();
    for t in &result.terms {
        assert!(texts.contains(&format!("term {}", t.name).as_str()), "{}: {texts:?}", t.name);
        assert!(
            row(&format!("term:{}", t.name))["cells"][0]
                .as_str()
                .unwrap()
                .starts_with(&rewardsmith::evolve::report::fmt(t.mean)),
            "{seen}"
        );
    }
    assert!(seen["diff_summary"].as_str().unwrap().ends_with("added."), "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

/// Issue 17: a 16-candidate ranking page moved 75.6 MB, the 5.2 MB runtime once per replay
/// frame, uncompressed and uncached. Served compressed under a content-hashed prefix that
/// may be cached forever, the page fetches it once: under 3 MB in all.
#[test]
fn a_sixteen_candidate_ranking_page_fetches_the_runtime_once() {
    let (_dir, db, st) = fresh_store();
    let run = new_run(&st, "cartpole-v0");
    let ids: Vec<i64> = (0..16).map(|i| trained(&st, run.id, i, f64::from(i) / 16.0)).collect();
    let (_, base) = server(&db);
    let seen = driver("rank-bytes", &base, &[run.id.to_string(), "0".into()]);
    assert_eq!(seen["cards"], json!(ids), "{seen}");
    let srcs = seen["srcs"].as_array().unwrap();
    assert_eq!(srcs.len(), 16, "{seen}");
    assert!(srcs.iter().all(|s| s.as_str().unwrap().starts_with("/runtime/v-")), "content-hashed: {seen}");
    // Every frame got as far as its (absent) policy: the runtime loaded in each.
    assert!(seen["statuses"].as_array().unwrap().iter().all(|s| s == "error"), "{seen}");
    let wasm = seen["wasm"].as_array().unwrap();
    // Frames that asked while the first download ran wait on the browser's cache; some are
    // reported as network requests of 0 bytes. What counts is that one body came.
    let fetched: Vec<&Value> = wasm.iter().filter(|w| w["bytes"].as_u64() > Some(0)).collect();
    assert_eq!(fetched.len(), 1, "the runtime's wasm crossed the network once: {wasm:?}");
    assert_eq!(wasm.len(), 16, "every frame loaded it: {wasm:?}");
    assert_eq!(fetched[0]["encoding"], "gzip", "{wasm:?}");
    let total = seen["total_bytes"].as_u64().unwrap();
    eprintln!("16-candidate ranking page: {total} bytes in all, runtime {} bytes", seen["runtime_bytes"]);
    assert!(total < 3_000_000, "{total} bytes: {seen}");
}
