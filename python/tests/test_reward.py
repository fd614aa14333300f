"""Sandboxed rewards from Python: batches, named mappings, LLM answers, and every error
kind as its own exception class (the object stays usable after a failure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rewardsmith
from rewardsmith import Reward, errors
from conftest import ROOT

HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


def cartpole(body: str) -> str:
    return (
        "use rewardsmith_guest::envs::cartpole::*;\nuse rewardsmith_guest::prelude::*;\n\n"
        "fn reward(s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {\n"
        f"{body}\n}}\n\nexport_reward!(reward);\n"
    )


UPRIGHT = cartpole("    let _ = (s, a);\n    let up = t.add(\"upright\", 1.0 - abs(next.pole_angle) / ANGLE_LIMIT);\n    up + t.add(\"centred\", -0.1 * next.cart_pos * next.cart_pos)")


def transitions(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(-0.2, 0.2, (n, 11)).astype(np.float32)


@pytest.fixture(scope="module")
def upright() -> Reward:
    return Reward.compile(UPRIGHT, env="cartpole")


def test_batches_match_the_formula_and_one_by_one(upright):
    tr = transitions(1024)
    totals, terms, names = upright.run(tr)
    assert names == ["upright", "centred"] and totals.shape == (1024,) and terms.shape == (1024, 2)
    nxt = tr[:, 6:11]
    up = np.float32(1.0) - np.abs(nxt[:, 2]) / np.float32(0.2095)
    assert np.allclose(terms[:, 0], up, rtol=1e-6)
    for i in range(0, 1024, 97):  # one at a time: the same bits as in the batch
        t1, _, _ = upright.run(tr[i : i + 1])
        assert t1[0].tobytes() == totals[i].tobytes()


def test_arrays_and_named_mappings_give_the_same_values(upright):
    tr = transitions(1)
    totals, terms = upright(tr[:, :5], tr[:, 5:6], tr[:, 6:])
    names = [f["name"] for f in rewardsmith.spec("cartpole")["state_fields"]]
    s = dict(zip(names, tr[0, :5]))
    n = dict(zip(names, tr[0, 6:]))
    t2, terms2 = upright(s, {"force": tr[0, 5]}, n)
    assert totals.tobytes() == t2.tobytes() and set(terms) == {"upright", "centred"}
    assert terms["upright"].tobytes() == terms2["upright"].tobytes()
    with pytest.raises(KeyError, match="missing field"):
        upright({"cart_pos": 0.0}, {"force": 0.0}, n)


def test_an_llm_answer_is_taken_as_written(tmp_path):
    answer = f"Here is a reward that keeps the pole up.\n\n```rust\n{UPRIGHT}```\n\nIt rewards uprightness.\n"
    r = Reward.compile(answer, env="cartpole")
    assert r.extracted and "fenced block" in r.extracted
    md = tmp_path / "answer.md"
    md.write_text(answer)
    assert Reward.compile(md, env="cartpole").module_sha256 == r.module_sha256
    prose = tmp_path / "prose.md"
    prose.write_text("I would reward the pole being upright.\n")
    with pytest.raises(errors.of_kind("no_code")) as e:
        Reward.compile(prose, env="cartpole")
    assert isinstance(e.value, rewardsmith.RewardsmithError) and e.value.kind == "no_code"


@pytest.mark.parametrize(
    "source, kind",
    [
        (cartpole("    let _ = (s, a, next);\n    t.add(\"x\", 1u32)"), "rustc"),
        ('const SECRET: &str = include_str!("/etc/passwd");\n' + UPRIGHT, "refused"),
    ],
    ids=["type_error", "include_str"],
)
def test_compile_errors_raise_their_kind(source, kind):
    with pytest.raises(errors.of_kind(kind)) as e:
        Reward.compile(source, env="cartpole")
    assert e.value.kind == kind and len(e.value.message) > 20


def test_a_reward_that_reads_files_gets_nothing():
    """wasm32 has no filesystem: `std::fs` compiles to calls that fail inside the sandbox."""
    body = "    let _ = (s, a, next);\n    t.add(\"read\", std::fs::read(\"/etc/passwd\").map(|b| b.len() as f32).unwrap_or(-1.0))"
    totals, terms, names = Reward.compile(cartpole(body), env="cartpole").run(transitions(4))
    assert names == ["read"] and (totals == -1.0).all()


@pytest.mark.parametrize(
    "fixture, kind",
    [
        ("wasi_import.wat", "forbidden_import"),
        ("missing_export.wat", "missing_export"),
        ("malformed.wasm", "malformed"),
        ("wrong_env.wat", "env_mismatch"),
    ],
)
def test_modules_the_sandbox_refuses_raise_their_kind(fixture, kind):
    with pytest.raises(errors.of_kind(kind)):
        Reward.compile(HOSTILE / fixture, env="cartpole")


@pytest.mark.parametrize(
    "body, kind",
    [
        ("    let _ = (s, a, next, t);\n    panic!(\"boom\")", "panicked"),
        ("    let _ = (s, a, t);\n    let mut x = next.cart_pos;\n    loop { x = x * 1.0001; if x.is_nan() { return x; } }", "timeout"),
        ("    let _ = (s, a, next);\n    t.add(\"nan\", 0.0 / (next.cart_pos - next.cart_pos))", "non_finite"),
    ],
    ids=["panic", "infinite_loop", "nan"],
)
def test_runtime_failures_raise_their_kind_and_the_reward_recovers(body, kind):
    bad = Reward.compile(cartpole(body), env="cartpole")
    with pytest.raises(errors.of_kind(kind)):
        bad.run(transitions(16))
    good = Reward.compile(UPRIGHT, env="cartpole")
    assert np.isfinite(good.run(transitions(16))[0]).all()
    with pytest.raises(errors.of_kind(kind)):
        bad.run(transitions(16))  # a fresh instance, failing the same way


def test_wrong_shapes_are_refused_before_the_sandbox(upright):
    with pytest.raises(ValueError, match="11 floats"):
        upright.run(np.zeros((4, 10), np.float32))


def test_exception_classes_are_one_per_kind():
    assert errors.of_kind("timeout") is errors.of_kind("timeout")
    assert errors.of_kind("timeout") is not errors.of_kind("panicked")
    assert errors.of_kind("timeout").__name__ == "TimeoutError" and errors.TimeoutError.kind == "timeout"
    assert issubclass(errors.of_kind("a_new_kind"), rewardsmith.RewardsmithError)
