#!/usr/bin/env bash
# The test command a newcomer runs (README): checks and installs what the tests need
# (scripts/setup.sh says what it does), then runs every test of the workspace. Extra
# arguments go to `cargo test` (e.g. `scripts/test.sh -- store::`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== tests: cargo test --release --workspace $*"
exec cargo test --release --workspace "$@"
