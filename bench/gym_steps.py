"""Peer throughput: Gymnasium (MuJoCo) envs stepped with random actions, single-threaded.

Prints JSON {gym_id: steps_per_second}, the best of 3 runs of N steps (default wrappers,
as `gymnasium.make` gives them; auto-reset on episode end). Used by envs_vs_gymnasium.sh.
"""
import json
import sys
import time

import gymnasium as gym

IDS = ["CartPole-v1", "Pendulum-v1", "Reacher-v5", "Ant-v5", "Pusher-v5"]


def rate(env_id: str, steps: int) -> float:
    env = gym.make(env_id)
    env.reset(seed=0)
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(1024)]
    start = time.perf_counter()
    for i in range(steps):
        _, _, terminated, truncated, _ = env.step(actions[i % 1024])
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - start)


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(json.dumps({env_id: max(rate(env_id, steps) for _ in range(3)) for env_id in IDS}))


if __name__ == "__main__":
    main()
