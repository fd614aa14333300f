"""Evolve on a real multi-node Ray cluster (``ray.cluster_utils.Cluster``: a head and
worker nodes on this machine), run by ``test_ray.py`` inside a private network namespace
holding only ``lo`` (Ray then binds 127.0.0.1; nothing leaves the machine).

``python ray_scenarios.py WORKDIR`` runs every scenario and prints one JSON object on its
last line with what each produced; the test asserts on it. Each scenario is an offline
evolve of a few small cartpole candidates with the same settings (``SETTINGS``):

- ``local``: the local executor (the reference);
- ``ray``: ``rewardsmith.evolve(executor="ray")`` on a two-node cluster;
- ``cli``: ``rewardsmith evolve --executor ray --ray-address ...``;
- ``node_kill``: like ``ray``, with the node running the first candidate removed while it
  trains, and a later candidate's worker process killed;
- ``driver_kill``: the CLI killed (SIGKILL) after some candidates finished, then
  ``--resume``d against the same cluster;
- ``train_fn``: a schema env's run (``point_env``) with the user's training function,
  locally and as Ray tasks;
- ``sb3``: ``examples/evolve_half_cheetah.py --executor ray`` (SB3 PPO on MuJoCo
  HalfCheetah-v5 as the user's trainer, a tiny budget), when SB3 is installed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List

import ray
from ray.cluster_utils import Cluster

import point_env
import rewardsmith
from rewardsmith.ray_executor import RayExecutor

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TRAIN_FN_SETTINGS = dict(iterations=2, samples=3, final_seeds=2, steps=500, recheck_top=1, recheck_seeds=1, seed=3)

BIN = os.environ.get("REWARDSMITH_BIN", "rewardsmith")
SETTINGS = dict(iterations=2, samples=3, final_seeds=1, steps=12_288, recheck_top=1, recheck_seeds=1, seed=7)
CLI_SETTINGS = [
    "--env", "cartpole", "--proposer", "offline", "--iterations", "2", "--samples", "3", "--final-seeds", "1",
    "--steps", "12288", "--recheck-top", "1", "--recheck-seeds", "1", "--seed", "7",
]  # fmt: skip


def show(store: Path, run_id: int) -> Dict[str, Any]:
    out = subprocess.run([BIN, "runs", "--store", str(store), "show", str(run_id), "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def policy_bytes(run: Dict[str, Any], cid: int) -> str:
    """The candidate's trained policy file, as hex of its SHA-256 (or None)."""
    import hashlib

    p = Path(run["run"]["artifact_dir"]) / f"c{cid}" / "policy.safetensors"
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None


def record(store: Path, run_id: int) -> Dict[str, Any]:
    run = show(store, run_id)
    cands = [
        {
            "id": c["id"], "iteration": c["iteration"], "attempt": c["attempt"], "sample": c["sample"],
            "origin": c["origin"], "seed": c["seed"], "parent": c["parent_id"], "status": c["status"],
            "fitness": c["fitness"], "module": c["module_sha256"], "policy": policy_bytes(run, c["id"]),
        }
        for c in run["candidates"]
    ]  # fmt: skip
    return {"status": run["run"]["status"], "summary": run["run"]["summary"], "candidates": cands}


def traces(d: Path) -> List[str]:
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def main(work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    out: Dict[str, Any] = {}

    t0 = time.time()
    res = rewardsmith.evolve("cartpole", proposer="offline", store=work / "local.db", threads=2, progress=False, **SETTINGS)
    out["local"] = record(work / "local.db", res.run_id)
    out["local_seconds"] = time.time() - t0

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    nodes = [cluster.add_node(num_cpus=1) for _ in range(2)]
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)
    out["address"] = cluster.address

    t0 = time.time()
    res = rewardsmith.evolve("cartpole", proposer="offline", store=work / "ray.db", executor="ray", progress=False, **SETTINGS)
    out["ray"] = record(work / "ray.db", res.run_id)
    out["ray_seconds"] = time.time() - t0

    # A schema env's run with the user's training function, here and as Ray tasks. The
    # function's module is not installed on the workers: it travels by value.
    ray.cloudpickle.register_pickle_by_value(point_env)
    for name, executor in (("train_fn_local", "local"), ("train_fn_ray", "ray")):
        res = rewardsmith.evolve(
            point_env.SCHEMA, train_fn=point_env.train_fn, proposer="offline", store=work / f"{name}.db",
            executor=executor, progress=False, **TRAIN_FN_SETTINGS,
        )  # fmt: skip
        out[name] = record(work / f"{name}.db", res.run_id)
    try:
        import mujoco  # noqa: F401
        import stable_baselines3  # noqa: F401

        sb3 = subprocess.run(
            [sys.executable, str(EXAMPLES / "evolve_half_cheetah.py"), "--executor", "ray", "--address", cluster.address,
             "--proposer", "offline", "--steps", "256", "--iterations", "1", "--samples", "2", "--final-seeds", "1",
             "--episode-steps", "40", "--eval-episodes", "1", "--store", str(work / "sb3.db")],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        out["sb3"] = {"rc": sb3.returncode, "stdout": sb3.stdout[-2000:], "stderr": sb3.stderr[-4000:]}
        if sb3.returncode == 0:
            out["sb3"]["run"] = record(work / "sb3.db", 1)
    except ImportError:
        out["sb3"] = None

    # The CLI through its bridge (a separate Ray driver).
    env = dict(os.environ, REWARDSMITH_PYTHON=sys.executable)
    cli = subprocess.run(
        [BIN, "evolve", *CLI_SETTINGS, "--store", str(work / "cli.db"), "--executor", "ray", "--ray-address", cluster.address, "--json"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    out["cli_rc"], out["cli_stderr"] = cli.returncode, cli.stderr[-2000:]
    if cli.returncode == 0:
        out["cli"] = record(work / "cli.db", json.loads(cli.stdout)["run_id"])

    # A node removed while it trains a candidate, and later a worker process killed.
    trace = work / "trace_node"
    trace.mkdir()
    ex = RayExecutor(trace_dir=str(trace))
    done: Dict[str, Any] = {}

    def run() -> None:
        try:
            done["result"] = rewardsmith.evolve("cartpole", proposer="offline", store=work / "kill.db", executor=ex, progress=False, **SETTINGS)
        except BaseException as e:  # noqa: BLE001 - reported to the test
            done["error"] = repr(e)

    th = threading.Thread(target=run)
    th.start()
    by_id = {n.node_id: n for n in nodes}
    killed: Dict[str, Any] = {}
    while th.is_alive() and "node" not in killed:
        for name in traces(trace):
            cid, node, pid, _ = name.split(".")
            if node in by_id:
                cluster.remove_node(by_id[node])  # the raylet and its workers die
                killed["node"] = {"candidate": cid, "node": node}
                cluster.add_node(num_cpus=1)
                break
        time.sleep(0.01)
    while th.is_alive() and "worker" not in killed:
        for name in traces(trace):
            cid, node, pid, _ = name.split(".")
            if int(cid[1:]) >= 5 and node != killed["node"]["node"]:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                    killed["worker"] = {"candidate": cid, "pid": int(pid)}
                except ProcessLookupError:
                    continue
                break
        time.sleep(0.01)
    th.join()
    out["kill"] = {"killed": killed, "traces": traces(trace), "error": done.get("error")}
    if "result" in done:
        out["kill"]["run"] = record(work / "kill.db", done["result"].run_id)

    # The driver (the CLI) killed mid-run, then resumed against the same cluster.
    trace = work / "trace_driver"
    trace.mkdir()
    env["REWARDSMITH_RAY_TRACE_DIR"] = str(trace)
    args = [BIN, "evolve", *CLI_SETTINGS, "--store", str(work / "driver.db"), "--executor", "ray", "--ray-address", cluster.address, "--quiet"]
    first = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    finished_before: List[Dict[str, Any]] = []
    deadline = time.time() + 300
    while time.time() < deadline and first.poll() is None:
        try:
            cands = show(work / "driver.db", 1)["candidates"]
        except subprocess.CalledProcessError:
            cands = []
        finished_before = [c for c in cands if c["status"] == "trained"]
        if len(finished_before) >= 2:
            first.kill()
            break
        time.sleep(0.1)
    first.wait()
    traces_at_kill = traces(trace)
    time.sleep(2)
    bridges = [p for p in Path("/proc").iterdir() if p.name.isdigit() and b"rewardsmith.ray_bridge" in _cmdline(p)]
    resumed = subprocess.run(
        [BIN, "evolve", "--resume", "1", "--store", str(work / "driver.db"), "--executor", "ray", "--ray-address", cluster.address, "--json"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    out["driver"] = {
        "killed_rc": first.returncode,
        "finished_before": [c["id"] for c in finished_before],
        "bridges_left": len(bridges),
        "traces_at_kill": traces_at_kill,
        "traces": traces(trace),
        "resume_rc": resumed.returncode,
        "resume_stderr": resumed.stderr[-2000:],
        "run": record(work / "driver.db", 1),
    }
    ray.shutdown()
    cluster.shutdown()
    print(json.dumps(out))


def _cmdline(p: Path) -> bytes:
    try:
        return (p / "cmdline").read_bytes()
    except OSError:
        return b""


if __name__ == "__main__":
    main(Path(sys.argv[1]))
