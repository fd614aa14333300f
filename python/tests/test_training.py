"""Native PPO from Python: a run folder, its result, evaluation and the policy callable."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rewardsmith
from rewardsmith import errors


def test_train_writes_a_run_and_returns_its_result(cartpole_run):
    manifest = json.loads((cartpole_run / "manifest.json").read_text())
    assert manifest["env"] == "cartpole-v0"
    assert (cartpole_run / "policy.safetensors").exists() and (cartpole_run / "reward.rs").exists()
    result = json.loads((cartpole_run / "result.json").read_text())
    assert result["steps"] >= 4096 and result["seed"] == 3


def test_evaluate_and_the_policy_callable(cartpole_run):
    report = rewardsmith.evaluate(cartpole_run, episodes=3, seed=1)
    assert report["env"] == "cartpole-v0" and len(report["episodes"]) == 3
    policy = rewardsmith.load_policy(cartpole_run)
    a = policy(np.zeros(4, np.float32))
    assert a in (0, 1)
    with pytest.raises(errors.of_kind("policy_mismatch")):
        policy(np.zeros(5, np.float32))


def test_the_best_checkpoint_is_the_default_and_last_is_a_choice(cartpole_run):
    result = json.loads((cartpole_run / "result.json").read_text())
    best = result["best"]
    assert (cartpole_run / "policy-best.safetensors").exists()
    # On its own held-out episodes the best checkpoint scores what training recorded.
    report = rewardsmith.evaluate(cartpole_run, episodes=best["fitness"]["n"], seed=best["seed"])
    assert report["checkpoint"] == "best" and report["fitness"] == best["fitness"]
    assert rewardsmith.evaluate(cartpole_run, episodes=2, checkpoint="last")["checkpoint"] == "last"
    assert rewardsmith.rollout(cartpole_run, seed=1, checkpoint="last")["checkpoint"] == "last"
    assert rewardsmith.load_policy(cartpole_run).checkpoint == "best"
    assert rewardsmith.load_policy(cartpole_run, checkpoint="last").checkpoint == "last"
    with pytest.raises(errors.of_kind("bad_checkpoint"), match="`best` or `last`"):
        rewardsmith.evaluate(cartpole_run, checkpoint="latest")


def test_same_seed_same_result(tmp_path):
    a = rewardsmith.train("pendulum", steps=2048, seed=1, out=tmp_path / "a", threads=1)
    b = rewardsmith.train("pendulum", steps=2048, seed=1, out=tmp_path / "b", threads=2)
    assert a.raw["fitness"] == b.raw["fitness"] and a.late_fitness == b.late_fitness
    assert (tmp_path / "a" / "policy.safetensors").read_bytes() == (tmp_path / "b" / "policy.safetensors").read_bytes()


def test_bad_settings_and_an_existing_run_are_typed_errors(tmp_path, cartpole_run):
    with pytest.raises(errors.of_kind("config"), match="known:"):
        rewardsmith.train("cartpole", steps=512, out=tmp_path / "x", learning_rat=1e-3)
    with pytest.raises(errors.of_kind("run_dir")):
        rewardsmith.train("cartpole", steps=512, out=cartpole_run)
    with pytest.raises(errors.of_kind("unknown_env")):
        rewardsmith.train("nope", steps=512, out=tmp_path / "y")


def test_rollout_is_what_the_cli_writes(cli, cartpole_run, tmp_path):
    from conftest import run_cli

    run_cli(cli, "rollout", "--run", str(cartpole_run), "--seed", "4", "--out", str(tmp_path / "r.json"))
    assert rewardsmith.rollout(cartpole_run, seed=4) == json.loads((tmp_path / "r.json").read_text())


def test_ctrl_c_stops_training_cleanly_and_keeps_the_run(tmp_path):
    """SIGINT (Ctrl-C) mid-training: `KeyboardInterrupt` within an iteration, and the run
    folder holds the policy learned so far (the training thread ran with the GIL released)."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    script = (
        "import rewardsmith, sys\n"
        "try:\n"
        f"    rewardsmith.train('cartpole', steps=50_000_000, seed=0, out={str(out)!r}, threads=1)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True); sys.exit(3)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "metrics.jsonl").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert (out / "metrics.jsonl").exists(), proc.stderr.read() if proc.poll() is not None else "no metrics after 120 s"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=300)  # a guard against a hang, not a speed check
    assert proc.returncode == 3 and stdout.strip() == "interrupted", stderr
    assert (out / "policy.safetensors").exists() and (out / "manifest.json").exists()
    assert rewardsmith.load_policy(out)(np.zeros(4, np.float32)) in (0, 1)


def test_an_evolve_job_run_from_python_gives_the_bits_of_the_same_training_run_natively(cartpole_run, tmp_path):
    """`run_job` is what a remote worker runs for the evolve driver: the job built from a run
    folder (its module, source and config) trains to that run's very fitness and policy."""
    import base64

    manifest = json.loads((cartpole_run / "manifest.json").read_text())
    job = {
        "candidate_id": 5,
        "source": (cartpole_run / "reward.rs").read_text(),
        "wasm": base64.b64encode((cartpole_run / "reward.wasm").read_bytes()).decode(),
        "config": manifest["config"],
        "compiler_isolation": None,
    }
    out = rewardsmith.run_job(job, tmp_path / "worker", threads=2)
    assert out["candidate_id"] == 5 and out["status"] == "trained", out.get("error_text")
    assert out["fitness"] == json.loads((cartpole_run / "result.json").read_text())["late_fitness"]["mean"]
    files = {f["name"]: base64.b64decode(f["bytes"]) for f in out["files"]}
    assert files["policy.safetensors"] == (cartpole_run / "policy.safetensors").read_bytes()
    assert {"manifest.json", "reward.rs", "reward.wasm", "metrics.jsonl", "result.json"} <= set(files)
    with pytest.raises(errors.of_kind("config"), match="not a train job"):
        rewardsmith.run_job({"candidate_id": 1}, tmp_path / "bad")


def test_train_keeps_no_best_checkpoint_with_best_episodes_0(tmp_path):
    rewardsmith.train("cartpole", steps=2048, out=tmp_path / "run", threads=1, best_episodes=0)
    assert not (tmp_path / "run" / "policy-best.safetensors").exists()
    assert rewardsmith.load_policy(tmp_path / "run").checkpoint == "last"
