"""A sandboxed reward on any Gymnasium env: the env steps as it always does, and a reward
program written for a :class:`~rewardsmith.Schema` of it replaces (or sits beside) its reward.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

import gymnasium as gym
import numpy as np

from .reward import Reward
from .schema import Schema

__all__ = ["SandboxedReward"]

StateOf = Callable[[gym.Env], Mapping[str, Any]]
ActionOf = Callable[[Any], Mapping[str, Any]]


class SandboxedReward(gym.Wrapper):
    """Rewards ``env`` with a sandboxed program for ``schema``.

    ``state_of(env)`` reads the schema's ``State`` fields from the env (called after
    ``reset`` and after every ``step``; ``env`` is the wrapped env, use ``env.unwrapped`` for
    simulator data); ``action_of(action)`` maps an action to the ``Action`` fields (default:
    the action array is the schema's one action field). Each step the program gets
    ``(state, action, next_state)``; the step returns its total, and ``info`` gains
    ``terms`` (``{term: value}``) and ``env_reward`` (the env's own reward). A failing
    program (trap, timeout, NaN) raises its ``RewardsmithError`` subclass.

    >>> env = SandboxedReward(gym.make("HalfCheetah-v5"), "reward.md", schema, state_of=read_cheetah)
    """

    def __init__(
        self,
        env: gym.Env,
        reward: Union[Reward, str, "os.PathLike[str]"],
        schema: Optional[Schema] = None,
        *,
        state_of: StateOf,
        action_of: Optional[ActionOf] = None,
        allow_unsandboxed: bool = False,
    ) -> None:
        super().__init__(env)
        if not isinstance(reward, Reward):
            if schema is None:
                raise TypeError("give the schema the reward program is written for (schema=...)")
            reward = Reward.compile(reward, env=schema, allow_unsandboxed=allow_unsandboxed)
        elif schema is not None and reward.env_id != schema.id:
            raise ValueError(f"the reward was compiled for {reward.env_id}, not for the schema {schema.id}")
        self.reward = reward
        self._state_of = state_of
        self._action_of = action_of
        if action_of is None and len(reward._action_fields) != 1:
            names = [f["name"] for f in reward._action_fields]
            raise TypeError(f"the schema's Action has fields {names}: give action_of(action) -> {{field: value}}")
        # One transition row, filled in place: [state | action | next_state]. Each step reads
        # the next state into its slot, and the next step starts from it.
        s, a = reward.state_len, reward.action_len
        self._row = np.zeros(2 * s + a, np.float32)
        self._state_slot, self._action_slot, self._next_slot = slice(0, s), slice(s, s + a), slice(s + a, 2 * s + a)
        self._state_spans = _spans(reward._state_fields, 0)
        self._action_spans = _spans(reward._action_fields, s)
        self._next_spans = _spans(reward._state_fields, s + a)
        self._ready = False

    def reset(self, **kwargs: Any) -> Any:
        obs, info = self.env.reset(**kwargs)
        _fill(self._row, self._state_spans, self._state_of(self.env))
        self._ready = True
        return obs, info

    def step(self, action: Any) -> Any:
        if not self._ready:
            raise gym.error.ResetNeeded("call reset() before step()")
        if self._action_of is None:
            a = np.asarray(action, dtype=np.float32).reshape(-1)
            if a.shape[0] != self.reward.action_len:
                raise ValueError(f"the action has {a.shape[0]} floats; the schema's Action has {self.reward.action_len}")
            self._row[self._action_slot] = a
        else:
            _fill(self._row, self._action_spans, self._action_of(action))
        obs, env_reward, terminated, truncated, info = self.env.step(action)
        _fill(self._row, self._next_spans, self._state_of(self.env))
        totals, terms, names = self.reward.run(self._row)
        self._row[self._state_slot] = self._row[self._next_slot]
        info = dict(info)
        info["env_reward"] = env_reward
        info["terms"] = dict(zip(names, terms[0].tolist()))
        return obs, float(totals[0]), terminated, truncated, info


def _spans(fields: List[Dict[str, Any]], start: int) -> List[Tuple[str, int, int]]:
    """Each field's ``(name, start, end)`` in the row."""
    out, i = [], start
    for f in fields:
        out.append((f["name"], i, i + f["len"]))
        i += f["len"]
    return out


def _fill(row: np.ndarray, spans: List[Tuple[str, int, int]], values: Mapping[str, Any]) -> None:
    """Writes the named ``values`` into their spans of ``row``: every field, and no others."""
    if len(values) != len(spans):
        names = [name for name, _, _ in spans]
        raise KeyError(f"expected exactly the fields {names}, got {sorted(values)}")
    for name, start, end in spans:
        try:
            v = values[name]
        except KeyError:
            raise KeyError(f"missing field `{name}`; the fields are {[n for n, _, _ in spans]}") from None
        if end - start == 1:
            row[start] = v
        else:
            v = np.asarray(v, dtype=np.float32).reshape(-1)
            if v.shape[0] != end - start:
                raise ValueError(f"field `{name}` has {v.shape[0]} floats, expected {end - start}")
            row[start:end] = v
