"""Your own env and trainer (issue 16): what rewardsmith adds to a user's training function,
measured side by side in one run.

1. SB3 PPO on Gymnasium's MuJoCo HalfCheetah-v5 for --steps steps: the plain env (its own
   reward) against the same env in SandboxedReward with the example's LLM-style reward
   (python/examples/half_cheetah/reward.md): the sandbox's cost inside a real trainer.
2. The loop's own cost per candidate with a training function that returns at once:
   proposing, compiling (rustc, isolated), loading into the sandbox, calling the function
   through the executor, journaling — what each candidate costs on top of its training.

    bench/train_fn.sh [--steps 8192] [--repeats 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import torch
from stable_baselines3 import PPO

import rewardsmith
from rewardsmith import Reward, SandboxedReward, Schema

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python" / "examples"))
from evolve_half_cheetah import read_state  # noqa: E402

CHEETAH = ROOT / "python" / "examples" / "half_cheetah"


def sb3_seconds(env: gym.Env, steps: int) -> float:
    model = PPO("MlpPolicy", env, seed=0, n_steps=2048, batch_size=64, device="cpu", verbose=0)
    t0 = time.perf_counter()
    model.learn(total_timesteps=steps)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=8192)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--candidates", type=int, default=8, help="candidates in the loop-overhead run")
    p.add_argument("--seed", type=int, default=None, help="the loop's seed (default: the time, so rustc compiles new programs, not cached ones)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    seed = a.seed if a.seed is not None else time.time_ns() % 2**32
    torch.set_num_threads(1)
    schema = Schema.from_file(CHEETAH / "schema.toml")
    reward = Reward.compile(CHEETAH / "reward.md", env=schema)

    plain, sandboxed = [], []
    for _ in range(a.repeats):  # interleaved, so drift hits both alike
        plain.append(sb3_seconds(gym.make("HalfCheetah-v5"), a.steps))
        sandboxed.append(sb3_seconds(SandboxedReward(gym.make("HalfCheetah-v5"), reward, state_of=read_state), a.steps))
    p_s, s_s = statistics.median(plain), statistics.median(sandboxed)

    calls = []

    def instant(r: Reward, *, seed: int, steps: int) -> float:
        calls.append(time.perf_counter())
        return 0.0

    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        res = rewardsmith.evolve(
            schema, train_fn=instant, steps=a.steps, proposer="offline", iterations=1, samples=a.candidates,
            final_seeds=1, recheck_top=0, seed=seed, store=Path(d) / "runs.db", progress=False,
        )  # fmt: skip
        loop_s = time.perf_counter() - t0
    trainings = res.summary["candidates"] + 1
    out = {
        "steps": a.steps,
        "repeats": a.repeats,
        "sb3_plain_s": plain,
        "sb3_sandboxed_s": sandboxed,
        "sb3_plain_sps": a.steps / p_s,
        "sb3_sandboxed_sps": a.steps / s_s,
        "sandboxed_over_plain": s_s / p_s,
        "loop_seed": seed,
        "loop_trainings": trainings,
        "loop_s": loop_s,
        "loop_s_per_training": loop_s / trainings,
        "loop_share_of_a_50k_step_candidate": (loop_s / trainings) / (50_000 / (a.steps / s_s)),
    }
    if a.json:
        print(json.dumps(out))
        return
    print(f"SB3 PPO on HalfCheetah-v5, {a.steps} steps, median of {a.repeats} (1 torch thread):")
    print(f"  plain env (its own reward):      {out['sb3_plain_sps']:8.0f} steps/s")
    print(f"  SandboxedReward (reward.md):     {out['sb3_sandboxed_sps']:8.0f} steps/s")
    print(f"  wall ratio sandboxed / plain:    {out['sandboxed_over_plain']:.3f}x")
    print(f"evolve loop with an instant train_fn (seed {seed}): {trainings} trainings in {loop_s:.2f} s = {out['loop_s_per_training']:.2f} s each")
    print(f"  = {100 * out['loop_share_of_a_50k_step_candidate']:.1f} % of a 50,000-step SB3 candidate at the rate above")


if __name__ == "__main__":
    main()
