"""A sandboxed reward on any Gymnasium env: the env steps as it always does, and a reward
program written for a :class:`~rewardsmith.Schema` of it replaces (or sits beside) its reward.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Mapping, Optional, Union

import gymnasium as gym
import numpy as np

from ._spec import flatten
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
        action_fields = reward._action_fields
        if action_of is None and len(action_fields) != 1:
            names = [f["name"] for f in action_fields]
            raise TypeError(f"the schema's Action has fields {names}: give action_of(action) -> {{field: value}}")
        self._state: Optional[np.ndarray] = None

    def _read_state(self) -> np.ndarray:
        return flatten(self.reward._state_fields, self._state_of(self.env))

    def _read_action(self, action: Any) -> np.ndarray:
        if self._action_of is None:
            a = np.asarray(action, dtype=np.float32).reshape(-1)
            if a.shape[0] != self.reward.action_len:
                raise ValueError(f"the action has {a.shape[0]} floats; the schema's Action has {self.reward.action_len}")
            return a
        return flatten(self.reward._action_fields, self._action_of(action))

    def reset(self, **kwargs: Any) -> Any:
        obs, info = self.env.reset(**kwargs)
        self._state = self._read_state()
        return obs, info

    def step(self, action: Any) -> Any:
        if self._state is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        a = self._read_action(action)
        obs, env_reward, terminated, truncated, info = self.env.step(action)
        next_state = self._read_state()
        totals, terms, names = self.reward.run(np.concatenate([self._state, a, next_state]))
        self._state = next_state
        info: Dict[str, Any] = dict(info)
        info["env_reward"] = env_reward
        info["terms"] = {name: float(terms[0, i]) for i, name in enumerate(names)}
        return obs, float(totals[0]), terminated, truncated, info
