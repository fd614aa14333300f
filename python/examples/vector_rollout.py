"""CleanRL-style data collection with the native vector env: a fixed-size rollout buffer
filled from `num_envs` envs per step (one native call, one sandboxed reward call), episode
fitness read from `info` as envs reset themselves. The policy here is a random linear map
(numpy only) — swap in your torch agent's `get_action_and_value`."""

import sys

import gymnasium as gym
import numpy as np

import rewardsmith  # noqa: F401  (registers rewardsmith/<Env>-v0)

num_envs, num_steps = 8, int(sys.argv[1]) if len(sys.argv) > 1 else 256
envs = gym.make_vec("rewardsmith/Pendulum-v0", num_envs=num_envs, vectorization_mode="vector_entry_point")
obs_dim = envs.single_observation_space.shape[0]
act_dim = envs.single_action_space.shape[0]

rng = np.random.default_rng(0)
weights = rng.normal(0, 0.3, (obs_dim, act_dim)).astype(np.float32)
obs_buf = np.zeros((num_steps, num_envs, obs_dim), np.float32)
act_buf = np.zeros((num_steps, num_envs, act_dim), np.float32)
rew_buf = np.zeros((num_steps, num_envs), np.float32)
done_buf = np.zeros((num_steps, num_envs), bool)

obs, _ = envs.reset(seed=1)
fitness = []
for step in range(num_steps):
    action = np.clip(obs @ weights + rng.normal(0, 0.1, (num_envs, act_dim)), -1, 1).astype(np.float32)
    obs_buf[step], act_buf[step] = obs, action
    obs, reward, terminated, truncated, info = envs.step(action)
    rew_buf[step], done_buf[step] = reward, terminated | truncated
    if "fitness" in info:
        fitness.extend(info["fitness"][info["_fitness"]].tolist())

print(f"{num_steps * num_envs} transitions, mean reward {rew_buf.mean():.3f}, {len(fitness)} episodes ended"
      + (f", mean fitness {np.mean(fitness):.3f}" if fitness else ""))
