#!/usr/bin/env bash
# The offline proposer's human-normalised score on cartpole, pendulum and reacher: one
# `rewardsmith evolve --proposer offline` run per env, then a markdown table of the final
# evaluation (best found vs human baseline vs sparse reward, task fitness mean ± std over
# the final seeds) and (F − F_sparse) / |F_human − F_sparse|.
#
#   bench/evolve_offline.sh                                  # the defaults: 5 iterations × 16, 5 final seeds
#   bench/evolve_offline.sh --iterations 2 --samples 8 --final-seeds 3 --only pendulum
#
# Runs are stored in target/evolve-offline/<time>/runs.db (reports next to it).
set -euo pipefail
cd "$(dirname "$0")/.."

iterations=5 samples=16 final_seeds=5 only="cartpole,pendulum,reacher" seed=0
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "usage: $0 [--iterations N] [--samples N] [--final-seeds N] [--seed S] [--only a,b]" >&2; exit 2; }
  case "$1" in
    --iterations) iterations=$2 ;;
    --samples) samples=$2 ;;
    --final-seeds) final_seeds=$2 ;;
    --seed) seed=$2 ;;
    --only) only=$2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
  shift 2
done

cargo build --release -q -p rewardsmith
out="target/evolve-offline/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
for env in ${only//,/ }; do
  echo "== $env: $iterations iterations × $samples candidates, $final_seeds final seeds (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  start=$(date +%s)
  target/release/rewardsmith evolve --env "$env" --proposer offline --iterations "$iterations" --samples "$samples" \
    --final-seeds "$final_seeds" --seed "$seed" --store "$out/runs.db" --json > "$out/$env.json"
  echo $(( $(date +%s) - start )) > "$out/$env.wall"
done

python3 - "$out" "$only" "$iterations" "$samples" <<'PY'
import json, sys
out, only, iterations, samples = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4]
def ms(s):
    m = s.get("mean_std")
    return f"{m['mean']:.3f} ± {m['std']:.3f}" if m else "–"
print(f"Offline proposer, {iterations} iterations × {samples} candidates per env.\n")
print("| env | best found | human baseline | sparse | human-normalised score | candidates (failed) | wall-clock |")
print("|---|---|---|---|---:|---:|---:|")
for env in only:
    d = json.load(open(f"{out}/{env}.json"))
    if "error" in d:
        print(f"| {env} | error: {d['error']['message']} | | | | | |"); continue
    s = d["summary"]
    wall = open(f"{out}/{env}.wall").read().strip()
    hns = s["human_normalized_score"]
    print(f"| {env} | {ms(s['best'])} | {ms(s['human'])} | {ms(s['sparse'])} | {hns:.2f} | {s['candidates']} ({s['failed']}) | {wall} s |"
          if hns is not None else f"| {env} | {ms(s['best'])} | {ms(s['human'])} | {ms(s['sparse'])} | – | {s['candidates']} ({s['failed']}) | {wall} s |")
print(f"\nRaw JSON and reports: {out}/")
PY
