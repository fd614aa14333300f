#!/usr/bin/env bash
# Evolve on a Ray cluster against the local executor (issue 16): per-candidate overhead,
# iteration time as simulated nodes are added, and pusher's per-candidate cost for the
# paper estimate. Ray runs inside a private network namespace holding only `lo` (it binds
# 127.0.0.1 there; as root `unshare --net`, else a user namespace). Uses the test venv
# (target/py, scripts/setup.sh) with the package installed from python/. Arguments go to
# bench/python/ray_bench.py (--steps, --pusher-steps, --json). Results: docs/benchmarks.md,
# "Evolve on Ray".
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/py/bin/python ] || { echo "bench/ray.sh: run scripts/setup.sh first (it makes target/py)" >&2; exit 1; }
target/py/bin/python -m pip install -q --disable-pip-version-check "ray>=2.60,<3" ./python
ns=(unshare --net)
[ "$(id -u)" = 0 ] || ns=(unshare --net --map-root-user)
RAY_USAGE_STATS_ENABLED=0 "${ns[@]}" bash -c 'ip link set lo up && exec target/py/bin/python bench/python/ray_bench.py "$@"' bench "$@"
