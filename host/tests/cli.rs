//! The `rewardsmith` binary as a user runs it: exit codes, text and `--json` output.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rewardsmith(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rewardsmith"))
        .args(args)
        .current_dir(root())
        .env("REWARDSMITH_CACHE", root().join("target/rewardsmith-test-cache"))
        .output()
        .expect("runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn help_lists_the_commands() {
    let out = rewardsmith(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("check") && text.contains("Compile a reward"), "{text}");
    let out = rewardsmith(&["check", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--env") && text.contains("--json") && text.contains("Example:"), "{text}");
}

#[test]
fn check_passes_an_example_and_prints_its_terms() {
    let out = rewardsmith(&["check", "guest-sdk/examples/cartpole.rs", "--env", "cartpole", "--transitions", "500"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("ok for cartpole-v0"), "{text}");
    for term in ["total", "alive", "upright", "centred", "effort", "ns per transition", "compiler sandbox"] {
        assert!(text.contains(term), "missing {term}: {text}");
    }
}

#[test]
fn check_json_for_the_wat_guest() {
    let out = rewardsmith(&["check", "tests/fixtures/cartpole_upright.wat", "--env", "cartpole-v0", "--json"]);
    assert!(out.status.success());
    let v = json(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["report"]["source_kind"], "wat");
    assert_eq!(v["report"]["transitions"], 4096);
    let names: Vec<&str> =
        v["report"]["terms"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["upright", "centred"]);
}

#[test]
fn check_fails_with_the_typed_error_and_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let looping = dir.path().join("loop.wat");
    let fixture = std::fs::read_to_string(root().join("tests/fixtures/cartpole_upright.wat")).unwrap();
    // The same module, but its batch entry point spins forever.
    let hostile = fixture.replace("(block $done", "(loop $forever (br $forever))\n    (block $done");
    std::fs::write(&looping, hostile).unwrap();
    let out = rewardsmith(&["check", looping.to_str().unwrap(), "--env", "cartpole", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["kind"], "timeout");
    assert!(v["error"]["message"].as_str().unwrap().contains("fuel budget"), "{v}");

    let out = rewardsmith(&["check", looping.to_str().unwrap(), "--env", "cartpole"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("check failed [timeout]"));
}

#[test]
fn check_refuses_a_compile_time_attack() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("leak.rs");
    let text = std::fs::read_to_string(root().join("guest-sdk/examples/cartpole.rs")).unwrap().replace(
        "let alive = t.add(\"alive\", 1.0);",
        "let alive = t.add(\"alive\", include_str!(\"/etc/hostname\").len() as f32);",
    );
    std::fs::write(&src, text).unwrap();
    let out = rewardsmith(&["check", src.to_str().unwrap(), "--env", "cartpole", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "refused");
    assert!(v["error"]["message"].as_str().unwrap().contains("include_str"), "{v}");
}

#[test]
fn check_names_the_known_envs_for_an_unknown_one() {
    let out = rewardsmith(&["check", "guest-sdk/examples/cartpole.rs", "--env", "walker", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "unknown_env");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("walker") && msg.contains("cartpole") && msg.contains("pusher"), "{msg}");
}

#[test]
fn bad_arguments_exit_2() {
    let out = rewardsmith(&["check", "guest-sdk/examples/cartpole.rs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--env"));
}

#[test]
fn every_hostile_fixture_exits_1_with_its_error_kind() {
    let cases = [
        ("infinite_loop.wat", "timeout"),
        ("start_loop.wat", "timeout"),
        ("recursion.wat", "stack_overflow"),
        ("memory_bomb.wat", "memory_limit"),
        ("huge_table.wat", "table_limit"),
        ("huge_data_segment.wat", "memory_limit"),
        ("wasi_import.wat", "forbidden_import"),
        ("missing_export.wat", "missing_export"),
        ("wrong_abi.wat", "abi_version"),
        ("wrong_env.wat", "env_mismatch"),
        ("nan_total.wat", "non_finite"),
        ("thousands_of_terms.wat", "too_many_terms"),
        ("divide_by_zero.wat", "trap"),
        ("malformed.wasm", "malformed"),
        ("panic.rs", "panicked"),
        ("include_str.rs", "refused"),
        ("log_of_zero.rs", "non_finite"),
    ];
    let results: Vec<(String, Option<i32>, serde_json::Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|(file, _)| {
                s.spawn(move || {
                    let path = format!("tests/fixtures/hostile/{file}");
                    let out = rewardsmith(&["check", &path, "--env", "cartpole", "--json"]);
                    (file.to_string(), out.status.code(), json(&out))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for ((file, kind), (_, code, v)) in cases.iter().zip(&results) {
        assert_eq!(*code, Some(1), "{file}: {v}");
        assert_eq!(v["error"]["kind"], *kind, "{file}: {v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
    let panic = &results.iter().find(|r| r.0 == "panic.rs").unwrap().2;
    assert!(panic["error"]["message"].as_str().unwrap().contains("reward.rs:7:5: cart position"), "{panic}");
    let log = &results.iter().find(|r| r.0 == "log_of_zero.rs").unwrap().2;
    assert!(log["error"]["message"].as_str().unwrap().contains("term `log_speed` is -inf"), "{log}");
}

/// An LLM answer as models write it: prose, a helper block, then the reward block.
/// Lines 6–10 are the helper's, 16–25 the reward's.
const ANSWER: &str = "Here is a reward for cartpole.

First a helper:

```rust
const CENTRE_WEIGHT: f32 = 0.1;

fn centred(x: f32) -> f32 {
    -CENTRE_WEIGHT * x.abs()
}
```

And the reward:

```rust
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    let up = t.add(\"upright\", cos(next.pole_angle));
    let c = t.add(\"centred\", centred(next.cart_pos));
    up + c
}

export_reward!(reward);
```

This keeps the pole up and the cart near the middle.
";

const ANSWER_EXTRACTED: &str = "extracted: fenced blocks 1 and 2 of 2 (lines 6–10, 16–25), prose dropped";

#[test]
fn check_takes_the_program_out_of_a_markdown_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answer.md");
    std::fs::write(&path, ANSWER).unwrap();
    let out = rewardsmith(&["check", path.to_str().unwrap(), "--env", "cartpole", "--transitions", "500"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text.lines().next(), Some(ANSWER_EXTRACTED), "{text}");
    assert!(text.contains("ok for cartpole-v0") && text.contains("upright") && text.contains("centred"), "{text}");

    let out = rewardsmith(&["check", path.to_str().unwrap(), "--env", "cartpole", "--transitions", "500", "--json"]);
    assert!(out.status.success());
    let v = json(&out);
    assert_eq!(v["ok"], true, "{v}");
    let ex = &v["extracted"];
    assert_eq!(ex["description"], ANSWER_EXTRACTED.trim_start_matches("extracted: "), "{v}");
    assert_eq!(ex["blocks_total"], 2);
    assert_eq!(ex["blocks_used"], serde_json::json!([1, 2]));
    assert_eq!(ex["lines"], serde_json::json!([[6, 10], [16, 25]]));
    assert_eq!(ex["prose_dropped"], true);
    let program = ex["program"].as_str().unwrap();
    assert!(program.starts_with("const CENTRE_WEIGHT") && program.ends_with("export_reward!(reward);\n"), "{program}");
    assert!(!program.contains("```") && !program.contains("Here is"), "{program}");
    assert_eq!(v["report"]["source_kind"], "rust");
    let names: Vec<&str> =
        v["report"]["terms"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["upright", "centred"]);
}

#[test]
fn check_extracts_an_answer_pasted_into_a_rs_file_and_leaves_plain_rust_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reward.rs");
    std::fs::write(&path, ANSWER).unwrap();
    let out = rewardsmith(&["check", path.to_str().unwrap(), "--env", "cartpole", "--transitions", "500"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text.lines().next(), Some(ANSWER_EXTRACTED), "{text}");

    let out = rewardsmith(&["check", "guest-sdk/examples/cartpole.rs", "--env", "cartpole", "--json"]);
    let v = json(&out);
    assert_eq!(v["ok"], true, "{v}");
    assert!(v.get("extracted").is_none(), "{v}");
    let out = rewardsmith(&["check", "guest-sdk/examples/cartpole.rs", "--env", "cartpole"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("extracted"));
}

#[test]
fn check_refuses_an_answer_without_a_program_with_its_kind() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("python.md", "I would reward uprightness:\n\n```python\nreward = cos(angle)\n```\n", "no_code"),
        ("prose.markdown", "Keep the pole upright and the cart centred.\n", "no_code"),
        (
            "no_export.txt",
            "```rust\nfn reward(_s: &State, _a: &Action, n: &State, t: &mut Terms) -> f32 { 1.0 }\n```\n",
            "no_export",
        ),
    ];
    for (name, text, kind) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = rewardsmith(&["check", path.to_str().unwrap(), "--env", "cartpole", "--json"]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let v = json(&out);
        assert_eq!(v["ok"], false, "{v}");
        assert_eq!(v["error"]["kind"], kind, "{name}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with(path.to_str().unwrap()) && msg.contains("export_reward!(reward);"), "{msg}");
        assert!(v.get("extracted").is_none(), "{v}");

        let out = rewardsmith(&["check", path.to_str().unwrap(), "--env", "cartpole"]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("check failed [{kind}]: ")), "{err}");
    }
    let msg = &json(&rewardsmith(&["check", "reward.py", "--env", "cartpole", "--json"]))["error"];
    assert_eq!(msg["kind"], "unknown_kind");
    assert!(msg["message"].as_str().unwrap().contains(".md"), "{msg}");
}

#[test]
fn check_compile_errors_in_an_answer_refer_to_the_extracted_program() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answer.md");
    std::fs::write(&path, ANSWER.replace("centred(next.cart_pos)", "no_such_helper(next.cart_pos)")).unwrap();
    let out = rewardsmith(&["check", path.to_str().unwrap(), "--env", "cartpole"]);
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // The helper is no longer used, so only the reward block is taken.
    assert_eq!(stdout.lines().next(), Some("extracted: fenced block 2 of 2 (lines 16–25), prose dropped"), "{stdout}");
    assert!(stderr.contains("check failed [rustc]") && stderr.contains("no_such_helper"), "{stderr}");
    assert!(stderr.contains("line numbers refer to the program extracted from the answer"), "{stderr}");

    let out = rewardsmith(&["check", path.to_str().unwrap(), "--env", "cartpole", "--print-extracted"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let program: String = ANSWER.lines().skip(15).take(10).map(|l| format!("{l}\n")).collect();
    let program = program.replace("centred(next.cart_pos)", "no_such_helper(next.cart_pos)");
    assert!(stdout.contains(&program), "{stdout}");
}

#[test]
fn envs_lists_and_shows_every_env() {
    let out = rewardsmith(&["envs"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for id in
        ["cartpole-v0", "cartpole_continuous-v0", "pendulum-v0", "reacher-v0", "ball_balance-v0", "ant-v0", "pusher-v0"]
    {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
    let out = rewardsmith(&["envs", "--json"]);
    let list = json(&out);
    assert_eq!(list.as_array().unwrap().len(), 7);

    let out = rewardsmith(&["envs", "show", "reacher"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for part in ["reacher-v0", "fitness:", "distance", "rad/s", "rewardsmith_guest::envs::reacher::State", "Box(2)"] {
        assert!(text.contains(part), "{part} missing from:\n{text}");
    }
    let v = json(&rewardsmith(&["envs", "show", "ant-v0", "--json"]));
    assert_eq!(v["id"], "ant-v0");
    assert_eq!(v["action_space"]["kind"], "box");
    let state_floats: u64 = v["state"].as_array().unwrap().iter().map(|f| f["len"].as_u64().unwrap()).sum();
    assert_eq!(state_floats as usize, rewardsmith_guest_state_len("ant"));
    assert!(v["description"].as_str().unwrap().len() > 50);

    let out = rewardsmith(&["envs", "show", "walker", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["error"]["kind"], "unknown_env");
}

fn rewardsmith_guest_state_len(env: &str) -> usize {
    rewardsmith_guest::envs::find(env).unwrap().state_len
}

#[test]
fn train_then_eval_then_rollout_on_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run_s = run.to_str().unwrap();
    let out = rewardsmith(&[
        "train",
        "--env",
        "cartpole",
        "--reward",
        "guest-sdk/examples/cartpole.rs",
        "--steps",
        "4096",
        "--seed",
        "3",
        "--threads",
        "2",
        "--out",
        run_s,
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = json(&out);
    assert_eq!(s["env"], "cartpole-v0");
    assert_eq!(s["stop"], "completed");
    let steps = s["steps"].as_u64().unwrap();
    assert!((4096 - 1024..=4096).contains(&steps), "{steps}");
    assert!(s["reward_share"].as_f64().unwrap() > 0.0 && s["sps"].as_f64().unwrap() > 0.0);
    for f in [
        "manifest.json",
        "policy.safetensors",
        "policy-best.safetensors",
        "metrics.jsonl",
        "metrics.csv",
        "result.json",
        "curves.svg",
        "reward.rs",
        "reward.wasm",
    ] {
        assert!(run.join(f).is_file(), "{f} missing");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["status"], "completed");
    assert_eq!(manifest["seed"], 3);
    assert_eq!(manifest["reward_source_sha256"].as_str().unwrap().len(), 64);
    let iterations = s["result"]["iterations"].as_u64().unwrap();
    let jsonl = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count() as u64, iterations);
    let csv = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    for name in [
        "charts/episodic_return",
        "charts/fitness",
        "charts/episode_length",
        "terms/upright",
        "losses/value_loss",
        "perf/sps",
        "perf/reward_ns_per_transition",
    ] {
        assert!(header.split(',').any(|h| h == name), "{name} not in {header}");
    }
    let curves = std::fs::read_to_string(run.join("curves.svg")).unwrap();
    for panel in [
        "terms/upright",
        "losses/value_loss",
        "losses/entropy",
        "losses/approx_kl",
        "losses/clipfrac",
        "losses/explained_variance",
    ] {
        assert!(curves.contains(panel), "curves.svg has no {panel} panel");
    }

    let out = rewardsmith(&["eval", "--run", run_s, "--episodes", "3", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let e = json(&out);
    assert_eq!(e["episodes"].as_array().unwrap().len(), 3);
    let f = e["fitness"]["mean"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&f), "{f}");
    // The best checkpoint by default, with when it was taken; evaluated again on its own
    // held-out episodes it scores exactly what training recorded.
    assert_eq!(e["checkpoint"], "best");
    assert_eq!(e["best"], s["best"], "eval reports the checkpoint training kept");
    let best = &s["best"];
    let (n, seed) = (best["fitness"]["n"].to_string(), best["seed"].to_string());
    let out = rewardsmith(&["eval", "--run", run_s, "--episodes", &n, "--seed", &seed, "--json"]);
    assert_eq!(json(&out)["fitness"]["mean"], best["fitness"]["mean"], "{best}");
    let out = rewardsmith(&["eval", "--run", run_s, "--episodes", "3", "--checkpoint", "last"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("checkpoint: last"), "{text}");
    let out = rewardsmith(&["eval", "--run", run_s, "--checkpoint", "latest"]);
    assert_eq!(out.status.code(), Some(2), "an unknown checkpoint is a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("`best` or `last`"));

    let replay = dir.path().join("replay.json");
    let out = rewardsmith(&["rollout", "--run", run_s, "--seed", "5", "--out", replay.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&replay).unwrap()).unwrap();
    let frames = r["frames"].as_array().unwrap();
    assert!(!frames.is_empty());
    assert_eq!(r["term_names"], serde_json::json!(["alive", "upright", "centred", "effort"]));
    let sum: f64 = frames.iter().map(|f| f["reward"].as_f64().unwrap()).sum();
    assert!((sum - r["episodic_return"].as_f64().unwrap()).abs() < 1e-3 * sum.abs().max(1.0));
    assert!(frames[0]["snapshot"]["bodies"].as_array().unwrap().iter().any(|b| b["name"] == "pole"));

    // The same folder again: refused, nothing overwritten.
    let before = std::fs::read(run.join("policy.safetensors")).unwrap();
    let out = rewardsmith(&[
        "train",
        "--env",
        "cartpole",
        "--reward",
        "guest-sdk/examples/cartpole.rs",
        "--steps",
        "4096",
        "--out",
        run_s,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["error"]["kind"], "run_dir");
    assert_eq!(std::fs::read(run.join("policy.safetensors")).unwrap(), before);
}

#[test]
fn train_config_errors_are_typed_and_name_the_fix() {
    let out = rewardsmith(&["train", "--env", "cartpole", "--print-config"]);
    assert!(out.status.success());
    let c = json(&out);
    assert_eq!(c["env"], "cartpole-v0");
    assert!(c["num_envs"].as_u64().unwrap() > 0 && c["hidden"].is_array());

    let out = rewardsmith(&[
        "train",
        "--env",
        "cartpole",
        "--reward",
        "guest-sdk/examples/cartpole.rs",
        "--set",
        "learnin_rate=1",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let e = json(&out);
    assert_eq!(e["error"]["kind"], "override");
    assert!(e["error"]["message"].as_str().unwrap().contains("learning_rate"), "{e}");

    let out = rewardsmith(&[
        "train",
        "--env",
        "cartpole",
        "--reward",
        "guest-sdk/examples/cartpole.rs",
        "--set",
        "gamma=1.5",
        "--json",
    ]);
    assert_eq!(json(&out)["error"]["kind"], "config");

    let out = rewardsmith(&[
        "train",
        "--env",
        "cartpole",
        "--reward",
        "guest-sdk/examples/pendulum.rs",
        "--steps",
        "2048",
        "--json",
        "--out",
        "/tmp/rewardsmith-cli-mismatch-never-created",
    ]);
    assert_eq!(json(&out)["error"]["kind"], "env_mismatch");
    assert!(!std::path::Path::new("/tmp/rewardsmith-cli-mismatch-never-created").exists());

    let dir = tempfile::tempdir().unwrap();
    let out = rewardsmith(&["eval", "--run", dir.path().to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let e = json(&out);
    assert_eq!(e["error"]["kind"], "run_dir");
    assert!(e["error"]["message"].as_str().unwrap().contains("not a run folder"), "{e}");
}

/// `tests/fixtures/cartpole_upright.wat` with `extra` added as module fields.
fn upright_with(extra: &str) -> String {
    let fixture = std::fs::read_to_string(root().join("tests/fixtures/cartpole_upright.wat")).unwrap();
    let end = fixture.rfind(')').unwrap();
    format!("{}\n{extra}\n)\n", &fixture[..end])
}

#[test]
fn check_prints_guest_text_with_escape_sequences_made_visible() {
    // The reward panics with an OSC 52 clipboard write and a right-to-left override.
    let wat = upright_with(r#"(data (i32.const 512) "\1b]52;c;aGk=\07 \e2\80\ae evil")"#)
        .replace(
            r#"(func (export "rewardsmith_panic_message") (result i64) (i64.const 0))"#,
            r#"(func (export "rewardsmith_panic_message") (result i64) (i64.const 0x00000015_00000200))"#,
        )
        .replace("(local $pos f32)", "(local $pos f32) (unreachable)");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("escape.wat");
    std::fs::write(&path, wat).unwrap();

    let out = rewardsmith(&["check", path.to_str().unwrap(), "--env", "cartpole"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stderr).unwrap();
    assert!(text.contains(r"check failed [panicked]: "), "{text}");
    assert!(text.contains(r"\u{1b}]52;c;aGk=\u{7} \u{202e} evil"), "{text}");
    assert!(!text.contains('\x1b') && !text.contains('\x07') && !text.contains('\u{202e}'), "{text:?}");

    // JSON keeps the text (escaped by JSON itself, never raw control bytes on the wire).
    let out = rewardsmith(&["check", path.to_str().unwrap(), "--env", "cartpole", "--json"]);
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07));
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "panicked");
    assert!(v["error"]["message"].as_str().unwrap().contains("\x1b]52;c;aGk=\x07 \u{202e} evil"), "{v}");
}

#[test]
fn the_trial_compile_in_the_rewardsmith_binary_bounds_cpu_time_and_memory() {
    use rewardsmith::sandbox::{
        CHECKER_ARG, CompileBound, CompileChecker, CompileLimits, Limits, RewardError, Sandbox,
    };
    // Shape limits off: only the child's rlimits stand between these modules and the host.
    let open = CompileLimits {
        functions: u32::MAX,
        locals: u32::MAX,
        function_bytes: usize::MAX,
        code_bytes: usize::MAX,
        nesting: u32::MAX,
        type_arity: u32::MAX,
        function_cost: u64::MAX,
        module_cost: u64::MAX,
        ..CompileLimits::default()
    };
    let checker = || Some(CompileChecker::new(env!("CARGO_BIN_EXE_rewardsmith"), [CHECKER_ARG]));
    let sandbox = |compile| Sandbox::with_checker(Limits { compile, ..Limits::default() }, checker()).unwrap();

    // 5,000 `if`s with a result: about 13 s of Cranelift CPU time; the budget is 1 s.
    let ifs = "local.get 0 if (result i32) i32.const 1 else i32.const 2 end i32.add\n".repeat(5_000);
    let ifs = wat::parse_str(upright_with(&format!("(func (param i32) (result i32) i32.const 0 {ifs})"))).unwrap();
    let cpu = sandbox(CompileLimits { cpu_time: std::time::Duration::from_secs(1), ..open });
    assert_eq!(cpu.load(&ifs).unwrap_err(), RewardError::CompileLimit { bound: CompileBound::CpuTime { seconds: 1 } });

    // 20,000 blocks with a parameter: about 900 MB; the budget is 256 MiB.
    let blocks = "block (param i32) (result i32) end\n".repeat(20_000);
    let blocks = wat::parse_str(upright_with(&format!("(func (result i32) i32.const 0 {blocks})"))).unwrap();
    let memory = sandbox(CompileLimits { memory_bytes: 256 << 20, ..open });
    let e = memory.load(&blocks).unwrap_err();
    assert_eq!(e, RewardError::CompileLimit { bound: CompileBound::Memory { bytes: 256 << 20 } });
    assert_eq!(e.kind(), "compile_limit");
    assert_eq!(memory.cached_modules(), 0);

    // A good reward passes the trial compile (under the default limits too) and runs.
    let good = wat::parse_file(root().join("tests/fixtures/cartpole_upright.wat")).unwrap();
    for sb in [memory, sandbox(CompileLimits::default())] {
        let module = sb.load(&good).expect("the good reward loads");
        let mut inst = sb.instantiate(&module, "cartpole").unwrap();
        let data = rewardsmith::transitions::sample(rewardsmith_guest::envs::find("cartpole").unwrap(), 8, 1);
        assert_eq!(inst.run_batch(&data).unwrap().totals.len(), 8);
    }
}

#[test]
fn check_takes_a_schema_for_a_users_own_env_and_prints_every_value_on_request() {
    let (reward, schema) = ("python/examples/half_cheetah/reward.md", "python/examples/half_cheetah/schema.toml");
    let out = rewardsmith(&["check", reward, "--schema", schema, "--transitions", "40", "--batch", "16"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("ok for half_cheetah-v0") && text.contains("drawn from their typical ranges"), "{text}");

    let out = rewardsmith(&[
        "check",
        reward,
        "--schema",
        schema,
        "--transitions",
        "40",
        "--batch",
        "16",
        "--json",
        "--values",
    ]);
    let v = json(&out);
    assert_eq!((v["ok"].as_bool(), v["report"]["env"].as_str()), (Some(true), Some("half_cheetah-v0")));
    let values = &v["report"]["values"];
    let rows = values["transitions"].as_array().unwrap();
    assert_eq!(rows.len(), 40);
    assert!(rows.iter().all(|r| r.as_array().unwrap().len() == 2 * 18 + 6));
    let (totals, terms) = (values["totals"].as_array().unwrap(), values["terms"].as_array().unwrap());
    assert_eq!((totals.len(), terms.len()), (40, 40));
    // Each total is its terms' sum, as the reward computes it (f32).
    for (total, row) in totals.iter().zip(terms) {
        let sum: f32 = row.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).sum();
        assert_eq!(total.as_f64().unwrap() as f32, sum);
    }
    // Without --json, --values is refused by the parser.
    assert_eq!(rewardsmith(&["check", reward, "--schema", schema, "--values"]).status.code(), Some(2));
}

#[test]
fn check_refuses_rollouts_of_a_schema_env_and_bad_schemas_with_their_kinds() {
    let reward = "python/examples/half_cheetah/reward.md";
    let out = rewardsmith(&[
        "check",
        reward,
        "--schema",
        "python/examples/half_cheetah/schema.toml",
        "--states",
        "rollout",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["error"]["kind"], "no_simulator");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "id = \"bad-v0\"\n[[state]]\nname = \"x y\"\n[[action]]\nname = \"a\"\n").unwrap();
    let out = rewardsmith(&["check", reward, "--schema", bad.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "schema");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("state field 1") && message.contains("not an identifier"), "{message}");
    let out = rewardsmith(&["check", reward, "--schema", "no/such.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("check failed [io]: cannot read schema no/such.toml"));
}
