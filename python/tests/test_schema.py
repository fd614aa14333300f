"""Bring your own env: schemas, rewards written for them, the wrapper on a Gymnasium MuJoCo
env, and batches bit-identical to `rewardsmith check` (the Rust reference)."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import rewardsmith
from rewardsmith import Reward, SandboxedReward, Schema, errors
from conftest import ROOT, run_cli

CHEETAH = ROOT / "python" / "examples" / "half_cheetah"

ARM = {
    "id": "py_arm-v0",
    "task": "Move the tip to the target.",
    "state": [
        {"name": "tip", "shape": [2], "unit": "m", "doc": "Tip position.", "range": [-1, 1]},
        {"name": "target", "shape": [2], "unit": "m", "doc": "Target position."},
        {"name": "speed", "unit": "m/s"},
    ],
    "action": [{"name": "torque", "shape": [2], "range": [-1, 1]}],
}

ARM_REWARD = """
use rewardsmith_guest::prelude::*;
use crate::env::*;

fn reward(_s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {
    let near = t.add("near", -dist(&next.tip, &next.target));
    let effort = t.add("effort", -0.01 * norm_sq(&a.torque));
    let fast = t.add("fast", next.speed * 0.5);
    near + effort + fast
}
export_reward!(reward);
"""


def f32(x) -> np.float32:
    return np.float32(x)


def test_a_schema_from_a_dict_a_toml_or_json_file_or_a_dict_space_is_the_same(tmp_path: Path):
    from_toml = Schema.from_file(CHEETAH / "schema.toml")
    (tmp_path / "s.json").write_text(from_toml.to_json())
    assert Schema.from_file(tmp_path / "s.json") == from_toml == Schema.from_dict(from_toml.to_dict())
    assert from_toml.id == "half_cheetah-v0" and from_toml.state[3] == {
        "name": "joint_pos", "shape": [6], "unit": "rad", "doc": from_toml.state[3]["doc"], "range": [-1.2, 1.2]
    }  # fmt: skip

    space = gym.spaces.Dict(
        {
            "tip": gym.spaces.Box(-1, 1, (2,), np.float32),
            "target": gym.spaces.Box(-np.inf, np.inf, (2,), np.float32),
            "speed": gym.spaces.Box(-np.inf, np.inf, (), np.float32),
        }
    )
    from_space = Schema.from_space(
        "py_arm-v0", space, gym.spaces.Box(-1, 1, (2,), np.float32), task=ARM["task"], action_name="torque",
        units={"tip": "m", "target": "m", "speed": "m/s"}, docs={"tip": "Tip position.", "target": "Target position."},
    )  # fmt: skip
    # Fields in the space's order (Gymnasium sorts a plain dict's keys, as its `flatten` does).
    # Finite bounds become ranges; unbounded fields get none.
    assert [f["name"] for f in from_space.state] == ["speed", "target", "tip"]
    assert from_space.state[2]["range"] == [-1.0, 1.0] and from_space.state[1]["range"] is None
    assert from_space.state[0] == {"name": "speed", "shape": [], "unit": "m/s", "doc": "", "range": None}
    assert from_space.action == [{"name": "torque", "shape": [2], "unit": "", "doc": "", "range": [-1.0, 1.0]}]
    with pytest.raises(TypeError, match="Dict"):
        Schema.from_space("x-v0", gym.spaces.Box(-1, 1, (2,)), gym.spaces.Box(-1, 1, (2,)))


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s["state"][0].update(name="tip: f32 } pub mod evil {"), "state field 1: name `tip: f32 } pub mod evil {` is not an identifier"),
        (lambda s: s["state"][1].update(name="match"), "Rust keyword"),
        (lambda s: s.update(id="arm\n-v0"), "is not `name-vN`"),
        (lambda s: s.update(id="reacher-v7"), "built-in env"),
        (lambda s: s["state"][0].update(doc='ok"]}\n fn evil() {}'), "control character"),
        (lambda s: s["state"][0].update(shape=[1 << 20]), "more than 4096 floats"),
        (lambda s: s["state"][0].update(range=[1, -1]), "low < high"),
        (lambda s: s.update(action=[]), "action: has no fields"),
        (lambda s: s.update(reward="fn evil() {}"), "unknown field `reward`"),
    ],
)
def test_a_bad_schema_raises_schema_error_saying_what_to_fix(edit, message):
    data = json.loads(json.dumps(ARM))
    edit(data)
    with pytest.raises(errors.SchemaError) as e:
        Schema.from_dict(data)
    assert e.value.kind == "schema" and message in e.value.message


def test_a_reward_for_a_schema_computes_its_terms_exactly():
    schema = Schema.from_dict(ARM)
    r = Reward.compile(ARM_REWARD, env=schema)
    assert (r.env_id, r.state_len, r.action_len, r.transition_len) == ("py_arm-v0", 5, 2, 12)
    s = {"tip": [0.1, 0.2], "target": [0.4, -0.2], "speed": 0.0}
    nxt = {"tip": [0.3, 0.25], "target": [0.4, -0.2], "speed": 1.5}
    totals, terms = r(s, {"torque": [0.5, -1.0]}, nxt)
    # The same f32 operations in numpy, in the same order as the SDK's `dist` and `norm_sq`.
    dx, dy = f32(0.3) - f32(0.4), f32(0.25) - f32(-0.2)
    near = -np.sqrt(f32(0.0) + dx * dx + dy * dy, dtype=np.float32)
    effort = f32(-0.01) * (f32(0.0) + f32(0.5) * f32(0.5) + f32(-1.0) * f32(-1.0))
    fast = f32(1.5) * f32(0.5)
    assert [terms[k][0] for k in ("near", "effort", "fast")] == [near, effort, fast]
    assert totals[0] == near + effort + fast
    assert rewardsmith.spec("py_arm")["schema"] is True


def test_a_changed_schema_under_the_same_id_is_refused_once_registered():
    Schema.from_dict(ARM).register()
    changed = json.loads(json.dumps(ARM))
    changed["state"][2]["shape"] = [3]
    with pytest.raises(errors.SchemaConflictError, match="py_arm-v1"):
        Reward.compile(ARM_REWARD, env=Schema.from_dict(changed))


def test_hostile_rewards_for_a_schema_are_refused_or_stopped():
    schema = Schema.from_dict(ARM)
    with pytest.raises(errors.RefusedError) as e:
        Reward.compile(ARM_REWARD.replace("fn reward", 'const P: &str = include_str!("/etc/passwd");\nfn reward'), env=schema)
    assert "include_str" in e.value.message
    with pytest.raises(errors.RustcError):
        Reward.compile(ARM_REWARD.replace("next.speed", "next.velocity"), env=schema)
    nan = Reward.compile(ARM_REWARD.replace("next.speed * 0.5", "next.speed / 0.0 * 0.0"), env=schema)
    with pytest.raises(errors.NonFiniteError):
        nan.run(np.zeros((4, 12), np.float32))


def test_the_schema_prompt_and_module_are_what_the_reward_compiles_against():
    schema = Schema.from_file(CHEETAH / "schema.toml")
    assert "pub mod env {" in schema.module_source and "joint_vel: [f32; 6]" in schema.module_source
    assert schema.task.split(".")[0] in schema.prompt and schema.module_source.strip() in schema.prompt
    assert "use crate::env::*;" in schema.prompt


@pytest.mark.parametrize("env, reward, schema", [("reacher", "guest-sdk/examples/reacher.rs", None), (None, "python/examples/half_cheetah/reward.md", "python/examples/half_cheetah/schema.toml")])
def test_batches_are_bit_identical_to_rewardsmith_check(cli: Path, env, reward, schema):
    where = ["--env", env] if env else ["--schema", str(ROOT / schema)]
    out = json.loads(run_cli(cli, "check", str(ROOT / reward), *where, "--transitions", "300", "--batch", "128", "--seed", "5", "--json", "--values"))
    values = out["report"]["values"]
    transitions = np.asarray(values["transitions"], dtype=np.float32)
    r = Reward.compile(ROOT / reward, env=Schema.from_file(ROOT / schema) if schema else env)
    totals, terms, names = r.run(transitions)
    assert names == [t["name"] for t in out["report"]["terms"]]
    assert np.array_equal(totals.view(np.uint32), np.asarray(values["totals"], np.float32).view(np.uint32))
    assert np.array_equal(terms.view(np.uint32), np.asarray(values["terms"], np.float32).view(np.uint32))


def example_reader():
    """`read_state` from python/examples/evolve_half_cheetah.py: the mapping the examples use."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("evolve_half_cheetah", ROOT / "python" / "examples" / "evolve_half_cheetah.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.read_state


def test_the_wrapper_rewards_a_gymnasium_mujoco_env_in_the_sandbox():
    pytest.importorskip("mujoco", reason="mujoco is not installed (scripts/setup.sh installs gymnasium[mujoco])")
    schema = Schema.from_file(CHEETAH / "schema.toml")
    read_cheetah = example_reader()
    plain = gym.make("HalfCheetah-v5")
    env = SandboxedReward(gym.make("HalfCheetah-v5"), CHEETAH / "reward.md", schema, state_of=read_cheetah)
    with pytest.raises(gym.error.ResetNeeded):
        SandboxedReward(gym.make("HalfCheetah-v5"), env.reward, state_of=read_cheetah).step(np.zeros(6))
    obs, _ = env.reset(seed=1)
    plain_obs, _ = plain.reset(seed=1)
    rng = np.random.default_rng(0)
    for _ in range(120):
        action = rng.uniform(-1, 1, 6).astype(np.float32)
        obs, reward, terminated, truncated, info = env.step(action)
        plain_obs, plain_reward, *_ = plain.step(action)
        # The env itself is untouched: same observations and its own reward kept in info.
        assert np.array_equal(obs, plain_obs) and info["env_reward"] == plain_reward
        terms = info["terms"]
        assert reward == pytest.approx(sum(terms.values()), abs=1e-5)
        # `forward` and `ctrl` are Gymnasium's reward_forward and reward_ctrl, in f32.
        assert terms["forward"] == pytest.approx(info["reward_forward"], abs=1e-4)
        assert terms["ctrl"] == pytest.approx(info["reward_ctrl"], abs=1e-5)
        assert 0 < terms["upright"] <= np.float32(0.05)
    # An action of the wrong size is refused before the env steps; a mapping that misses or
    # adds a field is refused by name.
    with pytest.raises(ValueError, match="6"):
        env.step(np.zeros(5))
    missing = SandboxedReward(gym.make("HalfCheetah-v5"), env.reward, state_of=lambda e: {**read_cheetah(e), "extra": 1.0})
    with pytest.raises(KeyError, match="exactly the fields"):
        missing.reset(seed=0)
    short = lambda e: {k: v for k, v in read_cheetah(e).items() if k != "torso_angle"} | {"torso_angel": 0.0}  # noqa: E731
    with pytest.raises(KeyError, match="missing field `torso_angle`"):
        SandboxedReward(gym.make("HalfCheetah-v5"), env.reward, state_of=short).reset(seed=0)
