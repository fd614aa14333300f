#!/usr/bin/env bash
# The test command a newcomer runs (README): checks and installs what the tests need
# (scripts/setup.sh says what it does), then runs every test of the workspace and of the
# Python package (python/tests, in the venv target/py). Extra arguments go to `cargo test`
# (e.g. `scripts/test.sh -- store::`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The Python extension (python/) is built by maturin below, not by cargo test.
echo "== tests: cargo test --release --workspace --exclude rewardsmith-python $*"
cargo test --release --workspace --exclude rewardsmith-python "$@"

echo "== tests: Python package (pip install ./python; pytest python/tests)"
target/py/bin/python -m pip install -q --disable-pip-version-check ./python
# The pytest script (not `python -m pytest`, which puts the working folder on sys.path):
# the installed package is imported, not the source folder.
target/py/bin/pytest -q -p no:cacheprovider python/tests
