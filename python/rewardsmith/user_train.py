"""Eureka's loop for your own env and trainer: each candidate of a schema env's evolve run
is trained by your function, ``train_fn(reward, *, seed, steps)``.

``reward`` is the candidate's program, compiled by the driver and loaded here into the
sandbox (a :class:`~rewardsmith.Reward` for your :class:`~rewardsmith.Schema`; wrap your
env in :class:`~rewardsmith.SandboxedReward` with it). ``seed`` and ``steps`` are the
candidate's seed and env-step budget. Return the trained policy's task fitness (higher is
better) as a number, or a dict::

    {"fitness": 812.4,                      # required: what selection uses
     "fitness_std": 35.0, "episodes": 5,    # spread over the evaluation episodes
     "terms": {"forward": 1.9, "ctrl": [-0.4, -0.3, -0.2]},  # per-term mean per step
     "fitness_curve": [...], "episode_length": 1000, "episodic_return": [...], "steps": 50000}

The terms (one value, or one per checkpoint) go into the LLM's reflection as Eureka's do.
A reward that fails in the sandbox while your function trains (``PanickedError``,
``TimeoutError``, ``NonFiniteError``, ...) makes the candidate a ``reward_error``; any other
exception a ``train_error`` of kind ``train_fn`` with its message. Neither stops the run.
``KeyboardInterrupt`` does (the run is resumable).

:class:`LocalTrainFn` runs the function here, one candidate at a time;
``RayExecutor(train_fn=...)`` runs it as Ray tasks (the function travels by cloudpickle).
"""

from __future__ import annotations

import json
import time
import traceback
from typing import Any, Callable, Iterator, List, Optional

from . import _native
from .errors import RewardsmithError
from .reward import Reward

__all__ = ["LocalTrainFn", "TrainFn", "run_train_fn"]

TrainFn = Callable[..., Any]

# Kinds the sandbox raises while a reward runs: the candidate's program failed, not the trainer.
_REWARD_KINDS = frozenset(
    {
        "panicked", "trap", "timeout", "non_finite", "stack_overflow", "memory_limit", "table_limit",
        "too_many_terms", "term_name", "abi_violation", "too_complex",
    }
)  # fmt: skip

# Longest error text kept from a raised exception, characters.
_MAX_ERROR = 4000


def run_train_fn(train_fn: TrainFn, job: str) -> str:
    """Trains schema-env job ``job`` (a ``TrainJob`` as JSON) with ``train_fn``; returns
    the outcome as JSON (what every executor returns for a job)."""
    spec = json.loads(job)
    native, env_id = _native.NativeReward.from_job(job)
    reward = Reward(native, env_id)
    config = spec["config"]
    start = time.perf_counter()
    try:
        returned = train_fn(reward, seed=int(config["seed"]), steps=int(config["ppo"]["total_steps"]))
    except RewardsmithError as e:
        status = "reward_error" if e.kind in _REWARD_KINDS else "train_error"
        return _native.train_fn_outcome(job, error=(status, e.kind, e.message), wall_s=time.perf_counter() - start)
    except Exception as e:  # the user's code: any failure is this candidate's result
        return _native.train_fn_outcome(
            job, error=("train_error", "train_fn", _describe(e)), wall_s=time.perf_counter() - start
        )
    wall_s = time.perf_counter() - start
    try:
        report = json.dumps(_plain(returned), allow_nan=False)
    except (TypeError, ValueError) as e:
        why = f"the training function's result: {e}; return a number or a dict of numbers and lists"
        return _native.train_fn_outcome(job, error=("train_error", "train_fn", why), wall_s=wall_s)
    return _native.train_fn_outcome(job, report=report, wall_s=wall_s)


def _plain(x: Any) -> Any:
    """numpy scalars and arrays as plain numbers and lists, for JSON."""
    if hasattr(x, "tolist") and callable(x.tolist):
        return x.tolist()
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _describe(e: BaseException) -> str:
    """The exception and where in the user's code it was raised (the last frames)."""
    text = f"train_fn raised {type(e).__name__}: {e}\n" + "".join(traceback.format_tb(e.__traceback__)[-3:])
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 1] + "…"


class LocalTrainFn:
    """Trains each candidate with ``train_fn`` in this process, one at a time (the
    function may use every core itself, as Stable-Baselines3 does)."""

    name = "local"
    trains_schema_envs = True

    def __init__(self, train_fn: TrainFn) -> None:
        if not callable(train_fn):
            raise TypeError("train_fn must be callable: train_fn(reward, *, seed, steps) -> fitness or dict")
        self.train_fn = train_fn

    def run(self, jobs: List[str]) -> Iterator[Optional[str]]:
        for job in jobs:
            yield run_train_fn(self.train_fn, job)
