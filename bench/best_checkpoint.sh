#!/usr/bin/env bash
# What the best checkpoint costs (issue 17): `rewardsmith train` with --best-episodes 0 (no
# held-out evaluation) and 5 (the default), alternating in one run so both see the same
# machine, on an env's full budget with its human baseline reward. Prints each run's wall
# seconds, the held-out fitness of the best checkpoint against the late-window fitness, and
# the median time ratio. Usage: bench/best_checkpoint.sh [ENV] [REPEATS] [THREADS]
# (default cartpole 3 2). Results: docs/benchmarks.md, "Best checkpoint".
set -euo pipefail
cd "$(dirname "$0")/.."
env=${1:-cartpole}
repeats=${2:-3}
threads=${3:-2}
cargo build --release -q -p rewardsmith
bin=target/release/rewardsmith
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
reward=guest-sdk/examples/${env}.rs
for r in $(seq 1 "$repeats"); do
  for n in 0 5; do
    "$bin" train --env "$env" --reward "$reward" --seed "$r" --threads "$threads" --best-episodes "$n" \
      --out "$out/$n-$r" --json > "$out/$n-$r.json"
    python3 - "$out/$n-$r.json" "$n" "$r" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
best = s["best"]
held = f"best checkpoint {best['fitness']['mean']:.3f} at step {best['step']}" if best else "no best checkpoint"
print(f"seed {sys.argv[3]} best_episodes {sys.argv[2]}: {s['wall_s']:.2f} s, late fitness {s['late_fitness']:.3f}, {held}")
PY
  done
done
python3 - "$out" "$repeats" <<'PY'
import json, os, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
wall = lambda k, r: json.load(open(os.path.join(out, f"{k}-{r}.json")))["wall_s"]
ratios = [wall(5, r) / wall(0, r) for r in range(1, n + 1)]
print(f"wall time with / without the best checkpoint, per seed: {', '.join(f'{x:.3f}' for x in ratios)}; median {statistics.median(ratios):.3f}")
PY
