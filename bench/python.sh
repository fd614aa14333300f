#!/usr/bin/env bash
# Python-side benchmarks (issue 15): rewardsmith's Gymnasium envs, vector env and sandboxed
# rewards from Python against Gymnasium's envs (MuJoCo included) and plain Python / numpy
# rewards, side by side in one run. Uses its own venv (target/py-bench) with the package
# built from python/ plus gymnasium[mujoco]. Arguments go to bench/python/bench.py
# (--steps, --repeats, --json). Results: docs/benchmarks.md, "From Python".
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/py-bench
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "gymnasium[mujoco]>=1.0,<2" ./python
cargo build --release -q -p rewardsmith
echo "machine: $(nproc) cores, $(python3 --version), $(date -u +%F)" >&2
"$venv/bin/python" bench/python/bench.py "$@"
