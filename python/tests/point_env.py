"""A tiny env of our own for the user-`train_fn` tests: a point pushed toward a target
(a schema, and a numpy simulation here), and a deterministic "trainer" that random-searches
a two-gain controller on the candidate's sandboxed reward. Fast (milliseconds per
candidate), so the tests exercise the loop, not a learner."""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

import rewardsmith as rs

SCHEMA = rs.Schema.from_dict(
    {
        "id": "point-v0",
        "task": "Push the point to the target and keep it there.",
        "state": [
            {"name": "pos", "unit": "m", "doc": "Position.", "range": [-1, 1]},
            {"name": "vel", "unit": "m/s", "doc": "Velocity.", "range": [-1, 1]},
            {"name": "target", "unit": "m", "doc": "Target position.", "range": [-1, 1]},
        ],
        "action": [{"name": "force", "unit": "N", "doc": "Push along the line.", "range": [-1, 1]}],
    }
)

EPISODE = 50


def episode(reward: rs.Reward, gains: np.ndarray, seed: int, nan_at: int = -1):
    """One episode under a PD controller: (reward return, −mean distance, per-term means);
    at step ``nan_at`` the reward sees NaN everywhere."""
    rng = np.random.default_rng(seed)
    pos, vel, target = rng.uniform(-1, 1), 0.0, rng.uniform(-1, 1)
    ret, dist, terms = 0.0, 0.0, {}
    for t in range(EPISODE):
        force = float(np.clip(gains[0] * (target - pos) - gains[1] * vel, -1, 1))
        before = {"pos": pos, "vel": vel, "target": target}
        vel += 0.1 * force
        pos += 0.1 * vel
        after = {"pos": pos, "vel": vel, "target": target}
        if t == nan_at:  # a broken simulator step: every float NaN
            before = after = {k: float("nan") for k in after}
            force = float("nan")
        total, ts = reward(before, {"force": force}, after)
        ret += float(total[0])
        dist += abs(target - pos)
        for k, v in ts.items():
            terms[k] = terms.get(k, 0.0) + float(v[0]) / EPISODE
    return ret, -dist / EPISODE, terms


def train_fn(reward: rs.Reward, *, seed: int, steps: int) -> Dict[str, Any]:
    """Keeps the gains whose episode the reward likes best; fitness is the task's own
    measure (−mean distance to the target) on a held-out episode."""
    rng = np.random.default_rng(seed)
    best, best_ret, curve = np.zeros(2), -np.inf, []
    for _ in range(max(1, steps // EPISODE)):
        gains = rng.uniform(0, 5, 2)
        ret, fit, _ = episode(reward, gains, seed)
        if ret > best_ret:
            best, best_ret = gains, ret
        curve.append(fit)
    _, fitness, terms = episode(reward, best, seed + 999)
    return {"fitness": fitness, "terms": terms, "episodes": 1, "fitness_curve": curve[-5:], "steps": steps}


class Recorder:
    """``train_fn`` that remembers each call: (env id, module hash, seed, steps, fitness)."""

    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []

    def __call__(self, reward: rs.Reward, *, seed: int, steps: int) -> Dict[str, Any]:
        out = train_fn(reward, seed=seed, steps=steps)
        self.calls.append(
            {"env": reward.env_id, "module": reward.module_sha256, "seed": seed, "steps": steps, "fitness": out["fitness"]}
        )
        return out
