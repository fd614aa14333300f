#!/usr/bin/env bash
# Your own env and trainer (issue 16): the sandboxed reward's cost inside Stable-Baselines3
# PPO on Gymnasium's MuJoCo HalfCheetah-v5 (plain env vs SandboxedReward, side by side in one
# run), and the evolve loop's own cost per candidate with a training function that returns at
# once. Uses the test venv (target/py, scripts/setup.sh) with SB3 from
# bench/requirements-sb3.txt. Arguments go to bench/python/train_fn_bench.py (--steps,
# --repeats, --candidates, --json). Results: docs/benchmarks.md, "Your own trainer".
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/py/bin/python ] || { echo "bench/train_fn.sh: run scripts/setup.sh first (it makes target/py)" >&2; exit 1; }
target/py/bin/python -m pip install -q --disable-pip-version-check -r bench/requirements-sb3.txt "gymnasium[mujoco]" ./python
exec target/py/bin/python bench/python/train_fn_bench.py "$@"
