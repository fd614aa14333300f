#!/usr/bin/env bash
# The browser runtime's build settings side by side (issue 17): the web profile at
# opt-level "s" and "z" (each in its own target folder; the name section dropped as
# web/build.sh does), exported as a demo of one trained run, and for each: every file's raw
# and gzip size, and the page's own step hook timed in Chromium (policy, physics and reward
# in wasm, one step at a time). Takes ~10 minutes cold on 2 cores (two wasm32 builds).
# Usage: bench/demo_build.sh [ENV] (default ant, the heaviest). Results: docs/benchmarks.md,
# "Browser demo size".
set -euo pipefail
cd "$(dirname "$0")/.."
env=${1:-ant}
work=$(mktemp -d)
servers=()
trap 'kill "${servers[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
cargo build --release -q -p rewardsmith
bin=target/release/rewardsmith
"$bin" train --env "$env" --reward "guest-sdk/examples/${env}.rs" --steps 8192 --out "$work/run" --quiet >/dev/null
port=8790
for level in s z; do
  CARGO_PROFILE_WEB_OPT_LEVEL=$level CARGO_TARGET_DIR=target/web-$level \
    cargo build -q --profile web --target wasm32-unknown-unknown -p rewardsmith-web
  pkg="$work/pkg-$level"
  mkdir -p "$pkg"
  wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$pkg" \
    "target/web-$level/wasm32-unknown-unknown/web/rewardsmith_web.wasm"
  cp web/static/* "$pkg/"
  echo "== opt-level \"$level\""
  "$bin" export-demo --run "$work/run" --out "$work/demo-$level" --runtime "$pkg" | grep -E 'wasm|total'
  python3 -m http.server --bind 127.0.0.1 "$port" --directory "$work/demo-$level" >/dev/null 2>&1 &
  servers+=($!)
  sleep 1
  node web/tests/step_speed.mjs "http://127.0.0.1:$port/index.html" 400 5 |
    python3 -c 'import json, sys; d = json.load(sys.stdin); r = d["runs"]; print("  step hook: %.3f ms per step (median of %d runs of %d steps)" % (d["ms_per_step_median"], len(r), r[0]["steps"]))'
  port=$((port + 1))
done
