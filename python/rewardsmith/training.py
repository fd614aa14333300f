"""Native PPO, evaluation and trained policies from Python (the GIL is released while
native code runs; Ctrl-C stops training after its current iteration, keeping the run
folder complete, then raises ``KeyboardInterrupt``)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

import numpy as np

from . import _native
from ._spec import spec
from .reward import PathLike

__all__ = ["TrainResult", "train", "evaluate", "rollout", "Policy", "load_policy", "run_job"]


class TrainResult:
    """What a training produced: ``late_fitness`` (what evolve selects on), ``final_fitness``,
    ``steps``, ``sps``, per-term checkpoint statistics in ``raw["terms"]``, and ``run_dir``
    (policy, metrics, curves, the reward)."""

    def __init__(self, raw: Dict[str, Any], run_dir: Path) -> None:
        self.raw = raw
        self.run_dir = run_dir

    @property
    def late_fitness(self) -> Optional[float]:
        """Mean task fitness of the episodes in the last 20 % of training."""
        lf = self.raw.get("late_fitness")
        return None if lf is None else float(lf["mean"])

    def __getattr__(self, name: str) -> Any:
        try:
            return self.raw[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return f"TrainResult(env={self.raw.get('env')!r}, steps={self.raw.get('steps')}, late_fitness={self.late_fitness}, run_dir={str(self.run_dir)!r})"


def train(
    env: str,
    reward: Union[str, PathLike, None] = None,
    *,
    steps: Optional[int] = None,
    seed: int = 0,
    out: Union[str, PathLike, None] = None,
    threads: Optional[int] = None,
    allow_unsandboxed: bool = False,
    best_episodes: int = 5,
    **ppo: Any,
) -> TrainResult:
    """Trains a policy with rewardsmith's PPO on ``env`` with ``reward`` (a path, program
    text, or ``None`` for the env's human reward). ``steps`` env steps (default: the env's
    tuned budget); ``**ppo`` overrides tuned settings by name (``learning_rate=1e-3``; an
    unknown name raises ``ConfigError`` listing the known ones). The run folder is ``out``
    (default ``runs/train/<env>-s<seed>-<unix time>``) and must not hold a run already.
    ``best_episodes`` held-out episodes choose the best checkpoint
    (``policy-best.safetensors``, what :func:`evaluate` and :func:`load_policy` use by
    default); 0 keeps none."""
    env_id = spec(env)["id"]
    if reward is None:
        reward = _native.baseline(env_id, "human")
    out_dir = Path(out) if out is not None else Path("runs/train") / f"{env_id}-s{seed}-{int(time.time())}"
    text = os.fspath(reward)
    with tempfile.TemporaryDirectory(prefix="rewardsmith-") as tmp:
        if "\n" in text or not os.path.isfile(text):
            # Program text: through a file, so an LLM answer (fences) is read as one.
            path = Path(tmp) / ("reward.md" if "```" in text else "reward.rs")
            path.write_text(text)
            text = str(path)
        raw = _native.train(
            env_id, text, str(out_dir), steps, seed, threads, json.dumps(ppo), allow_unsandboxed, best_episodes
        )
    return TrainResult(json.loads(raw), out_dir)


def evaluate(
    run: Union[str, PathLike], episodes: int = 10, seed: int = 0, stochastic: bool = False, checkpoint: str = "best"
) -> Dict[str, Any]:
    """Evaluates run folder ``run``'s policy on ``episodes`` seeded episodes: fitness,
    return and length (mean and std), the solved fraction, and every episode.
    ``checkpoint``: ``"best"`` (the best held-out fitness during training; the last policy
    where the run kept none) or ``"last"``; the report's ``checkpoint`` says which acted."""
    return json.loads(_native.evaluate(str(run), episodes, seed, stochastic, checkpoint))


def rollout(
    run: Union[str, PathLike], seed: int = 0, stochastic: bool = False, checkpoint: str = "best"
) -> Dict[str, Any]:
    """One episode of run folder ``run``'s policy from ``seed``, step by step: ``frames``
    (``t``, ``obs``, ``action``, ``reward``, ``terms``, ``snapshot`` of every body),
    ``term_names``, ``fitness``, ``episodic_return`` — what ``rewardsmith rollout`` writes
    and the browser replays; ``checkpoint`` as for :func:`evaluate`."""
    return json.loads(_native.rollout(str(run), seed, stochastic, checkpoint))


class Policy:
    """A trained policy as a callable: ``policy(obs) → action`` (deterministic; a discrete
    action comes back as its index, an int)."""

    def __init__(self, run: Union[str, PathLike], checkpoint: str = "best") -> None:
        self._native = _native.NativePolicy(str(run), checkpoint)
        self.env_id: str = self._native.env
        #: The checkpoint loaded: ``"best"`` or ``"last"``.
        self.checkpoint: str = self._native.checkpoint
        self._discrete = spec(self.env_id)["action_space"]["kind"] == "discrete"

    def __call__(self, obs: Any) -> Any:
        a = self._native.act(np.ascontiguousarray(obs, dtype=np.float32).reshape(-1))
        return int(a[0]) if self._discrete else a


def load_policy(run: Union[str, PathLike], checkpoint: str = "best") -> Policy:
    """The policy of run folder ``run`` (``rewardsmith train`` or :func:`train` wrote it):
    ``checkpoint="best"`` (the best held-out fitness during training, SB3's ``best_model``;
    the last policy where the run kept none) or ``"last"`` (when training stopped)."""
    return Policy(run, checkpoint)


def run_job(job: Union[str, Mapping[str, Any]], dir: Union[str, PathLike], threads: int = 1) -> Dict[str, Any]:
    """Trains one evolve candidate's job (the host's ``TrainJob``: ``candidate_id``,
    ``source``, ``wasm`` in base64, ``config``) into ``dir`` and returns its outcome
    (``status``, ``fitness``, ``result``, ``error_kind``, ``error_text``, and ``files``: the
    run folder's files in base64). What a remote worker runs for the evolve driver; the
    bits are those of the same job run locally."""
    text = job if isinstance(job, str) else json.dumps(job)
    return json.loads(_native.run_job(text, os.fspath(dir), threads))
