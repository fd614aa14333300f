"""Evolve on Ray against the local executor, side by side in one run (issue 16). Run by
bench/ray.sh inside a private network namespace holding only ``lo``.

1. Per-candidate overhead: the same offline evolve (cartpole, 1 iteration × 8 candidates,
   1 final seed, no rechecks: 11 trainings) at a tiny budget (training ~free: what is left
   is scheduling, shipping the module and the run folder, landing it) and at a real one,
   on the local executor (2 threads) and on Ray (2 nodes × 1 CPU): the same parallelism.
2. Iteration time as simulated nodes (1 CPU each) are added: 1, 2, 4.
3. Pusher's cost per candidate on one core (a short training's steps/s), for the paper
   estimate of a 16 × 5 run on N machines.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import ray
from ray.cluster_utils import Cluster

import rewardsmith

SEARCH = dict(proposer="offline", iterations=1, samples=8, final_seeds=1, recheck_top=0, recheck_seeds=0, seed=3, progress=False)


def timed_evolve(work: Path, name: str, steps: int, **kw) -> tuple[float, int, dict]:
    store = work / f"{name}.db"
    t0 = time.perf_counter()
    res = rewardsmith.evolve("cartpole", store=store, steps=steps, **SEARCH, **kw)
    wall = time.perf_counter() - t0
    trainings = res.summary["candidates"] + 3 * SEARCH["final_seeds"]
    return wall, trainings, res.summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=49_152, help="env steps per candidate (the real budget row)")
    ap.add_argument("--pusher-steps", type=int, default=61_440)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rewardsmith-ray-bench-"))
    rows = {}
    print(f"machine: {os.cpu_count()} cores, {platform.python_version()}, ray {ray.__version__}", flush=True)

    # Warm the compiler's cache so both executors start from compiled modules.
    timed_evolve(work, "warm", 2048, threads=2)

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    nodes = [cluster.add_node(num_cpus=1) for _ in range(2)]
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)

    for label, steps in (("tiny", 2048), ("real", args.steps)):
        lw, n, ls = timed_evolve(work, f"local-{label}", steps, threads=2)
        rw, n2, rs = timed_evolve(work, f"ray-{label}", steps, executor="ray")
        assert n == n2 and ls == rs, "the two executors disagree"
        rows[label] = {"steps": steps, "trainings": n, "local_s": lw, "ray_s": rw, "overhead_per_training_s": (rw - lw) / n * 2}
        print(f"{label:5} {steps:>7} steps × {n} trainings: local {lw:6.2f} s  ray {rw:6.2f} s  ratio {rw / lw:.2f}  "
              f"overhead per training ≈ {(rw - lw) / n * 2:.3f} s (2 at a time)", flush=True)

    scaling = {}
    for count in (1, 2, 4):
        while len(nodes) > count:
            cluster.remove_node(nodes.pop())
        while len(nodes) < count:
            nodes.append(cluster.add_node(num_cpus=1))
        cluster.wait_for_nodes()
        time.sleep(1)
        w, n, _ = timed_evolve(work, f"nodes-{count}", args.steps, executor="ray")
        scaling[count] = w
        print(f"{count} node(s) × 1 CPU: {w:6.2f} s for {n} trainings", flush=True)
    ray.shutdown()
    cluster.shutdown()

    t0 = time.perf_counter()
    r = rewardsmith.train("pusher", steps=args.pusher_steps, seed=0, threads=1, out=work / "pusher")
    pw = time.perf_counter() - t0
    sps = r.steps / pw
    per_candidate = 3_000_000 / sps
    print(f"pusher on 1 thread: {r.steps} steps in {pw:.1f} s = {sps:,.0f} steps/s -> {per_candidate / 60:.1f} min per 3M-step candidate", flush=True)
    estimate = {}
    for machines, cores in ((1, 2), (4, 2), (1, 8), (1, 16), (4, 16)):
        slots = machines * cores
        # 5 iterations of 16 candidates then 2 × 2 rechecks, and 3 × 5 final trainings,
        # each wave as long as one candidate (trainings on 1 core each).
        waves = 5 * (math.ceil(16 / slots) + math.ceil(4 / slots)) + math.ceil(15 / slots)
        estimate[f"{machines}x{cores}"] = waves * per_candidate / 3600
        print(f"16 x 5 pusher run on {machines} machine(s) x {cores} cores: {waves} waves ≈ {waves * per_candidate / 3600:.1f} h", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps({"overhead": rows, "scaling_s": scaling, "pusher_sps": sps, "estimate_h": estimate}))


if __name__ == "__main__":
    main()
