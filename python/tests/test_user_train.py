"""Eureka's loop for your own env and trainer: ``rewardsmith.evolve(env=schema,
train_fn=...)`` proposes programs against the schema's ``State``, compiles and sandboxes
them, and trains each with the user's function; its fitness is what selection uses, a
failure is that candidate's result, and the run resumes without retraining anything.
(On a Ray cluster: ``test_ray.py``; SB3 on MuJoCo: ``test_examples.py``.)"""

from __future__ import annotations

import json
import subprocess
from typing import Any, Dict

import pytest

import rewardsmith
from rewardsmith import errors
from point_env import SCHEMA, Recorder, episode, train_fn

SETTINGS = dict(
    proposer="offline", iterations=2, samples=3, final_seeds=2, steps=500, recheck_top=1, recheck_seeds=1, seed=0,
    progress=False, fitness="minus the mean distance to the target over a held-out episode",
)  # fmt: skip


def show(cli, store, run_id: int = 1) -> Dict[str, Any]:
    out = subprocess.run([str(cli), "runs", "--store", str(store), "show", str(run_id), "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_every_candidate_is_trained_by_the_users_function_with_its_own_sandboxed_reward(tmp_path, cli):
    rec = Recorder()
    res = rewardsmith.evolve(SCHEMA, train_fn=rec, store=tmp_path / "runs.db", **SETTINGS)
    shown = show(cli, tmp_path / "runs.db", res.run_id)
    cands = shown["candidates"]
    assert shown["run"]["status"] == "completed" and shown["run"]["env"] == "point-v0"
    # 2 × 3 search candidates, 2 × 1 rechecks, 2 final trainings of the best: all trained here.
    assert [c["status"] for c in cands] == ["trained"] * 10
    assert len(rec.calls) == 10 and all(c["env"] == "point-v0" and c["steps"] == 500 for c in rec.calls)
    by_origin = {o: sorted(c["seed"] for c in cands if c["origin"] == o) for o in ("offline", "recheck", "final")}
    assert by_origin == {"offline": [0] * 6, "recheck": [1, 1], "final": [1000, 1001]}
    # What the function returned for a module and seed is that candidate's fitness, bit for bit.
    returned = {(c["module"], c["seed"]): c["fitness"] for c in rec.calls}
    assert {(c["module_sha256"], c["seed"]): c["fitness"] for c in cands} == returned
    assert all("use crate::env::*;" in c["source"] for c in cands)
    s = res.summary
    best = next(c for c in cands if c["id"] == s["best_id"])
    assert s["best"]["fitness"] == [returned[(best["module_sha256"], seed)] for seed in (1000, 1001)]
    assert s["human"] == s["sparse"] == {"fitness": [], "mean_std": None}
    assert s["human_normalized_score"] is None
    assert "schema env `point-v0` has no human or sparse reward" in s["human_normalized_undefined"]
    # The reported terms reach the stored result, as the built-in trainer's do.
    result = best["result"]
    assert sorted(t["name"] for t in result["terms"]) == sorted(
        episode(rewardsmith.Reward.compile(best["source"], env=SCHEMA), [0, 0], 0)[2]
    )
    assert "human baseline" not in res.report_md.read_text()


def test_the_same_seed_gives_the_same_search(tmp_path, cli):
    a = rewardsmith.evolve(SCHEMA, train_fn=train_fn, store=tmp_path / "a.db", **SETTINGS)
    b = rewardsmith.evolve(SCHEMA, train_fn=train_fn, store=tmp_path / "b.db", **SETTINGS)
    key = lambda store: [(c["module_sha256"], c["seed"], c["fitness"]) for c in show(cli, store)["candidates"]]  # noqa: E731
    assert a.summary == b.summary and key(tmp_path / "a.db") == key(tmp_path / "b.db")


def test_a_failing_trainer_or_reward_is_that_candidates_result(tmp_path, cli):
    calls = []

    def flaky(reward, *, seed, steps):
        calls.append(seed)
        if len(calls) == 1:
            raise ValueError("the simulator exploded")
        if len(calls) == 2:
            return "not a fitness"
        if len(calls) == 3:
            # The candidate's reward sees a NaN state: the sandbox refuses its output.
            return {"fitness": episode(reward, [1.0, 1.0], seed, nan_at=3)[1]}
        return train_fn(reward, seed=seed, steps=steps)

    res = rewardsmith.evolve(SCHEMA, train_fn=flaky, store=tmp_path / "runs.db", **{**SETTINGS, "iterations": 1})
    first = show(cli, tmp_path / "runs.db")["candidates"][:3]
    assert [(c["status"], c["error_kind"]) for c in first] == [
        ("train_error", "train_fn"), ("train_error", "train_fn"), ("reward_error", "non_finite"),
    ]  # fmt: skip
    assert "train_fn raised ValueError: the simulator exploded" in first[0]["error_text"]
    assert "test_user_train.py" in first[0]["error_text"], "where it was raised"
    assert "return a number (the fitness) or a dict" in first[1]["error_text"]
    assert "is NaN" in first[2]["error_text"]
    # Every search candidate failed: the iteration was retried, and the run still finished.
    assert res.summary["candidates"] >= 6 and res.summary["failed"] == 3


def test_a_schema_run_needs_a_train_fn_and_a_budget_and_stores_nothing_without(tmp_path, cli):
    store = tmp_path / "runs.db"
    with pytest.raises(errors.ConfigError, match="give train_fn"):
        rewardsmith.evolve(SCHEMA, store=store, **SETTINGS)
    with pytest.raises(errors.ConfigError, match="no built-in step budget"):
        rewardsmith.evolve(SCHEMA, train_fn=train_fn, store=store, **{**SETTINGS, "steps": None})
    with pytest.raises(errors.ConfigError, match="built-in env has its own"):
        rewardsmith.evolve("cartpole", store=store, **{**SETTINGS, "steps": 2048})
    with pytest.raises(TypeError, match="train_fn must be callable"):
        rewardsmith.evolve(SCHEMA, train_fn="train.py", store=store, **SETTINGS)
    with pytest.raises(errors.ConfigError, match="built-in env, trained by the built-in PPO"):
        rewardsmith.evolve("cartpole", train_fn=train_fn, store=store, **{**SETTINGS, "fitness": None})
    out = subprocess.run([str(cli), "runs", "--store", str(store), "--json"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


class Stop(BaseException):
    """Not an ``Exception``: it gets past the per-candidate error handling, as a crash would."""


def test_a_stopped_run_resumes_from_python_without_retraining_and_the_cli_refuses_it_unchanged(tmp_path, cli):
    reference = rewardsmith.evolve(SCHEMA, train_fn=train_fn, store=tmp_path / "ref.db", **SETTINGS)
    store = tmp_path / "runs.db"
    calls = []

    def dies(reward, *, seed, steps):
        if len(calls) == 4:
            raise Stop()
        calls.append(seed)
        return train_fn(reward, seed=seed, steps=steps)

    with pytest.raises(errors.ExecutorError, match="Stop"):
        rewardsmith.evolve(SCHEMA, train_fn=dies, store=store, **SETTINGS)
    assert show(cli, store)["run"]["status"] == "failed"
    # The CLI has no training function: it says so and leaves the run as it was.
    cli_resume = subprocess.run([str(cli), "evolve", "--resume", "1", "--store", str(store), "--json"], capture_output=True, text=True)
    assert cli_resume.returncode != 0
    err = json.loads(cli_resume.stdout)["error"]
    assert err["kind"] == "config" and "rewardsmith.evolve(resume=ID, train_fn=...)" in err["message"], err
    assert show(cli, store)["run"]["status"] == "failed"

    rec = Recorder()
    resumed = rewardsmith.evolve(resume=1, train_fn=rec, store=store, progress=False)
    assert resumed.summary == reference.summary
    assert len(rec.calls) == 10 - 4, "the four trained before the stop are not trained again"


def test_a_built_in_envs_run_is_not_resumed_with_a_train_fn(tmp_path, cli):
    store = tmp_path / "runs.db"
    small = dict(proposer="offline", iterations=1, samples=1, final_seeds=1, steps=2048, recheck_top=0, progress=False)
    rewardsmith.evolve("cartpole", store=store, **small)
    with pytest.raises(errors.ConfigError, match="run 1 is for built-in env cartpole-v0"):
        rewardsmith.evolve(resume=1, train_fn=train_fn, store=store, progress=False)
    assert show(cli, store)["run"]["status"] == "completed", "left as it was"


ANSWERS = [
    """A distance penalty:
```rust
use crate::env::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    t.add("dist", -(next.pos - next.target).abs())
}

export_reward!(reward);
```""",
    """Distance and a little damping:
```rust
use crate::env::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    let dist = t.add("dist", -(next.pos - next.target).abs());
    let damp = t.add("damp", -0.1 * next.vel.abs());
    dist + damp
}

export_reward!(reward);
```""",
    "I would reward getting close to the target.",
]


def test_an_llm_writes_the_schema_envs_rewards_and_reflects_on_the_users_term_statistics(tmp_path, cli):
    """A scripted OpenAI-compatible server on 127.0.0.1 answers each request with two
    programs and one answer without code; the prompts it receives are checked."""
    import http.server
    import threading

    requests = []

    class Scripted(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append(body)
            choices = [
                {"index": i, "message": {"role": "assistant", "content": a}, "finish_reason": "stop"}
                for i, a in enumerate(ANSWERS[: body.get("n", 1)])
            ]
            reply = json.dumps({"choices": choices, "usage": {"prompt_tokens": 1, "completion_tokens": 1}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        res = rewardsmith.evolve(
            SCHEMA, train_fn=train_fn, store=tmp_path / "runs.db", model="scripted",
            base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", **{**SETTINGS, "proposer": "llm"},
        )  # fmt: skip
    finally:
        server.shutdown()
    assert len(requests) == 2, "one request per iteration"
    first = "\n".join(m["content"] for m in requests[0]["messages"])
    for want in ("`point-v0`", "Push the point to the target", "minus the mean distance to the target", "use crate::env::*;", "Target position."):
        assert want in first, want
    # The second prompt reflects on the best so far with the terms the user's function reported.
    second = requests[1]["messages"][-1]["content"]
    assert "dist: [" in second and "task_fitness: [" in second, second
    assert "Your previous answer contained no program." in second, "the no-code answer is fed back"
    cands = [c for c in show(cli, tmp_path / "runs.db")["candidates"] if c["origin"] == "llm"]
    assert [c["status"] for c in cands] == ["trained", "trained", "no_code"] * 2
    assert res.summary["best_label"] in {"i0.s0", "i0.s1", "i1.s0", "i1.s1"}
