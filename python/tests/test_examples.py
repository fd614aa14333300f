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
