"""The built-in envs through Gymnasium: the env checkers, seeding, and the same bits as
the Rust env (checked against the CLI's rollout)."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rewardsmith
from conftest import run_cli

ALL = rewardsmith.env_ids()


def test_every_env_is_registered_under_the_namespace():
    assert len(ALL) >= 7
    for env_id in ALL:
        assert rewardsmith.gym_name(env_id) in gym.registry
    assert rewardsmith.gym_name("ball_balance-v0") == "rewardsmith/BallBalance-v0"


@pytest.mark.parametrize("env_id", ALL)
def test_env_checker_passes(env_id):
    env = gym.make(rewardsmith.gym_name(env_id))
    check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id", ALL)
def test_an_episode_has_the_gymnasium_shape_and_named_state(env_id):
    env = gym.make(rewardsmith.gym_name(env_id))
    spec = rewardsmith.spec(env_id)
    obs, info = env.reset(seed=5)
    assert obs.dtype == np.float32 and env.observation_space.contains(obs)
    assert [f["name"] for f in spec["state_fields"]] == list(info["state"])
    steps, done = 0, False
    while not done:
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert isinstance(reward, float) and np.isfinite(reward)
        assert set(info) >= {"state", "terms", "fitness"}
        steps += 1
        done = terminated or truncated
    assert steps <= spec["max_episode_steps"]
    assert truncated == (steps == spec["max_episode_steps"] and not terminated)
    lo, hi = spec["fitness_range"]
    assert lo <= info["fitness"] <= hi


def test_same_seed_same_observations_and_a_new_seed_differs():
    env = gym.make("rewardsmith/Reacher-v0")
    a = [env.reset(seed=11)[0]] + [env.step(np.full(2, 0.3, np.float32))[0] for _ in range(20)]
    b = [env.reset(seed=11)[0]] + [env.step(np.full(2, 0.3, np.float32))[0] for _ in range(20)]
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(env.reset(seed=12)[0], a[0])


def test_render_modes_other_than_none_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="browser"):
        gym.make("rewardsmith/Cartpole-v0", render_mode="rgb_array")


def test_bad_actions_raise_their_kind_and_leave_the_env_usable():
    env = gym.make("rewardsmith/Reacher-v0").unwrapped
    env.reset(seed=0)
    with pytest.raises(rewardsmith.errors.of_kind("non_finite_action")):
        env.step(np.array([np.nan, 0.0], np.float32))
    with pytest.raises(rewardsmith.errors.of_kind("action_length")):
        env.step(np.zeros(3, np.float32))
    env.step(np.zeros(2, np.float32))
    with pytest.raises(rewardsmith.errors.of_kind("unknown_env")):
        rewardsmith.RewardsmithEnv("no_such_env-v0")


def test_python_replays_the_rust_rollout_bit_for_bit(cli, cartpole_run, tmp_path):
    """The CLI's rollout (Rust env, Rust policy, sandboxed reward) against the same episode
    stepped from Python: every observation and every reward, bit for bit."""
    run_cli(cli, "rollout", "--run", str(cartpole_run), "--seed", "7", "--out", str(tmp_path / "replay.json"))
    frames = json.loads((tmp_path / "replay.json").read_text())["frames"]
    policy = rewardsmith.load_policy(cartpole_run)
    env = gym.make("rewardsmith/Cartpole-v0", reward=str(cartpole_run / "reward.rs"))
    obs, _ = env.reset(seed=7)
    assert len(frames) > 5
    for f in frames:
        assert np.array_equal(obs, np.asarray(f["obs"], np.float32)), f"t={f['t']}"
        action = policy(obs)
        assert action == int(f["action"][0])
        obs, reward, terminated, truncated, info = env.step(action)
        assert np.float32(reward) == np.float32(f["reward"]), f"t={f['t']}"
    assert terminated or truncated


def test_the_vector_env_passes_the_vector_checks_and_matches_single_envs():
    venv = gym.make_vec("rewardsmith/Pendulum-v0", num_envs=3, vectorization_mode="vector_entry_point")
    obs, _ = venv.reset(seed=4)
    assert obs.shape == (3, venv.single_observation_space.shape[0])
    assert venv.observation_space.contains(obs)
    actions = np.zeros((3, 1), np.float32)
    ended = False
    for _ in range(250):  # pendulum truncates at 200: one autoreset happens
        obs, rewards, terminated, truncated, info = venv.step(actions)
        assert rewards.shape == (3,) and rewards.dtype == np.float32
        if truncated.any():
            assert info["_final_obs"].tolist() == truncated.tolist()
            assert np.all(np.isfinite(info["fitness"][truncated]))
            ended = True
    assert ended


def test_vector_env_bits_do_not_depend_on_threads():
    def run(threads):
        v = rewardsmith.RewardsmithVectorEnv("ant", num_envs=4, threads=threads)
        v.reset(seed=9)
        rng = np.random.default_rng(0)
        out = []
        for _ in range(30):
            o, r, *_ = v.step(rng.uniform(-1, 1, (4, 8)).astype(np.float32))
            out.append((o.copy(), r.copy()))
        return out

    for (o1, r1), (o2, r2) in zip(run(1), run(3)):
        assert np.array_equal(o1, o2) and np.array_equal(r1, r2)


def test_a_reward_for_another_state_is_refused():
    with pytest.raises(ValueError, match="State differs"):
        gym.make("rewardsmith/Cartpole-v0", reward=rewardsmith.Reward.baseline("pendulum"))
    # cartpole_continuous shares cartpole's State: its rewards fit.
    env = gym.make("rewardsmith/CartpoleContinuous-v0", reward=rewardsmith.Reward.baseline("cartpole"))
    env.reset(seed=0)
    assert isinstance(env.step(np.zeros(1, np.float32))[1], float)


def test_info_state_reads_by_field_name_and_copies_to_a_dict():
    env = gym.make("rewardsmith/Reacher-v0")
    _, info = env.reset(seed=2)
    state = info["state"]
    names = [f["name"] for f in rewardsmith.spec("reacher")["state_fields"]]
    assert list(state) == names and len(state) == len(names)
    d = dict(state)
    lens = {f["name"]: f["len"] for f in rewardsmith.spec("reacher")["state_fields"]}
    assert d["fingertip"].shape == (lens["fingertip"],) and state == d and state == env.unwrapped.state()
    assert state.array().shape == (rewardsmith.spec("reacher")["state_len"],)
    with pytest.raises(KeyError):
        state["no_such_field"]
