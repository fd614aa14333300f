"""The examples in python/examples run as written (with small budgets)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

EXAMPLES = ROOT / "python" / "examples"


def run(name: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_quickstart_the_readme_example():
    out = run("quickstart.py", "2048")
    assert "extracted: fenced block" in out and "TrainResult(env='reacher-v0'" in out


def test_cleanrl_style_vector_rollout():
    out = run("vector_rollout.py", "256")
    assert "2048 transitions" in out and "episodes ended, mean fitness" in out


def test_stable_baselines3_trains_on_a_rewardsmith_env():
    """A few thousand SB3 PPO steps on a rewardsmith env with a sandboxed reward. Needs
    stable-baselines3 (torch, ~5.5 GiB): CI installs it (REWARDSMITH_TEST_SB3=1)."""
    import pytest

    pytest.importorskip("stable_baselines3", reason="stable-baselines3 is not installed (REWARDSMITH_TEST_SB3=1 scripts/test.sh)")
    out = run("sb3_ppo.py", "4096")
    assert "SB3 PPO, 4096 steps: task fitness over 3 episodes" in out


def test_an_llm_reward_on_gymnasium_mujoco_half_cheetah():
    import pytest

    pytest.importorskip("mujoco", reason="mujoco is not installed (scripts/setup.sh installs gymnasium[mujoco])")
    out = run("mujoco_half_cheetah.py", "150")
    assert "150 steps of HalfCheetah-v5 rewarded in the sandbox" in out and "terms ['ctrl', 'forward', 'upright']" in out


def test_eurekas_loop_on_half_cheetah_with_sb3_as_the_users_trainer(tmp_path, cli):
    """The user-`train_fn` example end to end with a tiny budget: offline proposals for the
    HalfCheetah-v5 schema, each trained by SB3 PPO in a SandboxedReward wrapper and judged
    by Gymnasium's own return."""
    import json

    import pytest

    pytest.importorskip("stable_baselines3", reason="stable-baselines3 is not installed (REWARDSMITH_TEST_SB3=1 scripts/test.sh)")
    pytest.importorskip("mujoco", reason="mujoco is not installed (scripts/setup.sh installs gymnasium[mujoco])")
    store = tmp_path / "hc.db"
    args = ["--proposer", "offline", "--steps", "256", "--iterations", "2", "--samples", "2", "--final-seeds", "1"]
    out = run("evolve_half_cheetah.py", *args, "--episode-steps", "40", "--eval-episodes", "1", "--store", str(store))
    assert "run 1: best i" in out and "final evaluation over 1 seeds" in out, out
    final = json.loads(out.split("final evaluation over 1 seeds: ")[1].splitlines()[0])
    assert len(final["fitness"]) == 1 and final["fitness"][0] is not None
    shown = subprocess.run([str(cli), "runs", "--store", str(store), "show", "1", "--json"], capture_output=True, text=True, check=True)
    cands = json.loads(shown.stdout)["candidates"]
    assert [c["status"] for c in cands] == ["trained"] * len(cands) and len(cands) == 2 * 2 + 2 + 1
    # SB3's policy was judged on the task: Gymnasium's return, with the reward's terms reported.
    assert all(c["result"]["terms"] and c["result"]["late_episode_length"]["mean"] == 40 for c in cands)
