"""Eureka's loop from Python: ``rewardsmith.evolve`` is ``rewardsmith evolve`` (the same run
store, journal, resume and report), with candidates trained on this machine's threads or as
Ray tasks on a cluster (``executor="ray"``) — for a built-in env with the built-in PPO, or
for your own env (a :class:`~rewardsmith.Schema`) with your own training function."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Optional, Union

from . import _native
from .errors import make
from .reward import PathLike
from .schema import Schema
from .user_train import LocalTrainFn, TrainFn

__all__ = ["EvolveResult", "evolve"]

DEFAULT_STORE = "runs/rewardsmith.db"


class EvolveResult:
    """A finished run: ``run_id``, ``summary`` (the CLI's ``--json`` summary: best
    candidate, its final evaluation against the human and sparse rewards, the
    human-normalised score), and the report's paths."""

    def __init__(self, raw: Dict[str, Any]) -> None:
        self.raw = raw
        self.run_id: int = raw["run_id"]
        self.summary: Dict[str, Any] = raw["summary"]
        self.report = Path(raw["report"])
        self.report_md = Path(raw["report_md"])

    @property
    def best_fitness(self) -> Optional[float]:
        return self.summary.get("best_fitness")

    @property
    def human_normalized_score(self) -> Optional[float]:
        return self.summary.get("human_normalized_score")

    def __repr__(self) -> str:
        return (
            f"EvolveResult(run_id={self.run_id}, best={self.summary.get('best_label')!r}, "
            f"best_fitness={self.best_fitness}, human_normalized_score={self.human_normalized_score})"
        )


def evolve(
    env: Union[None, str, Schema] = None,
    *,
    train_fn: Optional[TrainFn] = None,
    fitness: Optional[str] = None,
    proposer: Optional[str] = None,
    iterations: int = 5,
    samples: int = 16,
    final_seeds: int = 5,
    steps: Optional[int] = None,
    seed: int = 0,
    store: Union[str, PathLike] = DEFAULT_STORE,
    resume: Optional[int] = None,
    executor: Union[str, Any] = "local",
    address: Optional[str] = None,
    cpus_per_task: int = 1,
    max_retries: int = 3,
    threads: Optional[int] = None,
    model: Optional[str] = None,
    base_url: Optional[str] = None,
    feedback: Optional[str] = None,
    candidate_seconds: float = 600.0,
    best_episodes: int = 5,
    recheck_top: int = 2,
    recheck_seeds: int = 2,
    allow_unsandboxed: bool = False,
    progress: bool = True,
) -> EvolveResult:
    """Searches for a reward program for ``env``: ``iterations`` × ``samples``
    candidates written by ``proposer`` (``"offline"``, ``"llm"``; default: ``"llm"`` when
    ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL`` is set), each compiled, sandboxed and trained
    for ``steps`` env steps (default: the env's budget), then the best, human and sparse
    rewards retrained on ``final_seeds`` seeds. Everything is stored in ``store``;
    ``resume=ID`` continues an interrupted run (and may use another executor).

    Your own env: ``env`` a :class:`~rewardsmith.Schema`, ``train_fn(reward, *, seed,
    steps)`` your trainer (see :mod:`rewardsmith.user_train` for what it returns), ``steps``
    its budget per candidate (required), and ``fitness`` what its returned fitness
    measures, in words (it goes into the LLM's task prompt). The offline proposer shapes the
    schema's ``State`` fields; the final evaluation retrains the best on ``final_seeds``
    seeds (there are no human or sparse rewards to compare with, so the human-normalised
    score is undefined and the summary says why). Resume such a run with ``resume=ID`` and
    the same ``train_fn``.

    ``best_episodes``: held-out episodes of each training's best checkpoint (what the
    playground replays; selection never reads it); 0 skips them.

    ``executor``: ``"local"`` (``threads`` threads here, default all cores), ``"ray"`` (one
    Ray task per training, ``cpus_per_task`` CPUs each, on the cluster at ``address``; see
    :class:`~rewardsmith.ray_executor.RayExecutor`), or any object with ``run(jobs)`` as
    that class has. The results are the same bits on every executor.

    Ctrl-C stops between candidates, marks the run interrupted and raises
    ``KeyboardInterrupt``; errors raise the exception of their kind (``errors``).
    """
    schema = env if isinstance(env, Schema) else None
    if schema is not None and train_fn is None:
        raise make("config", f"{schema.id} is a schema env: give train_fn(reward, *, seed, steps) to train its candidates")
    if train_fn is not None and not callable(train_fn):
        raise TypeError("train_fn must be callable: train_fn(reward, *, seed, steps) -> fitness or dict")
    if train_fn is not None and schema is None and resume is None:
        raise make("config", f"{env!r} is a built-in env, trained by the built-in PPO: train_fn= is for a Schema env")
    if fitness is not None and schema is None:
        raise make("config", "fitness= describes a schema env's train_fn fitness; a built-in env has its own")
    name = "local"
    ex: Any = None
    if executor == "ray":
        from .ray_executor import RayExecutor

        ex = RayExecutor(address, cpus_per_task=cpus_per_task, max_retries=max_retries, train_fn=train_fn)
        name = "ray"
    elif executor == "local" and train_fn is not None:
        if address is not None:
            raise ValueError("address= is for executor='ray'")
        ex = LocalTrainFn(train_fn)
    elif executor != "local":
        if train_fn is not None:
            raise TypeError("train_fn= goes with executor='local' or 'ray'; a custom executor runs jobs its own way")
        if not callable(getattr(executor, "run", None)):
            raise TypeError("executor must be 'local', 'ray', or an object with run(jobs)")
        ex, name = executor, getattr(executor, "name", type(executor).__name__)
    elif address is not None:
        raise ValueError("address= is for executor='ray'")
    raw = _native.evolve(
        None if schema is not None else env,
        store=str(store),
        schema=None if schema is None else schema.to_json(),
        fitness=fitness,
        resume=resume,
        proposer=proposer,
        model=model,
        base_url=base_url,
        iterations=iterations,
        samples=samples,
        final_seeds=final_seeds,
        steps=steps,
        candidate_seconds=candidate_seconds,
        best_episodes=best_episodes,
        recheck_top=recheck_top,
        recheck_seeds=recheck_seeds,
        threads=threads,
        seed=seed,
        feedback=feedback,
        executor=ex,
        executor_name=name,
        allow_unsandboxed=allow_unsandboxed,
        progress=progress,
    )
    return EvolveResult(json.loads(raw))
