//! The run store against real SQLite files in temp folders: round trips for every table,
//! idempotent inserts (what resume relies on), WAL visibility across connections, a writer
//! killed with SIGKILL at a random moment, bad files, newer schemas, and no secrets stored.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rewardsmith::candidate::{Candidate, Key, Origin, Status};
use rewardsmith::store::{
    FeedbackKind, IterationStatus, LlmCallStatus, NewLlmCall, NewRun, Proposer, RunStatus, SCHEMA_VERSION, Store,
    Trained,
};
use serde_json::{Value, json};

fn db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("nested").join("runs").join("rewardsmith.db")
}

fn new_run(env: &str) -> NewRun {
    NewRun {
        env: env.into(),
        proposer: Proposer::Offline,
        model: None,
        config: json!({ "samples": 4, "iterations": 2 }),
    }
}

fn cand(run_id: i64, iteration: u32, sample: u32, origin: Origin, seed: u64) -> Candidate {
    let key = Key { iteration, attempt: 0, sample, origin, seed };
    Candidate {
        run_id,
        genome: Some(json!({ "terms": [sample] })),
        note: format!("note {sample}"),
        ..Candidate::new(key, format!("// reward {iteration}/{sample}\nfn helper() {{}}\n"))
    }
}

fn trained(fitness: f64) -> Trained {
    Trained {
        result: json!({ "env": "cartpole-v0", "late_fitness": { "mean": fitness, "std": 1.0, "n": 8 } }),
        fitness: Some(fitness),
        policy_path: Some("policy.safetensors".into()),
    }
}

fn llm_call(run_id: i64, key: &str, status: LlmCallStatus) -> NewLlmCall {
    NewLlmCall {
        run_id,
        iteration: 0,
        attempt: 0,
        request_key: key.into(),
        prompt: json!({ "model": "m", "messages": [{ "role": "user", "content": "write a reward" }], "n": 2 }),
        response: (status == LlmCallStatus::Ok).then(|| json!({ "choices": [], "usage": { "prompt_tokens": 10 } })),
        texts: (status == LlmCallStatus::Ok).then(|| vec!["```rust\nfn a() {}\n```".into(), "no code".into()]),
        prompt_tokens: Some(10),
        completion_tokens: Some(20),
        latency_ms: 1234,
        status,
        error_text: (status == LlmCallStatus::Error).then(|| "HTTP 500".into()),
    }
}

#[test]
fn runs_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(db(&dir)).unwrap();
    store.integrity_check().unwrap();
    let a = store.create_run(&new_run("cartpole-v0")).unwrap();
    let b =
        store.create_run(&NewRun { proposer: Proposer::Llm, model: Some("gpt-x".into()), ..new_run("a/b c") }).unwrap();
    assert_eq!(a.env, "cartpole-v0");
    assert_eq!(a.status, RunStatus::Running);
    assert_eq!(a.config, json!({ "samples": 4, "iterations": 2 }));
    assert!(a.artifact_dir.is_dir(), "{}", a.artifact_dir.display());
    assert!(a.artifact_dir.starts_with(store.root()));
    assert!(b.artifact_dir.is_dir() && b.artifact_dir != a.artifact_dir);
    assert!(!b.artifact_dir.file_name().unwrap().to_string_lossy().contains(['/', ' ']));
    assert_eq!(store.run(b.id).unwrap(), b);
    assert_eq!(store.runs().unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), vec![b.id, a.id], "newest first");

    let summary = json!({ "best": 3, "score": 0.5 });
    store.set_run_status(a.id, RunStatus::Completed, Some(&summary)).unwrap();
    store.set_run_status(a.id, RunStatus::Interrupted, None).unwrap();
    let a2 = store.run(a.id).unwrap();
    assert_eq!((a2.status, a2.summary), (RunStatus::Interrupted, Some(summary)), "None keeps the summary");
    assert_eq!(store.run(999).unwrap_err().kind(), "not_found");
    assert_eq!(store.set_run_status(999, RunStatus::Failed, None).unwrap_err().kind(), "not_found");

    // Rows serialise for `--json` output with the enums as their stored names.
    let v = serde_json::to_value(&b).unwrap();
    assert_eq!((v["proposer"].as_str(), v["status"].as_str()), (Some("llm"), Some("running")));
}

#[test]
fn iterations_and_candidates_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(db(&dir)).unwrap();
    let run = store.create_run(&new_run("pendulum-v0")).unwrap().id;

    let it = store.begin_iteration(run, 0, 0).unwrap();
    assert_eq!((it.status, it.finished_unix, it.best_candidate_id), (IterationStatus::Proposing, None, None));
    store.set_iteration_status(run, 0, 0, IterationStatus::Training).unwrap();

    let c0 = store.insert_candidate(&cand(run, 0, 0, Origin::Offline, 7)).unwrap();
    assert_eq!((c0.status, c0.key.sample, c0.key.seed), (Status::Proposed, 0, 7));
    assert_eq!(c0.genome, Some(json!({ "terms": [0] })));
    let c1 = store.insert_candidate(&Candidate { parent_id: Some(c0.id), ..cand(run, 0, 1, Origin::Offline, 7) });
    let c1 = c1.unwrap();
    let c2 = store.insert_candidate(&cand(run, 0, 2, Origin::Offline, u64::MAX)).unwrap();
    let human = store.insert_candidate(&cand(run, 0, 0, Origin::HumanBaseline, 7)).unwrap();
    let nan = store.insert_candidate(&cand(run, 0, 3, Origin::Offline, 7)).unwrap();
    assert_eq!((c1.parent_id, c1.note.as_str()), (Some(c0.id), "note 1"));
    assert_eq!(c2.key.seed, u64::MAX, "u64 seeds round-trip");

    store.set_candidate_compiled(c0.id, "ab12").unwrap();
    assert_eq!(store.candidate(c0.id).unwrap().status, Status::Compiled);
    store.set_candidate_trained(c0.id, &trained(40.0)).unwrap();
    store.set_candidate_trained(c1.id, &trained(75.5)).unwrap();
    store.set_candidate_failed(c2.id, Status::RewardError, "non_finite", "term `x` is NaN").unwrap();
    store.set_candidate_trained(human.id, &trained(500.0)).unwrap();
    store.set_candidate_trained(nan.id, &Trained { fitness: Some(f64::NAN), ..trained(0.0) }).unwrap();
    assert_eq!(store.set_candidate_failed(c2.id, Status::Trained, "x", "y").unwrap_err().kind(), "not_a_failure");
    assert_eq!(store.set_candidate_compiled(12345, "00").unwrap_err().kind(), "not_found");

    let c0 = store.candidate(c0.id).unwrap();
    assert_eq!(c0.status, Status::Trained);
    assert_eq!(c0.module_sha256.as_deref(), Some("ab12"));
    assert_eq!(c0.fitness, Some(40.0));
    assert_eq!(c0.result.as_ref().unwrap()["late_fitness"]["mean"], json!(40.0));
    assert_eq!(c0.run_dir.as_deref(), Some(Path::new("policy.safetensors")));
    assert!(c0.finished_unix.is_some());
    let c2 = store.candidate(c2.id).unwrap();
    assert_eq!((c2.status, c2.error_kind.as_deref()), (Status::RewardError, Some("non_finite")));
    assert_eq!(c2.error_text.as_deref(), Some("term `x` is NaN"));
    // A non-finite fitness is stored as NULL; a trained NULL reads back as −∞ (one meaning
    // with the loop's: trained, ranked last).
    assert_eq!(store.candidate(nan.id).unwrap().fitness, Some(f64::NEG_INFINITY));

    // Best: highest late fitness among proposed rewards; the baseline's 500 does not count.
    assert_eq!(store.best_candidate(run).unwrap().map(|(c, _)| c.id), Some(c1.id));

    store.finish_iteration(run, 0, 0, IterationStatus::Done, Some(c1.id)).unwrap();
    store.begin_iteration(run, 1, 0).unwrap();
    store.finish_iteration(run, 1, 0, IterationStatus::AllFailed, None).unwrap();
    store.begin_iteration(run, 1, 1).unwrap();
    let its = store.iterations(run).unwrap();
    let keys: Vec<_> = its.iter().map(|i| (i.idx, i.attempt, i.status)).collect();
    assert_eq!(
        keys,
        vec![(0, 0, IterationStatus::Done), (1, 0, IterationStatus::AllFailed), (1, 1, IterationStatus::Proposing)]
    );
    assert_eq!(its[0].best_candidate_id, Some(c1.id));
    assert!(its[0].finished_unix.is_some() && its[2].finished_unix.is_none());

    let late = store.insert_candidate(&cand(run, 1, 0, Origin::Offline, 7)).unwrap();
    store.set_candidate_trained(late.id, &trained(75.5)).unwrap();
    assert_eq!(store.best_candidate(run).unwrap().unwrap().0.id, c1.id, "ties keep the earlier candidate");
    assert_eq!(store.candidates(run, Some(1)).unwrap().len(), 1);
    assert_eq!(store.candidates(run, Some(0)).unwrap().len(), 5);
    assert_eq!(store.candidates(run, None).unwrap().len(), 6);
    assert!(store.candidates(run + 1, None).unwrap().is_empty());
    assert_eq!(store.insert_candidate(&cand(999, 0, 0, Origin::Offline, 1)).unwrap_err().kind(), "not_found");
}

#[test]
fn llm_calls_and_feedback_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(db(&dir)).unwrap();
    let run = store.create_run(&new_run("reacher-v0")).unwrap().id;

    assert_eq!(store.llm_call(run, "k1").unwrap(), None);
    let ok = store.record_llm_call(&llm_call(run, "k1", LlmCallStatus::Ok)).unwrap();
    assert_eq!(store.llm_call(run, "k1").unwrap().as_ref(), Some(&ok));
    assert_eq!(ok.texts.as_ref().unwrap().len(), 2);
    assert_eq!((ok.prompt_tokens, ok.completion_tokens, ok.latency_ms), (Some(10), Some(20), 1234));
    assert_eq!(ok.prompt["n"], json!(2));
    let err = store.record_llm_call(&llm_call(run, "k2", LlmCallStatus::Error)).unwrap();
    assert_eq!(
        (err.status, err.response.clone(), err.error_text.as_deref()),
        (LlmCallStatus::Error, None, Some("HTTP 500"))
    );
    assert_eq!(store.llm_calls(run).unwrap(), vec![ok, err]);

    let text = store.add_feedback(run, 0, FeedbackKind::Text, &json!({ "text": "keep the pole up" })).unwrap();
    let pref = store.add_feedback(run, 0, FeedbackKind::Preference, &json!({ "best": [3], "worst": [1, 2] })).unwrap();
    assert_eq!(text.consumed_by_iteration, None);
    assert_eq!(pref.payload["worst"], json!([1, 2]));
    assert_eq!(store.pending_feedback(run).unwrap(), vec![text.clone(), pref.clone()]);
    assert_eq!(store.mark_feedback_consumed(&[text.id], 1).unwrap(), 1);
    assert_eq!(store.pending_feedback(run).unwrap(), vec![pref.clone()]);
    assert_eq!(store.mark_feedback_consumed(&[text.id, pref.id], 2).unwrap(), 1, "first consumer wins");
    assert!(store.pending_feedback(run).unwrap().is_empty());
    let all = store.feedback(run).unwrap();
    assert_eq!(all.iter().map(|f| f.consumed_by_iteration).collect::<Vec<_>>(), vec![Some(1), Some(2)]);
    assert_eq!(all[1].kind, FeedbackKind::Preference);
}

#[test]
fn unique_keys_make_inserts_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(db(&dir)).unwrap();
    let run = store.create_run(&new_run("cartpole-v0")).unwrap().id;

    let it = store.begin_iteration(run, 0, 0).unwrap();
    store.set_iteration_status(run, 0, 0, IterationStatus::Training).unwrap();
    let again = store.begin_iteration(run, 0, 0).unwrap();
    assert_eq!((again.started_unix, again.status), (it.started_unix, IterationStatus::Training));
    assert_eq!(store.iterations(run).unwrap().len(), 1);

    let first = store.insert_candidate(&cand(run, 0, 0, Origin::Offline, 1)).unwrap();
    store.set_candidate_trained(first.id, &trained(9.0)).unwrap();
    let replay = store.insert_candidate(&Candidate { source: "changed".into(), ..cand(run, 0, 0, Origin::Offline, 1) });
    let replay = replay.unwrap();
    assert_eq!(replay.id, first.id);
    assert_eq!(replay.status, Status::Trained, "a resumed run sees the candidate is done");
    assert_eq!(replay.source, first.source, "the stored row wins");
    // Any key part differing makes a new candidate.
    let others = [
        cand(run, 0, 0, Origin::Offline, 2),
        cand(run, 0, 1, Origin::Offline, 1),
        cand(run, 1, 0, Origin::Offline, 1),
        cand(run, 0, 0, Origin::Final, 1),
        {
            let mut c = cand(run, 0, 0, Origin::Offline, 1);
            c.key.attempt = 1;
            c
        },
    ];
    for c in &others {
        assert_ne!(store.insert_candidate(c).unwrap().id, first.id, "{c:?}");
    }
    assert_eq!(store.candidates(run, None).unwrap().len(), 1 + others.len());

    // An answered LLM call is never overwritten; a stored error is replaced by the retry.
    let ok = store.record_llm_call(&llm_call(run, "a", LlmCallStatus::Ok)).unwrap();
    let again = store.record_llm_call(&NewLlmCall { latency_ms: 1, ..llm_call(run, "a", LlmCallStatus::Error) });
    assert_eq!(again.unwrap(), ok);
    let err = store.record_llm_call(&llm_call(run, "b", LlmCallStatus::Error)).unwrap();
    let retried = store.record_llm_call(&llm_call(run, "b", LlmCallStatus::Ok)).unwrap();
    assert_eq!((retried.id, retried.status), (err.id, LlmCallStatus::Ok));
    assert_eq!(store.llm_calls(run).unwrap().len(), 2);
    // Keys are per run.
    let run2 = store.create_run(&new_run("cartpole-v0")).unwrap().id;
    assert_ne!(store.record_llm_call(&llm_call(run2, "a", LlmCallStatus::Ok)).unwrap().id, ok.id);
}

#[test]
fn second_connection_sees_committed_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let writer = Store::open(&path).unwrap();
    let reader = Store::open(&path).unwrap();
    let run = writer.create_run(&new_run("cartpole-v0")).unwrap();
    let c = writer.insert_candidate(&cand(run.id, 0, 0, Origin::Offline, 3)).unwrap();
    writer.set_candidate_trained(c.id, &trained(12.0)).unwrap();
    assert_eq!(reader.run(run.id).unwrap(), run);
    assert_eq!(reader.best_candidate(run.id).unwrap().unwrap().0.fitness, Some(12.0));
    assert!(path.with_extension("db-wal").is_file(), "journal mode is WAL");
    // And the other way round, while the first stays open.
    reader.set_run_status(run.id, RunStatus::Completed, None).unwrap();
    assert_eq!(writer.run(run.id).unwrap().status, RunStatus::Completed);
}

#[test]
fn store_is_shared_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(db(&dir)).unwrap();
    let run = store.create_run(&new_run("cartpole-v0")).unwrap().id;
    std::thread::scope(|s| {
        for t in 0..4u32 {
            let store = &store;
            s.spawn(move || {
                for i in 0..10 {
                    let c = store.insert_candidate(&cand(run, 0, t * 10 + i, Origin::Offline, 0)).unwrap();
                    store.set_candidate_trained(c.id, &trained(f64::from(t * 10 + i))).unwrap();
                }
            });
        }
    });
    let all = store.candidates(run, None).unwrap();
    assert_eq!(all.len(), 40);
    assert!(all.iter().all(|c| c.status == Status::Trained));
    assert_eq!(store.best_candidate(run).unwrap().unwrap().0.fitness, Some(39.0));
}

#[test]
fn dropped_without_closing_keeps_committed_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let store = Store::open(&path).unwrap();
    let run = store.create_run(&new_run("cartpole-v0")).unwrap().id;
    let c = store.insert_candidate(&cand(run, 0, 0, Origin::Offline, 1)).unwrap();
    store.set_candidate_trained(c.id, &trained(5.0)).unwrap();
    // Leak the connection: no checkpoint, no close, the WAL stays behind (as after a crash).
    std::mem::forget(store);
    let store = Store::open(&path).unwrap();
    store.integrity_check().unwrap();
    assert_eq!(store.candidate(c.id).unwrap().fitness, Some(5.0));
}

const CHILD_ENV: &str = "REWARDSMITH_STORE_CHILD_DB";

/// Not a test on its own: the writer process that `killed_writer_leaves_consistent_store`
/// kills with SIGKILL. Each candidate is three transactions; it writes until killed.
#[test]
#[ignore = "helper process for killed_writer_leaves_consistent_store"]
fn child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else { return };
    let store = Store::open(&path).unwrap();
    let run = store.runs().unwrap()[0].id;
    for sample in 0.. {
        let c = store.insert_candidate(&cand(run, 0, sample, Origin::Offline, 1)).unwrap();
        store.set_candidate_compiled(c.id, "beef").unwrap();
        store.set_candidate_trained(c.id, &trained(f64::from(sample))).unwrap();
        store.record_llm_call(&llm_call(run, &format!("k{sample}"), LlmCallStatus::Ok)).unwrap();
    }
}

#[test]
fn killed_writer_leaves_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let store = Store::open(&path).unwrap();
    let run = store.create_run(&new_run("cartpole-v0")).unwrap().id;
    let exe = std::env::current_exe().unwrap();
    let test_name = format!("{}::child_writer", module_path!().split_once("::").map_or("store", |(_, m)| m));
    for round in 0..3u64 {
        let mut child = Command::new(&exe)
            .args(["--exact", &test_name, "--ignored", "--test-threads=1"])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until it has written something (read concurrently, through WAL), then kill it
        // at a moment that varies by round, most likely mid-transaction.
        let start = Instant::now();
        let before = store.candidates(run, None).unwrap().len();
        while store.candidates(run, None).unwrap().len() < before + 5 {
            assert!(start.elapsed() < Duration::from_secs(60), "child wrote nothing (run `{test_name}` by hand)");
            assert!(child.try_wait().unwrap().is_none(), "child exited early (run `{test_name}` by hand)");
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(7 * round + 3));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let reopened = Store::open(&path).unwrap();
        reopened.integrity_check().unwrap();
        let cands = reopened.candidates(run, Some(0)).unwrap();
        let samples: Vec<u32> = cands.iter().map(|c| c.key.sample).collect();
        assert_eq!(samples, (0..cands.len() as u32).collect::<Vec<_>>(), "no gaps, no duplicates");
        let last = cands.last().unwrap();
        for c in &cands[..cands.len() - 1] {
            assert_eq!(c.status, Status::Trained, "{c:?}");
            assert_eq!((c.fitness, c.module_sha256.as_deref()), (Some(f64::from(c.key.sample)), Some("beef")));
            assert!(c.result.is_some() && c.finished_unix.is_some());
        }
        match last.status {
            Status::Proposed => assert!(last.module_sha256.is_none() && last.result.is_none()),
            Status::Compiled => assert!(last.module_sha256.is_some() && last.result.is_none()),
            Status::Trained => assert!(last.result.is_some() && last.fitness.is_some()),
            other => panic!("unexpected status {other}"),
        }
        // Each LLM call is whole, and exists only after its candidate was trained.
        let calls = reopened.llm_calls(run).unwrap();
        let trained_count = cands.iter().filter(|c| c.status == Status::Trained).count();
        assert!(calls.len() == trained_count || calls.len() + 1 == trained_count, "{} {trained_count}", calls.len());
        assert!(calls.iter().all(|c| c.status == LlmCallStatus::Ok && c.texts.as_ref().is_some_and(|t| t.len() == 2)));
        // Resuming: the last candidate is found again, not duplicated.
        let again = reopened.insert_candidate(&cand(run, 0, last.key.sample, Origin::Offline, 1)).unwrap();
        assert_eq!(again.id, last.id);
    }
}

#[test]
fn not_sqlite_file_is_a_typed_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    let bytes = "these are my notes, not a database\n".repeat(200).into_bytes();
    std::fs::write(&path, &bytes).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert_eq!(e.kind(), "not_a_database", "{e}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file is left untouched");

    let missing = dir.path().join("none.db");
    let e = Store::open_existing(&missing).unwrap_err();
    assert_eq!(e.kind(), "store_missing");
    assert!(e.to_string().contains("none.db") && !missing.exists(), "{e}");
}

#[test]
fn damaged_store_is_reported_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    {
        let store = Store::open(&path).unwrap();
        let run = store.create_run(&new_run("cartpole-v0")).unwrap().id;
        for i in 0..200 {
            store.insert_candidate(&cand(run, 0, i, Origin::Offline, 1)).unwrap();
        }
    } // closed: the WAL is checkpointed into the main file
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 16 * 4096);
    for b in &mut bytes[4096 + 100..12 * 4096] {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    let e = Store::open(&path).and_then(|s| s.integrity_check().and_then(|()| s.candidates(1, None).map(drop)));
    let e = e.unwrap_err();
    assert_eq!(e.kind(), "store_corrupt", "{e}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
}

/// The store's best follows the loop's selection rule (issue 14, item 7): once rechecks
/// exist, a candidate's mean over its seeds decides, and a lucky single seed without
/// rechecks cannot be the best.
#[test]
fn the_best_candidate_is_chosen_on_the_mean_over_its_rechecks() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(db(&dir)).unwrap();
    let run = store.create_run(&new_run("reacher-v0")).unwrap().id;
    let add = |sample: u32, origin: Origin, seed: u64, fitness: f64| {
        let c = store.insert_candidate(&cand(run, 0, sample, origin, seed)).unwrap();
        store.set_candidate_trained(c.id, &trained(fitness)).unwrap();
        c.id
    };
    let lucky = add(0, Origin::Offline, 0, 0.99);
    let steady = add(1, Origin::Offline, 0, 0.95);
    let unchecked = add(2, Origin::Offline, 0, 0.97);
    assert_eq!(store.best_candidate(run).unwrap().unwrap().0.id, lucky, "one seed each: the highest");
    add(0, Origin::Recheck, 1, 0.80);
    add(0, Origin::Recheck, 2, 0.84);
    add(1, Origin::Recheck, 1, 0.94);
    add(1, Origin::Recheck, 2, 0.96);
    let (best, selection) = store.best_candidate(run).unwrap().unwrap();
    assert_eq!(best.id, steady);
    assert_ne!(best.id, unchecked);
    assert_eq!(selection.seeds, 3);
    assert!((selection.mean - 0.95).abs() < 1e-12, "{selection:?}");
    // A recheck that fails counts as −∞ for its candidate.
    let broken = store.insert_candidate(&cand(run, 0, 1, Origin::Recheck, 3)).unwrap();
    store.set_candidate_failed(broken.id, Status::RewardError, "panicked", "boom").unwrap();
    assert_eq!(store.best_candidate(run).unwrap().unwrap().0.id, lucky);
}

/// Issue 13: run folders were `<folder>/run-0001-<env>` for every store, so two stores in
/// one folder wrote into each other's candidate folders and reports. Each store now names
/// its own (`<file name>.runs/`).
#[test]
fn two_stores_in_one_folder_keep_their_run_folders_apart() {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::open(dir.path().join("a.db")).unwrap();
    let b = Store::open(dir.path().join("b.db")).unwrap();
    let (ra, rb) = (a.create_run(&new_run("cartpole-v0")).unwrap(), b.create_run(&new_run("cartpole-v0")).unwrap());
    assert_eq!((ra.id, rb.id), (1, 1), "both stores number their first run 1");
    assert_ne!(ra.artifact_dir, rb.artifact_dir);
    assert_eq!(ra.artifact_dir, dir.path().join("a.db.runs").join("run-0001-cartpole-v0"));
    assert!(ra.artifact_dir.is_dir() && rb.artifact_dir.is_dir());
    std::fs::write(ra.artifact_dir.join("report.md"), "a's report").unwrap();
    assert!(!rb.artifact_dir.join("report.md").exists());
    // Reopened, each store finds its run where it put it.
    drop(a);
    assert_eq!(Store::open(dir.path().join("a.db")).unwrap().run(1).unwrap().artifact_dir, ra.artifact_dir);
}

/// Writes `PRAGMA user_version` into a closed database file's header (bytes 60..64, big-endian).
fn set_user_version(path: &Path, version: u32) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[60..64].copy_from_slice(&version.to_be_bytes());
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    drop(Store::open(&path).unwrap());
    assert!(!path.with_extension("db-wal").exists(), "closed cleanly");
    set_user_version(&path, 99);
    let e = Store::open(&path).unwrap_err();
    assert_eq!(e.kind(), "newer_schema", "{e}");
    let text = e.to_string();
    assert!(text.contains("99") && text.contains(&SCHEMA_VERSION.to_string()) && text.contains("upgrade"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    // The current version opens (the refusal is not a generic failure).
    set_user_version(&path, SCHEMA_VERSION as u32);
    Store::open(&path).unwrap();
}

/// True for member names that could hold a credential (an independent list from the store's).
fn looks_like_key(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.contains("key") || n.contains("auth") || n.contains("secret") || n.contains("token") || n.contains("bearer"))
        && !n.ends_with("_tokens")
}

fn key_named_fields(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if looks_like_key(k) {
                    out.push(k.clone());
                }
                key_named_fields(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| key_named_fields(v, out)),
        _ => {}
    }
}

#[test]
fn llm_call_json_never_contains_a_key() {
    const SECRET: &str = "sk-test-0123456789SECRET";
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let store = Store::open(&path).unwrap();
    let run = store.create_run(&new_run("cartpole-v0")).unwrap().id;
    let mut call = llm_call(run, "k", LlmCallStatus::Ok);
    call.prompt = json!({
        "model": "m",
        "api_key": SECRET,
        "headers": { "Authorization": format!("Bearer {SECRET}"), "X-Api-Key": SECRET, "Accept": "json" },
        "messages": [{ "role": "user", "content": "hello", "openai_api_key": SECRET }],
        "max_tokens": 100
    });
    call.response = Some(json!({
        "choices": [{ "message": { "content": "ok" } }],
        "echo": { "authorization": format!("Bearer {SECRET}"), "access_token": SECRET },
        "usage": { "prompt_tokens": 1, "completion_tokens": 2 }
    }));
    call.error_text = Some(format!("server said: bad header Bearer {SECRET}"));
    let row = store.record_llm_call(&call).unwrap();
    let mut found = Vec::new();
    key_named_fields(&row.prompt, &mut found);
    key_named_fields(row.response.as_ref().unwrap(), &mut found);
    assert!(found.is_empty(), "key-like fields stored: {found:?}");
    assert_eq!(row.prompt["max_tokens"], json!(100));
    assert_eq!(row.prompt["headers"], json!({ "Accept": "json" }));
    assert_eq!(row.response.as_ref().unwrap()["usage"]["completion_tokens"], json!(2));
    assert!(!row.error_text.as_deref().unwrap().contains(SECRET));
    drop(store);
    // Nowhere in the files either.
    for file in [path.clone(), path.with_extension("db-wal")] {
        if let Ok(bytes) = std::fs::read(&file) {
            assert!(!bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()), "{} holds the key", file.display());
        }
    }
}
