"""rewardsmith from Python against its peers, side by side in one run (issue 15).

1. Single-env `step` from Python: rewardsmith's envs (with their sandboxed human reward)
   against Gymnasium's envs of the same task shape (classic control; MuJoCo when the
   `mujoco` package is installed).
2. The native vector env's steps/s (16 envs, one thread), rewards included.
3. A reward called from Python per transition and per batch of 1,024: the sandboxed
   program against the same formula in plain Python and in vectorised numpy.
4. Bring your own env: Gymnasium's MuJoCo HalfCheetah-v5 rewarded by the example's
   sandboxed program through `SandboxedReward`, against the plain env (its own reward).

Prints a markdown table; `--json` prints the numbers. Median of `--repeats` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import gymnasium as gym
import numpy as np

import rewardsmith


def median_rate(fn, n: int, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn(n)
        rates.append(n / (time.perf_counter() - t))
    return statistics.median(rates)


def env_steps(make, n: int) -> None:
    env = make()
    env.reset(seed=0)
    space = env.action_space
    space.seed(0)
    actions = [space.sample() for _ in range(1024)]
    for i in range(n):
        _, _, term, trunc, _ = env.step(actions[i % 1024])
        if term or trunc:
            env.reset()


def vector_steps(env_id: str, num_envs: int):
    def run(n: int) -> None:
        v = rewardsmith.RewardsmithVectorEnv(env_id, num_envs=num_envs, threads=1)
        v.reset(seed=0)
        v.action_space.seed(0)
        a = np.stack([v.action_space.sample() for _ in range(8)])
        for i in range(n // num_envs):
            v.step(a[i % 8])

    return run


UPRIGHT = """use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    let up = t.add("upright", 1.0 - abs(next.pole_angle) / ANGLE_LIMIT);
    up + t.add("centred", -0.1 * next.cart_pos * next.cart_pos)
}

export_reward!(reward);
"""


def python_upright(tr) -> float:
    up = 1.0 - abs(tr[8]) / 0.2095
    return up - 0.1 * tr[6] * tr[6]


def numpy_upright(tr: np.ndarray) -> np.ndarray:
    return 1.0 - np.abs(tr[:, 8]) / np.float32(0.2095) - np.float32(0.1) * tr[:, 6] * tr[:, 6]


def cheetah_row(args):
    """HalfCheetah-v5 with the example's sandboxed reward, against the plain env."""
    import importlib.util
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "python" / "examples"
    spec = importlib.util.spec_from_file_location("mujoco_half_cheetah", examples / "mujoco_half_cheetah.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    schema = rewardsmith.Schema.from_file(examples / "half_cheetah" / "schema.toml")
    reward = rewardsmith.Reward.compile(examples / "half_cheetah" / "reward.md", env=schema)

    def wrapped():
        return rewardsmith.SandboxedReward(gym.make("HalfCheetah-v5"), reward, schema, state_of=module.read_cheetah)

    a = median_rate(lambda n: env_steps(wrapped, n), args.steps, args.repeats)
    b = median_rate(lambda n: env_steps(lambda: gym.make("HalfCheetah-v5"), n), args.steps, args.repeats)
    return ("MuJoCo env step, steps/s", "HalfCheetah-v5 + SandboxedReward", a, "HalfCheetah-v5 (own reward)", b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=20_000, help="env steps per measurement (default 20000)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per measurement; the median is kept (default 3)")
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = ap.parse_args()
    rows = []

    pairs = [
        ("cartpole", lambda: gym.make("rewardsmith/Cartpole-v0"), "CartPole-v1", lambda: gym.make("CartPole-v1")),
        ("pendulum", lambda: gym.make("rewardsmith/Pendulum-v0"), "Pendulum-v1", lambda: gym.make("Pendulum-v1")),
    ]
    try:
        import mujoco  # noqa: F401

        pairs += [
            ("reacher", lambda: gym.make("rewardsmith/Reacher-v0"), "Reacher-v5 (MuJoCo)", lambda: gym.make("Reacher-v5")),
            ("ant", lambda: gym.make("rewardsmith/Ant-v0"), "Ant-v5 (MuJoCo)", lambda: gym.make("Ant-v5")),
            ("pusher", lambda: gym.make("rewardsmith/Pusher-v0"), "Pusher-v5 (MuJoCo)", lambda: gym.make("Pusher-v5")),
        ]
    except ImportError:
        pass
    for ours, make_ours, peer, make_peer in pairs:
        a = median_rate(lambda n: env_steps(make_ours, n), args.steps, args.repeats)
        b = median_rate(lambda n: env_steps(make_peer, n), args.steps, args.repeats)
        rows.append(("single env step from Python, steps/s", f"rewardsmith/{ours} (sandboxed reward)", a, peer, b))

    for ours in ["cartpole", "reacher", "ant"]:
        a = median_rate(vector_steps(ours, 16), args.steps * 4, args.repeats)
        b = median_rate(lambda n, o=ours: env_steps(lambda: gym.make(rewardsmith.gym_name(rewardsmith.spec(o)["id"])), n), args.steps, args.repeats)
        rows.append(("vector env (16 envs, 1 thread), steps/s", f"RewardsmithVectorEnv {ours}", a, f"rewardsmith/{ours} one env", b))

    reward = rewardsmith.Reward.compile(UPRIGHT, env="cartpole")
    data = np.random.default_rng(0).uniform(-0.2, 0.2, (1024, 11)).astype(np.float32)
    rows_py = data.tolist()

    def sandbox_one(n: int) -> None:
        for i in range(n):
            reward.run(data[i % 1024 : i % 1024 + 1])

    def sandbox_batch(n: int) -> None:
        for _ in range(n // 1024):
            reward.run(data)

    def plain_one(n: int) -> None:
        for i in range(n):
            python_upright(rows_py[i % 1024])

    def numpy_batch(n: int) -> None:
        for _ in range(n // 1024):
            numpy_upright(data)

    per = {name: median_rate(fn, args.steps * (50 if "batch" in name else 1), args.repeats)
           for name, fn in [("sandbox_one", sandbox_one), ("sandbox_batch", sandbox_batch), ("plain_one", plain_one), ("numpy_batch", numpy_batch)]}
    ns = {k: 1e9 / v for k, v in per.items()}
    rows.append(("reward, ns per transition", "sandboxed, one transition per call", ns["sandbox_one"], "plain Python function", ns["plain_one"]))
    rows.append(("reward, ns per transition", "sandboxed, batch of 1,024", ns["sandbox_batch"], "numpy, batch of 1,024", ns["numpy_batch"]))

    try:
        import mujoco  # noqa: F401

        rows.append(cheetah_row(args))
    except ImportError:
        pass

    if args.json:
        print(json.dumps([dict(zip(["what", "ours", "ours_value", "peer", "peer_value"], r)) for r in rows], indent=1))
        return
    print("| measure | rewardsmith | value | peer | value | ratio (ours/peer) |")
    print("|---|---|---:|---|---:|---:|")
    for what, ours, a, peer, b in rows:
        print(f"| {what} | {ours} | {a:,.0f} | {peer} | {b:,.0f} | {a / b:.2f}× |")


if __name__ == "__main__":
    main()
