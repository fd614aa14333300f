"""rewardsmith: write, evolve and safely run reward functions for RL.

- ``gym.make("rewardsmith/Reacher-v0", reward="my_reward.rs")``: the built-in rapier3d
  envs as Gymnasium envs, rewarded by a sandboxed program (``import rewardsmith`` registers
  them); ``gym.make_vec(..., vectorization_mode="vector_entry_point")`` for the native
  vector env.
- ``Reward.compile(source_or_path, env=...)``: a reward program compiled to WebAssembly and
  run in the sandbox, on numpy batches.
- ``Schema`` and ``SandboxedReward``: your own env (a Gymnasium MuJoCo env, ...) described
  by a schema, and rewarded by a sandboxed program written for it.
- ``evolve``: Eureka's loop (the CLI's ``rewardsmith evolve``), locally or on a Ray
  cluster (``executor="ray"``); for your own env, a ``Schema`` and your training function
  (``train_fn=``, see ``rewardsmith.user_train``).
- ``train``, ``evaluate``, ``rollout``, ``load_policy``: the native PPO and its runs.
- ``errors``: one exception class per error kind, all ``RewardsmithError``.
"""

from __future__ import annotations

import gymnasium as _gym

from . import errors
from ._native import __version__
from ._spec import env_ids, gym_name, spec
from .envs import RewardsmithEnv
from .errors import RewardsmithError
from .evolve import EvolveResult, evolve
from .reward import Reward
from .schema import Schema
from .wrappers import SandboxedReward
from .training import Policy, TrainResult, evaluate, load_policy, rollout, run_job, train
from .vector import RewardsmithVectorEnv

__all__ = [
    "EvolveResult",
    "Reward",
    "RewardsmithEnv",
    "RewardsmithVectorEnv",
    "RewardsmithError",
    "SandboxedReward",
    "Schema",
    "Policy",
    "TrainResult",
    "env_ids",
    "errors",
    "evaluate",
    "evolve",
    "gym_name",
    "load_policy",
    "rollout",
    "run_job",
    "spec",
    "train",
    "__version__",
]


def _register() -> None:
    for env_id in env_ids():
        name = gym_name(env_id)
        if name in _gym.registry:
            continue
        _gym.register(
            id=name,
            entry_point="rewardsmith.envs:RewardsmithEnv",
            vector_entry_point="rewardsmith.vector:RewardsmithVectorEnv",
            kwargs={"env_id": env_id},
        )


_register()
