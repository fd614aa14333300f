"""Sandboxed reward programs from Python: compile once, call on batches."""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import numpy as np

from . import _native
from ._spec import flatten, spec
from .schema import Schema

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["Reward"]


class Reward:
    """A reward program compiled to WebAssembly and run in rewardsmith's sandbox (no
    files, no network, no clock; fuel, time and memory limits), exactly as the CLI runs it.

    >>> r = Reward.compile("my_reward.rs", env="reacher")
    >>> totals, terms = r(states, actions, next_states)   # numpy in, numpy out
    """

    def __init__(self, native: "_native.NativeReward", env_id: str) -> None:
        self._native = native
        self.env_id = env_id
        s = spec(env_id)
        self._state_fields = s["state_fields"]
        self._action_fields = s["action_fields"]
        self.state_len: int = s["state_len"]
        self.action_len: int = s["action_len"]

    @classmethod
    def compile(
        cls, source_or_path: Union[str, PathLike], env: Union[str, Schema], *, allow_unsandboxed: bool = False
    ) -> "Reward":
        """Compiles a program for ``env``: a built-in env id such as ``reacher-v0`` or
        ``reacher``, or a :class:`Schema` (your own env; the program then imports its
        generated module with ``use crate::env::*;``).

        ``source_or_path`` is a path to a ``.rs``, ``.md`` (an LLM answer), ``.wat`` or
        ``.wasm`` file, or the program text itself (Rust, or an LLM answer holding it in a
        fenced block). Rust compiles inside an OS sandbox (bubblewrap or Landlock); where
        there is none it is refused unless ``allow_unsandboxed=True``. Raises the error
        kind's exception (``RustcError``, ``RefusedError``, ``NoCodeError``, ...).
        """
        schema = env.to_json() if isinstance(env, Schema) else None
        env_id = env.id if isinstance(env, Schema) else spec(env)["id"]
        text = os.fspath(source_or_path)
        given = {"path": text} if "\n" not in text and os.path.isfile(text) else {"text": text}
        native = _native.NativeReward.compile(env_id, allow_unsandboxed=allow_unsandboxed, schema=schema, **given)
        return cls(native, env_id)

    @classmethod
    def baseline(cls, env: str, which: str = "human") -> "Reward":
        """Env ``env``'s built-in ``human`` (shaped) or ``sparse`` (success only) reward."""
        return cls.compile(_native.baseline(env, which), env)

    @classmethod
    def of(cls, reward: Union[None, str, PathLike, "Reward"], env: str, *, allow_unsandboxed: bool = False) -> "Reward":
        """``reward`` as a :class:`Reward` for ``env``: itself, a compiled path or program
        text, or (``None``) the env's human reward. A reward for another ``State`` is refused."""
        if isinstance(reward, Reward):
            r = reward
        elif reward is None:
            r = cls.baseline(env, "human")
        else:
            r = cls.compile(reward, env, allow_unsandboxed=allow_unsandboxed)
        if spec(r.env_id)["reward_env"] != spec(env)["reward_env"]:
            raise ValueError(f"the reward was compiled for {r.env_id}, whose State differs from {spec(env)['id']}'s")
        return r

    @property
    def transition_len(self) -> int:
        """Floats per transition: ``state_len + action_len + state_len``."""
        return self._native.transition_len

    @property
    def extracted(self) -> Optional[str]:
        """What was taken out of an LLM answer (``None`` for a plain program)."""
        return self._native.extracted

    @property
    def module_sha256(self) -> str:
        return self._native.module_sha256

    def run(self, transitions: np.ndarray) -> Tuple[np.ndarray, np.ndarray, list]:
        """Rewards for ``transitions`` (``n × transition_len`` float32 rows of ``[state,
        action, next_state]``): ``(totals[n], terms[n, k], names[k])``."""
        t = np.ascontiguousarray(transitions, dtype=np.float32)
        if t.ndim == 1:
            t = t.reshape(1, -1)
        if t.ndim != 2 or t.shape[1] != self.transition_len:
            raise ValueError(f"transitions must be n × {self.transition_len} floats, got shape {t.shape}")
        return self._native.run(t)

    def __call__(
        self,
        states: Union[np.ndarray, Mapping[str, Any]],
        actions: Union[np.ndarray, Mapping[str, Any]],
        next_states: Union[np.ndarray, Mapping[str, Any]],
    ) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
        """Rewards for a batch: ``states``/``next_states`` are ``n × state_len`` and
        ``actions`` ``n × action_len`` arrays (or one transition as named mappings, e.g.
        ``{"tip_pos": [...], ...}``). Returns ``(totals[n], {term: values[n]})``."""
        s = self._rows(states, self._state_fields, self.state_len)
        a = self._rows(actions, self._action_fields, self.action_len)
        n = self._rows(next_states, self._state_fields, self.state_len)
        if not (s.shape[0] == a.shape[0] == n.shape[0]):
            raise ValueError(f"batch sizes differ: {s.shape[0]} states, {a.shape[0]} actions, {n.shape[0]} next states")
        totals, terms, names = self.run(np.concatenate([s, a, n], axis=1))
        return totals, {name: terms[:, i] for i, name in enumerate(names)}

    @staticmethod
    def _rows(x: Any, fields: list, width: int) -> np.ndarray:
        if isinstance(x, Mapping):
            return flatten(fields, x).reshape(1, -1)
        a = np.asarray(x, dtype=np.float32)
        if a.ndim == 1:
            a = a.reshape(1, -1)
        if a.ndim != 2 or a.shape[1] != width:
            raise ValueError(f"expected rows of {width} floats, got shape {a.shape}")
        return a

    def __repr__(self) -> str:
        return f"Reward(env={self.env_id!r}, sha256={self.module_sha256[:12]})"
