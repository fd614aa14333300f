//! `rewardsmith evolve` as a user runs it: killed with SIGKILL mid-run, then resumed —
//! nothing finished is redone, nothing is lost, and the run completes with its report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rewardsmith::candidate::{Origin, Status};
use rewardsmith::store::{RunStatus, Store};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rewardsmith() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rewardsmith"));
    c.current_dir(root())
        .env("REWARDSMITH_CACHE", root().join("target/rewardsmith-test-cache"))
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL");
    c
}

fn run(args: &[&str]) -> Output {
    rewardsmith().args(args).output().expect("runs")
}

fn trained(store: &Path) -> Vec<(i64, String, Option<i64>)> {
    let Ok(st) = Store::open_existing(store) else { return Vec::new() };
    st.candidates(1, None)
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.status == Status::Trained)
        .map(|c| (c.id, c.result.map(|r| r.to_string()).unwrap_or_default(), c.finished_unix))
        .collect()
}

#[test]
fn a_killed_run_resumes_without_redoing_or_losing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("runs.db");
    let store_s = store.to_str().unwrap();
    let log = dir.path().join("evolve.stderr");
    let mut child = rewardsmith()
        .args([
            "evolve",
            "--env",
            "cartpole",
            "--proposer",
            "offline",
            "--iterations",
            "2",
            "--samples",
            "4",
            "--steps",
            "16384",
            "--final-seeds",
            "1",
            "--threads",
            "2",
            "--store",
            store_s,
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL: no chance to clean up) once a few candidates have finished.
    let start = Instant::now();
    while trained(&store).len() < 3 {
        if let Some(status) = child.try_wait().unwrap() {
            let stderr = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("evolve ended ({status}) before it could be killed:\n{stderr}");
        }
        assert!(start.elapsed() < Duration::from_secs(300), "no candidate finished in 5 minutes");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = trained(&store);
    let st = Store::open_existing(&store).unwrap();
    assert_eq!(st.run(1).unwrap().status, RunStatus::Running, "a killed run still says running");
    drop(st);

    let out = run(&["evolve", "--resume", "1", "--store", store_s, "--json"]);
    assert!(out.status.success(), "resume failed: {}", String::from_utf8_lossy(&out.stdout));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["run_id"], 1);

    let st = Store::open_existing(&store).unwrap();
    assert_eq!(st.run(1).unwrap().status, RunStatus::Completed);
    let after = st.candidates(1, None).unwrap();
    // Everything trained before the kill is still there, untouched (same result, same finish time).
    for (id, result, finished) in &before {
        let c = after.iter().find(|c| c.id == *id).expect("a trained candidate vanished");
        assert_eq!(c.status, Status::Trained);
        assert_eq!(&c.result.as_ref().map(|r| r.to_string()).unwrap_or_default(), result, "candidate {id} retrained");
        assert_eq!(&c.finished_unix, finished, "candidate {id} retrained");
    }
    // Exactly 2 × 4 search candidates, each key once, all final; plus the final evaluation.
    let search: Vec<_> = after.iter().filter(|c| c.key.origin == Origin::Offline).collect();
    assert_eq!(search.len(), 8);
    let mut keys: Vec<_> = search.iter().map(|c| (c.key.iteration, c.key.attempt, c.key.sample)).collect();
    keys.dedup();
    assert_eq!(keys.len(), 8);
    assert!(search.iter().all(|c| c.status.is_final()));
    for origin in [Origin::HumanBaseline, Origin::SparseBaseline, Origin::Final] {
        assert_eq!(after.iter().filter(|c| c.key.origin == origin).count(), 1, "{origin:?}");
    }
    // The default rechecks (issue 14): each iteration's 2 leaders on 2 more seeds, once each
    // across the kill, all trained, and the best is selected on the mean of its 3 seeds.
    let rechecks: Vec<_> = after.iter().filter(|c| c.key.origin == Origin::Recheck).collect();
    let mut keys: Vec<_> = rechecks.iter().map(|c| (c.key.iteration, c.key.sample, c.key.seed)).collect();
    keys.sort();
    keys.dedup();
    assert_eq!((rechecks.len(), keys.len()), (8, 8), "{keys:?}");
    assert!(rechecks.iter().all(|c| c.status == Status::Trained && [1, 2].contains(&c.key.seed)));
    assert_eq!(summary["summary"]["best_fitness_seeds"], 3, "{summary}");
    // Lineage (issue 13): every recheck points at the candidate it repeats, the final
    // retrain at the best, mutated children at an earlier candidate; notes are kept.
    let by_id = |id: i64| after.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no candidate {id}"));
    for r in &rechecks {
        let p = by_id(r.parent_id.expect("a recheck has a parent"));
        assert_eq!(
            (p.key.origin, p.key.iteration, p.key.sample, &p.source),
            (Origin::Offline, r.key.iteration, r.key.sample, &r.source)
        );
    }
    let fin = after.iter().find(|c| c.key.origin == Origin::Final).unwrap();
    assert_eq!(fin.parent_id, summary["summary"]["best_id"].as_i64());
    let children: Vec<_> = search.iter().filter(|c| c.key.iteration == 1 && c.parent_id.is_some()).collect();
    assert!(!children.is_empty(), "no iteration-1 candidate records its parent");
    assert!(children.iter().all(|c| by_id(c.parent_id.unwrap()).key.iteration == 0));
    assert!(search.iter().all(|c| !c.note.is_empty()), "a proposer note was lost");
    assert_eq!(summary["summary"]["rechecks"], 8, "{summary}");
    let report = PathBuf::from(summary["report"].as_str().unwrap());
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("Human-normalised score") && html.contains("<svg"), "report lacks its parts");

    // runs / runs show / report read the same store.
    let out = run(&["runs", "--store", store_s, "--json"]);
    assert!(out.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["best_candidate_id"], summary["summary"]["best_id"], "{listed}");
    assert_eq!(listed[0]["best_fitness"], summary["summary"]["best_fitness"], "{listed}");
    assert_eq!((listed[0]["best_fitness_seeds"].as_u64(), listed[0]["iterations"].as_u64()), (Some(3), Some(2)));
    let out = run(&["runs", "show", "1", "--store", store_s, "--json"]);
    assert!(out.status.success());
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(shown.to_string().contains("cartpole-v0"));
    let out = run(&["runs", "show", "1", "--store", store_s]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("from #{}", children[0].parent_id.unwrap())), "{text}");
    let report_dir = dir.path().join("rep");
    let out = run(&["report", "1", "--store", store_s, "--out", report_dir.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(report_dir.join("report.html").is_file() && report_dir.join("report.md").is_file());
    let out = run(&["evolve", "--resume", "7", "--store", store_s, "--json"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_ray_executor_flags_fail_clearly_without_a_cluster_and_create_no_half_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("runs.db");
    let store = store.to_str().unwrap();
    let base = ["evolve", "--env", "cartpole", "--proposer", "offline", "--store", store, "--json"];

    let out = run(&[&base[..], &["--ray-address", "127.0.0.1:6379"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["error"]["kind"], "config", "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("--executor ray"), "{err}");

    let out = run(&[&base[..], &["--executor", "ray", "--ray-python", "/no/such/python"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["error"]["kind"], "executor", "{err}");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("/no/such/python") && message.contains("--ray-python"), "{message}");

    // A Python without the bridge's modules: the handshake fails and says what it printed.
    let out = run(&[&base[..], &["--executor", "ray", "--ray-python", "sh"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["error"]["kind"], "executor", "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("executor.log"), "{err}");
    assert!(dir.path().join("executor.log").exists());
    // None of these left a run behind.
    let out = run(&["runs", "--store", store, "--json"]);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(), serde_json::json!([]));
}
