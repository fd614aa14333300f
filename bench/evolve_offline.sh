#!/usr/bin/env bash
# The offline proposer's human-normalised score on every env: one `rewardsmith evolve
# --proposer offline` run per env, then a markdown table of the search's pick (its selection
# fitness and over how many seeds), the final evaluation (best found vs human baseline vs
# sparse reward, task fitness mean ± std over the final seeds) and
# (F − F_sparse) / |F_human − F_sparse|.
#
#   bench/evolve_offline.sh                                  # the defaults: 5 iterations × 16, 5 final seeds, all six envs
#   bench/evolve_offline.sh --iterations 2 --samples 8 --final-seeds 3 --only pendulum
#   bench/evolve_offline.sh --only reacher --recheck-top 0   # select on one seed (before issue 14)
#   bench/evolve_offline.sh --only ant --steps 100000        # a smaller training budget per candidate
#
# Runs are stored in target/evolve-offline/<time>/runs.db (reports next to it); OUT=dir
# names another folder.
set -euo pipefail
cd "$(dirname "$0")/.."

iterations=5 samples=16 final_seeds=5 only="cartpole,pendulum,reacher,ball_balance,pusher,ant" seed=0
recheck_top=2 recheck_seeds=2 steps=""
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "usage: $0 [--iterations N] [--samples N] [--final-seeds N] [--seed S] [--only a,b] [--recheck-top N] [--recheck-seeds N] [--steps N]" >&2; exit 2; }
  case "$1" in
    --iterations) iterations=$2 ;;
    --samples) samples=$2 ;;
    --final-seeds) final_seeds=$2 ;;
    --seed) seed=$2 ;;
    --only) only=$2 ;;
    --recheck-top) recheck_top=$2 ;;
    --recheck-seeds) recheck_seeds=$2 ;;
    --steps) steps=$2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
  shift 2
done

# REWARDSMITH_BIN=path runs a binary built before (e.g. a copy kept while the tree changes).
bin=${REWARDSMITH_BIN:-target/release/rewardsmith}
[ -n "${REWARDSMITH_BIN:-}" ] || cargo build --release -q -p rewardsmith
out=${OUT:-target/evolve-offline/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
for env in ${only//,/ }; do
  echo "== $env: $iterations iterations × $samples candidates, rechecks $recheck_top × $recheck_seeds, $final_seeds final seeds${steps:+, $steps steps} (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  start=$(date +%s)
  "$bin" evolve --env "$env" --proposer offline --iterations "$iterations" --samples "$samples" \
    --final-seeds "$final_seeds" --seed "$seed" --recheck-top "$recheck_top" --recheck-seeds "$recheck_seeds" \
    ${steps:+--steps "$steps"} --store "$out/runs.db" --json > "$out/$env.json" || true
  echo $(( $(date +%s) - start )) > "$out/$env.wall"
done

python3 - "$out" "$only" "$iterations" "$samples" "$recheck_top" "$recheck_seeds" "${steps:-default}" <<'PY'
import json, sys
out, only, iterations, samples, top, seeds, steps = sys.argv[1], sys.argv[2].split(","), *sys.argv[3:]
steps = "each env's training budget" if steps == "default" else steps
def ms(s):
    m = s.get("mean_std")
    return f"{m['mean']:.3f} ± {m['std']:.3f}" if m else "–"
print(f"Offline proposer, {iterations} iterations × {samples} candidates per env, rechecks {top} × {seeds}, steps: {steps}.\n")
print("| env | search pick (seeds) | best found, final | human baseline | sparse | human-normalised score | candidates (failed) + rechecks | wall-clock |")
print("|---|---|---|---|---|---|---:|---:|")
for env in only:
    try:
        d = json.load(open(f"{out}/{env}.json"))
    except (OSError, ValueError) as e:
        print(f"| {env} | no result: {e} | | | | | | |"); continue
    if "error" in d:
        print(f"| {env} | error: {d['error']['message']} | | | | | | |"); continue
    s = d["summary"]
    wall = open(f"{out}/{env}.wall").read().strip()
    hns = s["human_normalized_score"]
    hns = f"{hns:.2f}" if hns is not None else (s.get("human_normalized_undefined") or "–")
    pick = f"{s['best_fitness']:.3f} ({s.get('best_fitness_seeds') or 1})" if s.get("best_fitness") is not None else "–"
    print(f"| {env} | {pick} | {ms(s['best'])} | {ms(s['human'])} | {ms(s['sparse'])} | {hns} | {s['candidates']} ({s['failed']}) + {s.get('rechecks', 0)} | {wall} s |")
print(f"\nRaw JSON and reports: {out}/")
PY
