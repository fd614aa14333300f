"""rewardsmith's built-in envs as Gymnasium envs (``gym.make("rewardsmith/Reacher-v0")``).

The env's own step returns no reward: rewards come from a sandboxed reward program that
reads the SDK ``State`` — the program at ``reward=`` (a path or program text), else the
env's built-in human reward. ``info`` carries ``state`` (the SDK ``State`` as a named
mapping), ``terms`` (the program's terms) and ``fitness`` (the episode's task fitness so
far; final when the episode ends).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, SupportsFloat, Tuple, Union

import gymnasium as gym
import numpy as np

from . import _native
from ._spec import NamedFloats, spec, to_space
from .reward import PathLike, Reward

__all__ = ["RewardsmithEnv"]


class RewardsmithEnv(gym.Env):
    """One rapier3d env stepped natively; the reward is a sandboxed program.

    Args:
        env_id: a built-in env (``reacher-v0`` or ``reacher``).
        reward: a reward program (path or text) or a :class:`Reward`; default the env's
            human reward (``Reward.baseline(env_id)``).
        render_mode: only ``None``. Frames are drawn by WebGPU/WebGL in a browser
            (``rewardsmith serve`` replays, ``rewardsmith export-demo``), not on the host.
        allow_unsandboxed: compile Rust where no OS sandbox exists (see ``Reward.compile``).
    """

    metadata: Dict[str, Any] = {"render_modes": []}

    def __init__(
        self,
        env_id: str,
        reward: Union[None, str, PathLike, Reward] = None,
        render_mode: Optional[str] = None,
        allow_unsandboxed: bool = False,
    ) -> None:
        if render_mode is not None:
            raise ValueError(
                f"render_mode={render_mode!r} is not available: rewardsmith draws frames in the browser "
                "(`rewardsmith serve` replays or `rewardsmith export-demo`); use render_mode=None"
            )
        self._spec = spec(env_id)
        self.env_id: str = self._spec["id"]
        self._env = _native.NativeEnv(self.env_id)
        self.observation_space = to_space(self._spec["observation_space"])
        self.action_space = to_space(self._spec["action_space"])
        self._discrete = self._spec["action_space"]["kind"] == "discrete"
        self.render_mode = None
        self.reward = Reward.of(reward, self.env_id, allow_unsandboxed=allow_unsandboxed)
        self.metadata = {"render_modes": [], "render_fps": round(1.0 / self._spec["control_dt"])}

    def reset(self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Starts an episode. ``seed`` given: the episode the Rust env starts from
        ``reset(seed)`` (same bits). ``None``: a seed drawn from ``self.np_random``."""
        super().reset(seed=seed)
        episode_seed = seed if seed is not None else int(self.np_random.integers(0, 2**63 - 1))
        obs = self._env.reset(int(episode_seed) & (2**64 - 1))
        return obs, {"state": self.state(), "fitness": 0.0}

    def step(self, action: Any) -> Tuple[np.ndarray, SupportsFloat, bool, bool, Dict[str, Any]]:
        a = np.asarray([action] if self._discrete and np.ndim(action) == 0 else action, dtype=np.float32).reshape(-1)
        obs, terminated, truncated, fitness, total, terms, names = self._env.step_rewarded(a, self.reward._native)
        info = {"state": self.state(), "terms": dict(zip(names, terms)), "fitness": fitness}
        return obs, total, terminated, truncated, info

    def state(self) -> NamedFloats:
        """The SDK ``State`` now, read by field name (``state["fingertip"]``)."""
        return NamedFloats(self._spec["state_fields"], self._env.state())

    def render(self) -> None:
        return None
