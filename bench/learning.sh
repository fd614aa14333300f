#!/usr/bin/env bash
# The learning bar, measured: trains each env's human baseline reward
# (guest-sdk/examples/ENV.rs) with the env's default budget (its row in
# PpoConfig::for_env) on several seeds and tabulates whether the late-window fitness
# reaches the env's solved_fitness, how many steps and seconds that took, and the total
# wall-clock time. Runs go to target/learning/<time>/<env>-s<seed>.
#
#   bench/learning.sh                          # all six envs, 3 seeds (about an hour on 2 cores)
#   bench/learning.sh --only reacher,ant --seeds 1
#   THREADS=1 bench/learning.sh                # worker threads per training (default: all cores)
#   THREADS=1 bench/learning.sh --jobs 2       # two trainings at a time (results are the same
#                                              # bits; only the wall-clock columns change)
set -euo pipefail
cd "$(dirname "$0")/.."

envs=cartpole,pendulum,reacher,ball_balance,pusher,ant
seeds=3
jobs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --only) envs=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (expected --only a,b, --seeds N or --jobs N)" >&2; exit 2 ;;
  esac
done
threads_args=()
if [ -n "${THREADS:-}" ]; then threads_args=(--threads "$THREADS"); fi

cargo build -q --release -p rewardsmith
bin=target/release/rewardsmith
root=target/learning/$(date +%Y%m%d-%H%M%S)
mkdir -p "$root"
echo "== runs in $root" >&2

# One training: its summary to <out>.json, its process wall time (compiling the reward and
# writing the run folder included) to <out>.wall.
train_one() {
  local env=$1 seed=$2 out=$root/$1-s$2 start end
  echo "== $env seed $seed" >&2
  start=$(date +%s.%N)
  "$bin" train --env "$env" --reward "guest-sdk/examples/$env.rs" --seed "$seed" --out "$out" \
    "${threads_args[@]}" --quiet --json >"$out.json"
  end=$(date +%s.%N)
  python3 -c "print($end - $start)" >"$out.wall"
}

IFS=, read -r -a env_list <<<"$envs"
pids=()
for env in "${env_list[@]}"; do
  for ((seed = 0; seed < seeds; seed++)); do
    train_one "$env" "$seed" &
    pids+=($!)
    # At most $jobs at a time; a failed training fails the script.
    if ((${#pids[@]} >= jobs)); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  done
done
for pid in "${pids[@]}"; do wait "$pid"; done

python3 - "$root" "$envs" "$seeds" <<'PY'
import json, statistics, sys
root, envs, seeds = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])

def median(xs, fmt=",.0f"):
    return format(statistics.median(xs), fmt) if xs else "—"

print(f"Runs: `{root}`\n")
print("| env | solved fitness | budget (steps) | seeds solved (late fitness ≥ bar) | steps to solve (median) "
      "| wall-clock to solve s (median) | final late fitness mean ± std over seeds | total wall s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for env in envs:
    runs = [json.load(open(f"{root}/{env}-s{s}.json")) for s in range(seeds)]
    walls = [float(open(f"{root}/{env}-s{s}.wall").read()) for s in range(seeds)]
    bar = runs[0]["solved_fitness"]
    budget = json.load(open(f"{root}/{env}-s0/manifest.json"))["config"]["ppo"]["total_steps"]
    late = [r["late_fitness"] for r in runs]
    ok = sum(f >= bar for f in late)
    # Steps/seconds to solve: first time the last-100-episode fitness reached the bar.
    steps = [r["solved_at_step"] for r in runs if r["solved_at_step"] is not None]
    secs = [r["solved_at_s"] for r in runs if r["solved_at_s"] is not None]
    std = statistics.stdev(late) if len(late) > 1 else 0.0
    print(f"| {runs[0]['env']} | {bar:g} | {budget:,} | {ok}/{seeds} | {median(steps)} "
          f"| {median(secs, ',.1f')} | {statistics.mean(late):.3f} ± {std:.3f} | {sum(walls):,.0f} |")
PY
