"""Candidate trainings as Ray tasks: the Ray executor of ``rewardsmith.evolve`` and of
``rewardsmith evolve --executor ray`` (through :mod:`rewardsmith.ray_bridge`).

Each job (a ``TrainJob``: the compiled module's bytes, the reward's source, env, seed,
budget and PPO settings) becomes one Ray task that reserves ``cpus_per_task`` CPUs and
trains on as many threads with :func:`rewardsmith.run_job`, the function every executor
runs, in a temporary folder on the worker; the outcome comes back with the run folder's
files inside and the driver writes them into the run store's folder. So a candidate trained
on Ray is the same bits as one trained locally.

A task whose worker process or node dies is rerun by Ray (``max_retries``); a candidate that
fails (a trap, a diverged training) is a result, returned as data, never retried. When a
task is lost for good the iterator raises and the evolve run stops, resumable.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from typing import Any, Dict, Iterator, List, Optional

__all__ = ["RayExecutor"]


def _train(job: str, threads: int, trace_dir: Optional[str], train_fn: Any = None) -> str:
    """Runs on a Ray worker: one job, in a temporary folder, or through the user's
    ``train_fn`` for a schema env; the (packed) outcome's JSON."""
    from . import _native

    if trace_dir:
        # Where and when each attempt started: tests kill nodes mid-candidate with this.
        import json

        import ray

        cid = json.loads(job)["candidate_id"]
        node = ray.get_runtime_context().get_node_id()
        name = f"c{cid}.{node}.{os.getpid()}.{time.time_ns()}"
        with open(os.path.join(trace_dir, name), "w", encoding="utf-8"):
            pass
    if train_fn is not None:
        from .user_train import run_train_fn

        return run_train_fn(train_fn, job)
    with tempfile.TemporaryDirectory(prefix="rewardsmith-job-") as d:
        return _native.run_job(job, os.path.join(d, "run"), threads)


class RayExecutor:
    """Runs candidate trainings as Ray tasks on the cluster at ``address`` (``None``: the
    one ``ray.init`` finds, ``"auto"``: a cluster started on this machine; an already
    initialised Ray is used as it is).

    - ``cpus_per_task``: CPUs each task reserves, and its training threads (default 1).
    - ``max_retries``: reruns of a task whose worker or node died (default 3).
    - ``trace_dir``: a folder shared with the workers where each attempt leaves an empty
      file ``c<id>.<node>.<pid>.<ns>`` (for tests and debugging).
    - ``train_fn``: a schema env's training function (:mod:`rewardsmith.user_train`), run
      in each task instead of the built-in trainer.
    """

    name = "ray"

    def __init__(
        self,
        address: Optional[str] = None,
        *,
        cpus_per_task: int = 1,
        max_retries: int = 3,
        trace_dir: Optional[str] = None,
        train_fn: Any = None,
    ) -> None:
        import ray

        if cpus_per_task < 1:
            raise ValueError(f"cpus_per_task={cpus_per_task}: a task needs at least 1 CPU")
        if max_retries < 0:
            raise ValueError(f"max_retries={max_retries}: use 0 or more")
        if not ray.is_initialized():
            # Workers' output stays in their log files (the driver's terminal shows progress).
            ray.init(address=address, log_to_driver=False, logging_level="ERROR", configure_logging=False)
        self._ray = ray
        self.cpus_per_task = cpus_per_task
        self.max_retries = max_retries
        self.trace_dir = trace_dir
        if train_fn is not None and not callable(train_fn):
            raise TypeError("train_fn must be callable: train_fn(reward, *, seed, steps) -> fitness or dict")
        self.train_fn = train_fn
        self.trains_schema_envs = train_fn is not None
        self._task = ray.remote(_train).options(
            num_cpus=cpus_per_task, max_retries=max_retries, retry_exceptions=False
        )

    def describe(self) -> Dict[str, Any]:
        """The cluster as the driver sees it now."""
        nodes = [n for n in self._ray.nodes() if n.get("Alive")]
        return {
            "executor": "ray",
            "ray": self._ray.__version__,
            "nodes": len(nodes),
            "cpus": self._ray.cluster_resources().get("CPU", 0.0),
            "cpus_per_task": self.cpus_per_task,
            "max_retries": self.max_retries,
            "driver": socket.gethostname(),
        }

    def run(self, jobs: List[str]) -> Iterator[Optional[str]]:
        """Submits every job (``TrainJob`` JSON) and yields each outcome's JSON as it
        finishes, ``None`` every 0.2 s while none does. Closing the iterator early cancels
        the tasks still running."""
        # The training function is shipped to the object store once per batch.
        fn = None if self.train_fn is None else self._ray.put(self.train_fn)
        pending = [self._task.remote(job, self.cpus_per_task, self.trace_dir, fn) for job in jobs]
        try:
            while pending:
                ready, pending = self._ray.wait(pending, num_returns=1, timeout=0.2)
                if not ready:
                    yield None
                    continue
                for ref in ready:
                    # A task lost for good (retries spent) raises here.
                    yield self._ray.get(ref)
        finally:
            for ref in pending:
                self._ray.cancel(ref, force=True)
