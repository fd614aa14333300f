"""An LLM-written reward for an env no one here wrote: Gymnasium's MuJoCo HalfCheetah-v5,
run in rewardsmith's sandbox. The schema (half_cheetah/schema.toml) names the State and
Action the reward reads; `read_cheetah` fills them from MuJoCo's data; the reward
(half_cheetah/reward.md, a markdown answer as an LLM writes it) replaces the env's own.

    pip install ./python "gymnasium[mujoco]"
    python python/examples/mujoco_half_cheetah.py [STEPS]
"""

import sys
from pathlib import Path

import gymnasium as gym
import numpy as np

from rewardsmith import SandboxedReward, Schema

# The schema's State read from MuJoCo's data (shared with the evolve example).
from evolve_half_cheetah import read_state as read_cheetah

HERE = Path(__file__).parent / "half_cheetah"


def main(steps: int = 200) -> None:
    schema = Schema.from_file(HERE / "schema.toml")
    env = SandboxedReward(gym.make("HalfCheetah-v5"), HERE / "reward.md", schema, state_of=read_cheetah)
    env.reset(seed=0)
    env.action_space.seed(0)
    total, worst = 0.0, 0.0
    for _ in range(steps):
        _, reward, terminated, truncated, info = env.step(env.action_space.sample())
        total += reward
        # The `forward` and `ctrl` terms are Gymnasium's own reward terms, in f32.
        worst = max(worst, abs(info["terms"]["forward"] - info["reward_forward"]), abs(info["terms"]["ctrl"] - info["reward_ctrl"]))
        if terminated or truncated:
            env.reset()
    print(f"{steps} steps of HalfCheetah-v5 rewarded in the sandbox: return {total:.3f}, terms {sorted(info['terms'])}")
    print(f"largest difference from Gymnasium's own forward/ctrl terms: {worst:.2e}")
    assert np.isfinite(total) and worst < 1e-3


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
