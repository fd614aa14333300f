"""Evolve on a real Ray cluster: the same search as the local executor, surviving a node
and a worker dying, and a driver killed then resumed. The cluster runs inside a private
network namespace holding only ``lo`` (``unshare --net``), so Ray binds 127.0.0.1 and no
traffic leaves the machine; ``ray_scenarios.py`` runs there and reports what happened."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

pytest.importorskip("ray", reason="Ray is not installed (scripts/setup.sh installs it)")

HERE = Path(__file__).parent


def _netns_prefix():
    """The command that enters a fresh network namespace with only ``lo`` up: as root
    ``unshare --net``; otherwise a user namespace (``--map-root-user``) where allowed."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return None
    for prefix in (["unshare", "--net"], ["unshare", "--net", "--map-root-user"]):
        probe = subprocess.run([*prefix, "ip", "link", "set", "lo", "up"], capture_output=True)
        if probe.returncode == 0:
            return prefix
    return None


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory, cli) -> Dict[str, Any]:
    prefix = _netns_prefix()
    if prefix is None:
        pytest.skip("cannot make a private network namespace here (unshare --net needs root or user namespaces)")
    work = tmp_path_factory.mktemp("ray")
    script = f'ip link set lo up && exec "{sys.executable}" "{HERE / "ray_scenarios.py"}" "{work}"'
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", PYTHONUNBUFFERED="1", REWARDSMITH_BIN=str(cli))
    proc = subprocess.run([*prefix, "bash", "-c", script], capture_output=True, text=True, env=env, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-6000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _same_search(a: Dict[str, Any], b: Dict[str, Any]) -> None:
    """Same candidates (sources' modules, seeds, statuses), fitness bits, trained policies
    and selection."""
    assert a["status"] == b["status"] == "completed"
    assert a["candidates"] == b["candidates"]
    assert a["summary"] == b["summary"]


def test_ray_runs_the_same_search_as_the_local_executor(scenarios):
    local = scenarios["local"]
    # Every search candidate trained, with a policy: the comparison below is of real work.
    trained = [c for c in local["candidates"] if c["status"] == "trained"]
    assert len(trained) == len(local["candidates"]) >= 3 * 2 + 3
    assert all(c["policy"] for c in trained)
    _same_search(scenarios["ray"], local)


def test_the_cli_on_ray_runs_the_same_search(scenarios):
    assert scenarios["cli_rc"] == 0, scenarios["cli_stderr"]
    _same_search(scenarios["cli"], scenarios["local"])


def test_a_node_and_a_worker_dying_mid_candidate_lose_nothing(scenarios):
    kill = scenarios["kill"]
    assert kill["error"] is None, kill["error"]
    killed = kill["killed"]
    assert "node" in killed and "worker" in killed, killed
    # The candidates that were training there started again (Ray's retry) ...
    for what in ("node", "worker"):
        attempts = [t for t in kill["traces"] if t.startswith(killed[what]["candidate"] + ".")]
        assert len(attempts) >= 2, (what, killed, kill["traces"])
    # ... and count once, trained, with the same results as the local run.
    _same_search(kill["run"], scenarios["local"])


def test_a_killed_driver_resumes_without_retraining_finished_candidates(scenarios):
    d = scenarios["driver"]
    assert d["killed_rc"] == -9
    assert len(d["finished_before"]) >= 2
    assert d["bridges_left"] == 0, "the bridge exits when its driver dies"
    assert d["resume_rc"] == 0, d["resume_stderr"]
    for cid in d["finished_before"]:
        before = [t for t in d["traces_at_kill"] if t.startswith(f"c{cid}.")]
        after = [t for t in d["traces"] if t.startswith(f"c{cid}.")]
        assert before == after and len(after) == 1, (cid, before, after)
    _same_search(d["run"], scenarios["local"])


def test_a_schema_envs_train_fn_runs_as_ray_tasks_with_the_same_results(scenarios):
    local, on_ray = scenarios["train_fn_local"], scenarios["train_fn_ray"]
    assert [c["status"] for c in local["candidates"]] == ["trained"] * (2 * 3 + 2 + 2)
    assert all(c["policy"] is None for c in local["candidates"]), "the user's trainer keeps its own policies"
    _same_search(on_ray, local)


def test_sb3_on_mujoco_as_the_users_trainer_on_ray(scenarios):
    sb3 = scenarios["sb3"]
    if sb3 is None:
        pytest.skip("stable-baselines3 or mujoco is not installed (REWARDSMITH_TEST_SB3=1 scripts/test.sh)")
    assert sb3["rc"] == 0, sb3["stderr"]
    cands = sb3["run"]["candidates"]
    assert sb3["run"]["status"] == "completed"
    assert [c["status"] for c in cands] == ["trained"] * (2 + 1 + 1), cands
