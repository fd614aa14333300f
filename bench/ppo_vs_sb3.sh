#!/usr/bin/env bash
# PPO training speed side by side, one run on one machine: rewardsmith's PPO (rapier envs, reward
# sandboxed in wasm) against Stable-Baselines3 PPO on the Gymnasium env of the same task shape,
# with the same hyperparameters (ours, read from `rewardsmith train --print-config`) and step budget.
# Installs SB3 + torch (CPU use only, ~5.5 GiB) into target/sb3-venv on first use.
#
#   bench/ppo_vs_sb3.sh                       # cartpole 150k (its default budget) + pendulum 200k steps, seed 0
#   bench/ppo_vs_sb3.sh --seeds 3 --only cartpole
#
# SB3's torch runs on 1 thread by default (--sb3-threads): for 64-wide MLPs a second OpenMP thread
# made it slower here, 13x slower while other processes shared the 2 cores (spin-waiting barriers).
# Raw JSON of every run lands in target/ppo-vs-sb3/<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat >&2 <<'EOF'
usage: bench/ppo_vs_sb3.sh [--seeds N] [--threads T] [--sb3-threads T] [--cartpole-steps N]
                           [--pendulum-steps N] [--only cartpole|pendulum]
EOF
  exit 2
}
seeds=1 threads=2 sb3_threads=1 cartpole_steps=150000 pendulum_steps=200000 only=""
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$1" in
    --seeds) seeds=$2 ;;
    --threads) threads=$2 ;;
    --sb3-threads) sb3_threads=$2 ;;
    --cartpole-steps) cartpole_steps=$2 ;;
    --pendulum-steps) pendulum_steps=$2 ;;
    --only) only=$2 ;;
    *) usage ;;
  esac
  shift 2
done

venv=target/sb3-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r bench/requirements-sb3.txt
fi
echo "== cargo build --release -p rewardsmith" >&2
cargo build -q --release -p rewardsmith
bin=target/release/rewardsmith
out=target/ppo-vs-sb3/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# name, our env, our reward program, Gymnasium peer, steps
tasks=("cartpole cartpole-v0 guest-sdk/examples/cartpole.rs CartPole-v1 $cartpole_steps"
       "pendulum pendulum-v0 guest-sdk/examples/pendulum.rs Pendulum-v1 $pendulum_steps")
for task in "${tasks[@]}"; do
  read -r name env reward gym steps <<<"$task"
  [ -z "$only" ] || [ "$only" = "$name" ] || continue
  "$bin" train --env "$env" --steps "$steps" --print-config >"$out/$name-config.json"
  for ((seed = 0; seed < seeds; seed++)); do
    echo "== $name seed $seed: SB3 $gym, $steps steps (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    "$venv/bin/python" bench/sb3_ppo.py --env "$gym" --config "$out/$name-config.json" --steps "$steps" \
      --seed "$seed" --threads "$sb3_threads" >"$out/$name-sb3-$seed.json"
    echo "== $name seed $seed: rewardsmith $env, $steps steps (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    "$bin" train --env "$env" --reward "$reward" --steps "$steps" --seed "$seed" --threads "$threads" \
      --out "$out/$name-ours-$seed" --quiet --json >"$out/$name-ours-$seed.json"
  done
done

python3 - "$out" "$seeds" "$threads" "$sb3_threads" "$load_start" <<'PY'
import json, os, statistics as st, sys
from pathlib import Path
out, seeds, threads, sb3_threads, load_start = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

def load(p):
    text = p.read_text().strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:  # one JSON object on the last line, after any chatter
        return json.loads(text.splitlines()[-1])

def mean_sd(xs):
    return f"{st.mean(xs):,.0f}" + (f" ±{st.stdev(xs):,.0f}" if len(xs) > 1 else "")

def solve_cell(runs):
    """Median seconds (or steps) to solve over the seeds that solved; k/S when some did not."""
    xs = [r for r in runs if r is not None]
    if not xs:
        return "not solved", None
    m = st.median(xs)
    return (f"{m:,.1f}" if isinstance(m, float) else f"{m:,}") + ("" if len(xs) == len(runs) else f" ({len(xs)}/{len(runs)})"), m

rows, quality, sb3_version = [], [], None
for name, gym in [("cartpole", "CartPole-v1"), ("pendulum", "Pendulum-v1")]:
    if not (out / f"{name}-sb3-0.json").exists():
        continue
    sb3 = [load(out / f"{name}-sb3-{s}.json") for s in range(seeds)]
    ours = [load(out / f"{name}-ours-{s}.json") for s in range(seeds)]
    sb3_version = sb3[0]["versions"]
    sps_p, sps_o = [r["sps"] for r in sb3], [r["sps"] for r in ours]
    t_p, t_p_v = solve_cell([r["solved_at_s"] for r in sb3])
    t_o, t_o_v = solve_cell([r["solved_at_s"] for r in ours])
    time_ratio = f"{t_p_v / t_o_v:.2f}" if t_p_v and t_o_v else "—"
    share = st.mean(r["reward_share"] for r in ours)
    steps = st.mean(r["steps"] for r in ours)
    rows.append(f"| {name} ({gym}) | {steps:,.0f} | {mean_sd(sps_p)} | {mean_sd(sps_o)} | "
                f"{st.mean(sps_o) / st.mean(sps_p):.2f} | {t_p} | {t_o} | {time_ratio} | {share:.1%} |")
    n_p, _ = solve_cell([r["solved_at_step"] for r in sb3])
    n_o, _ = solve_cell([r["solved_at_step"] for r in ours])
    key = "final_length" if sb3[0]["solved_on"] == "mean episode length" else "final_return"
    final_p = [r[key] for r in sb3 if r[key] is not None]
    final_o = [r["final_fitness"] for r in ours if r["final_fitness"] is not None]
    cell_p = f"{sb3[0]['solved_on']} {st.mean(final_p):,.1f}" if final_p else "no episode"
    cell_o = f"{st.mean(final_o):.3f}" if final_o else "no episode"
    quality.append(f"| {name} | {n_p} | {n_o} | {cell_p} (solved ≥ {sb3[0]['solved_threshold']:g}) | {cell_o} |")

print(f"PPO training, same hyperparameters (rewardsmith's), {seeds} seed(s); mean ±sd over seeds, solve times median.")
print("Ratios > 1 mean rewardsmith is faster.\n")
print("| task | steps | SB3 env-steps/s | ours env-steps/s | ours ÷ SB3 | SB3 wall-to-solve s | ours wall-to-solve s "
      "| SB3 ÷ ours | ours reward share of time |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
print("\n".join(rows))
print("\n| task | SB3 steps-to-solve | ours steps-to-solve | SB3 last 100 episodes | ours last-100 fitness |")
print("|---|---:|---:|---|---:|")
print("\n".join(quality))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
load_end = " ".join(open("/proc/loadavg").read().split()[:3])
print(f"\nMachine: {cpu}, {os.cpu_count()} CPUs; load average {load_start} "
      f"at start, {load_end} at end. Threads: ours {threads}, SB3 torch {sb3_threads}. "
      f"SB3 {sb3_version and sb3_version['stable_baselines3']}, torch {sb3_version and sb3_version['torch']}. "
      f"Raw JSON: {out}")
PY
