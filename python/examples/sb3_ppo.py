"""Stable-Baselines3 PPO on a rewardsmith env, rewarded by a sandboxed program
(`pip install stable-baselines3`). The reward is the SDK example for pendulum; swap in any
program or LLM answer. Prints the task fitness of a few evaluation episodes."""

import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO

import rewardsmith  # noqa: F401  (registers rewardsmith/<Env>-v0)

ROOT = Path(__file__).resolve().parents[2]
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000

env = gym.make("rewardsmith/Pendulum-v0", reward=str(ROOT / "guest-sdk/examples/pendulum.rs"))
model = PPO("MlpPolicy", env, n_steps=1024, batch_size=64, seed=0, device="cpu", verbose=0)
model.learn(total_timesteps=steps)

fitness = []
for seed in range(3):
    obs, info = env.reset(seed=1000 + seed)
    done = False
    while not done:
        action, _ = model.predict(obs, deterministic=True)
        obs, reward, terminated, truncated, info = env.step(action)
        done = terminated or truncated
    fitness.append(info["fitness"])
print(f"SB3 PPO, {steps} steps: task fitness over 3 episodes {np.mean(fitness):.3f}")
