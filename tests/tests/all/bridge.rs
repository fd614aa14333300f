//! The bridge executor (how the CLI reaches Ray): a bridge that fails to start, speaks
//! something other than the protocol, or dies mid-batch is a typed error that says so and
//! points at its log; one that speaks the protocol trains jobs whose outcomes land in the
//! run folder. The Ray bridge itself is tested on a real cluster (python/tests/test_ray.py).

use std::process::Command;
use std::time::Duration;

use rewardsmith::evolve::{BridgeError, BridgeExecutor, EvolveError, Executor, Status, TrainJob, TrainOutcome};
use rewardsmith::train::TrainConfig;

fn sh(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", script]);
    c
}

fn start(script: &str, dir: &std::path::Path) -> Result<BridgeExecutor, BridgeError> {
    let mut bridge =
        BridgeExecutor::start("test", sh(script), &dir.join("executor.log"), None, Duration::from_secs(20))?;
    bridge.land_in(dir);
    Ok(bridge)
}

fn job(id: i64) -> TrainJob {
    TrainJob {
        candidate_id: id,
        source: String::new(),
        wasm: vec![0, 97, 115, 109],
        config: TrainConfig::new("cartpole"),
        schema: None,
        compiler_isolation: None,
    }
}

#[test]
fn a_bridge_that_cannot_start_says_why_and_where_its_log_is() {
    let dir = tempfile::tempdir().unwrap();
    let e = BridgeExecutor::start(
        "test",
        Command::new("/no/such/bridge"),
        &dir.path().join("log"),
        None,
        Duration::from_secs(5),
    )
    .unwrap_err();
    assert!(matches!(e, BridgeError::Spawn { .. }), "{e:?}");
    assert_eq!(e.kind(), "executor");

    let e = start("echo 'ModuleNotFoundError: No module named ray' >&2; exit 3", dir.path()).unwrap_err();
    let BridgeError::Handshake { reason, log, .. } = &e else { panic!("{e:?}") };
    assert!(reason.contains("exit status: 3") && reason.contains("No module named ray"), "{reason}");
    assert_eq!(log, &dir.path().join("executor.log"));

    let e = start(r#"echo '{"error": "cannot reach Ray at 10.0.0.9:6379"}'"#, dir.path()).unwrap_err();
    assert!(e.to_string().contains("cannot reach Ray at 10.0.0.9:6379"), "{e}");

    let e = BridgeExecutor::start("test", sh("sleep 30"), &dir.path().join("log"), None, Duration::from_millis(300))
        .unwrap_err();
    assert!(e.to_string().contains("no `ready` line"), "{e}");
}

#[test]
fn a_bridge_that_breaks_the_protocol_or_dies_stops_the_run_with_an_executor_error() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("echo 'not json'", "not protocol JSON"),
        (r#"echo '{"weird": 1}'"#, "not protocol JSON"),
        (r#"echo '{"ready": null}'"#, "neither an outcome nor an error"),
        (r#"echo '{"error": "a candidate task was lost: NodeDiedError"}'"#, "NodeDiedError"),
        ("exit 0", "the bridge exited"),
    ];
    for (reply, expect) in cases {
        let script = format!(r#"echo '{{"ready": {{"nodes": 2}}}}'; read line; {reply}; cat >/dev/null"#);
        let bridge = start(&script, dir.path()).unwrap();
        assert_eq!(bridge.ready, serde_json::json!({ "nodes": 2 }));
        let mut got = Vec::new();
        let e = bridge
            .run(vec![job(1), job(2)], &mut |o| {
                got.push(o);
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(&e, EvolveError::Executor(m) if m.contains(expect)), "{reply}: {e}");
        assert_eq!(e.kind(), "executor");
        assert!(got.is_empty());
    }
}

#[test]
fn outcomes_come_back_in_any_order_and_land_in_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    // A bridge that "trains" each job by answering with a packed outcome, the last job first.
    let files = r#"[{"name": "metrics.jsonl", "bytes": "e30K"}]"#;
    let outcome = |id: i64| {
        format!(
            r#"{{"outcome": {{"candidate_id": {id}, "status": "trained", "fitness": 0.5, "result": null, "error_kind": null, "error_text": null, "run_dir": null, "files": {files}}}}}"#
        )
    };
    let script =
        format!("echo '{{\"ready\": {{}}}}'; read line; echo '{}'; echo '{}'; read never", outcome(2), outcome(1));
    let bridge = start(&script, dir.path()).unwrap();
    let mut got: Vec<TrainOutcome> = Vec::new();
    bridge
        .run(vec![job(1), job(2)], &mut |o| {
            got.push(o);
            Ok(())
        })
        .unwrap();
    assert_eq!(got.iter().map(|o| o.candidate_id).collect::<Vec<_>>(), [2, 1]);
    for o in &got {
        assert_eq!((o.status, o.fitness), (Status::Trained, Some(0.5)));
        let landed = dir.path().join(format!("c{}", o.candidate_id));
        assert_eq!(o.run_dir.as_deref(), Some(landed.as_path()));
        assert_eq!(std::fs::read_to_string(landed.join("metrics.jsonl")).unwrap(), "{}\n");
    }
    // Dropping it closes its stdin: the bridge exits (`read never` returns).
    drop(bridge);
}
