"""The native vector env as a Gymnasium ``VectorEnv``
(``gym.make_vec("rewardsmith/Reacher-v0", num_envs=16, vectorization_mode="vector_entry_point")``).

All envs step in one native call (on ``threads`` threads); rewards for the whole batch come
from one sandboxed call. Episodes reset in the same step they end (Gymnasium's
``SAME_STEP`` autoreset): the returned observation is the next episode's first, and
``info["final_obs"]`` / ``info["final_info"]`` (masked by ``info["_final_obs"]``) hold the
last one. Env ``i``'s ``k``-th episode is seeded from ``(seed, i, k)``: the same bits
whatever the thread count.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Union

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from . import _native
from ._spec import spec, to_space
from .reward import PathLike, Reward

__all__ = ["RewardsmithVectorEnv"]


class RewardsmithVectorEnv(VectorEnv):
    metadata: Dict[str, Any] = {"render_modes": [], "autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(
        self,
        env_id: str,
        num_envs: int = 1,
        reward: Union[None, str, PathLike, Reward] = None,
        threads: int = 1,
        render_mode: Optional[str] = None,
        allow_unsandboxed: bool = False,
    ) -> None:
        if render_mode is not None:
            raise ValueError("rewardsmith draws frames in the browser; use render_mode=None")
        self._spec = spec(env_id)
        self.env_id: str = self._spec["id"]
        self.num_envs = int(num_envs)
        self._threads = max(1, int(threads))
        self.single_observation_space = to_space(self._spec["observation_space"])
        self.single_action_space = to_space(self._spec["action_space"])
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._discrete = self._spec["action_space"]["kind"] == "discrete"
        self.reward = Reward.of(reward, self.env_id, allow_unsandboxed=allow_unsandboxed)
        self.render_mode = None
        self._env: Optional[_native.NativeVecEnv] = None
        self.metadata = dict(self.metadata, render_fps=round(1.0 / self._spec["control_dt"]))

    def reset(self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Resets every env. ``seed`` seeds all of them (env ``i``'s episodes from
        ``(seed, i, k)``); ``None`` draws one from ``self.np_random``."""
        super().reset(seed=seed)
        s = seed if seed is not None else int(self.np_random.integers(0, 2**63 - 1))
        self._env = _native.NativeVecEnv(self.env_id, self.num_envs, int(s) & (2**64 - 1), self._threads)
        return self._env.observations(), {}

    def step(self, actions: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Dict[str, Any]]:
        if self._env is None:
            raise RuntimeError("call reset() before step()")
        a = np.asarray(actions, dtype=np.float32).reshape(self.num_envs, -1)
        obs, terminated, truncated, fitness, final_obs, transitions = self._env.step(np.ascontiguousarray(a))
        totals, terms, names = self.reward.run(transitions)
        done = terminated | truncated
        info: Dict[str, Any] = {"terms": {n: terms[:, i] for i, n in enumerate(names)}}
        if done.any():
            info["fitness"] = np.where(done, fitness, np.nan).astype(np.float32)
            info["_fitness"] = done
            info["final_obs"] = np.array([final_obs[i] if d else None for i, d in enumerate(done)], dtype=object)
            info["_final_obs"] = done
            info["final_info"] = {"fitness": info["fitness"], "_fitness": done}
            info["_final_info"] = done
        return obs, totals.astype(np.float32), terminated, truncated, info

    def states(self) -> np.ndarray:
        """Every env's SDK ``State`` now, ``num_envs × state_len``."""
        if self._env is None:
            raise RuntimeError("call reset() first")
        return self._env.states()
