"""Shared fixtures: the `rewardsmith` CLI (the Rust reference) and one short training."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli() -> Path:
    """The CLI built by `cargo build --release` (or REWARDSMITH_BIN)."""
    path = Path(os.environ.get("REWARDSMITH_BIN", ROOT / "target" / "release" / "rewardsmith"))
    if not path.exists():
        pytest.fail(f"{path} is missing: run `cargo build --release -p rewardsmith` (scripts/test.sh does)")
    return path


def run_cli(cli: Path, *args: str) -> str:
    done = subprocess.run([str(cli), *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def cartpole_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cartpole run folder from a short native training (its policy need not be good)."""
    import rewardsmith

    out = tmp_path_factory.mktemp("train") / "cartpole"
    rewardsmith.train("cartpole", steps=4096, seed=3, out=out, threads=1)
    return out
