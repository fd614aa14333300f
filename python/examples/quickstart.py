"""The README's example: a built-in env rewarded by a sandboxed program, an LLM answer
compiled for it, a batch of rewards, and a short native training."""

import sys
import tempfile
from pathlib import Path

import gymnasium as gym
import numpy as np

import rewardsmith

ROOT = Path(__file__).resolve().parents[2]
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000

env = gym.make("rewardsmith/Reacher-v0", reward=str(ROOT / "guest-sdk/examples/reacher.rs"))
obs, info = env.reset(seed=0)
obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
print(f"reward {reward:.3f}, terms {info['terms']}, fingertip {info['state']['fingertip']}")

# An LLM's answer as it wrote it: prose around a fenced program.
llm_answer = """The arm should close the distance to the target:

```rust
use rewardsmith_guest::envs::reacher::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {
    let near = t.add("near", -dist(&next.fingertip, &next.target));
    near + t.add("effort", -0.01 * norm_sq(&a.torque))
}

export_reward!(reward);
```
"""
r = rewardsmith.Reward.compile(llm_answer, env="reacher")
print("extracted:", r.extracted)
state_len, action_len = r.state_len, r.action_len
rng = np.random.default_rng(0)
states = rng.uniform(-0.2, 0.2, (1024, state_len)).astype(np.float32)
actions = rng.uniform(-1, 1, (1024, action_len)).astype(np.float32)
totals, terms = r(states, actions, states)
print(f"1024 rewards: mean {totals.mean():.4f}, terms {sorted(terms)}")

with tempfile.TemporaryDirectory() as out:
    result = rewardsmith.train("reacher", reward=llm_answer, steps=steps, out=Path(out) / "run")
    print(result)
