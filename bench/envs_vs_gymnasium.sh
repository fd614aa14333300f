#!/usr/bin/env bash
# Env throughput side by side, one run on one machine: rewardsmith's rapier3d envs against
# the Gymnasium/MuJoCo envs of the same task shape, random actions, single-threaded.
# Installs gymnasium and mujoco into a throwaway venv (target/bench-venv) on first use.
#
#   bench/envs_vs_gymnasium.sh            # ~3 minutes
#   STEPS=5000 bench/envs_vs_gymnasium.sh # quicker, noisier
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${STEPS:-20000}
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "gymnasium[mujoco]==1.4.0" "mujoco==4.0.0"
fi
echo "== rewardsmith (cargo bench -p rewardsmith-envs --bench steps -- --json)" >&2
ours=$(cargo bench -q -p rewardsmith-envs --bench steps -- --json | tail -n 1)
echo "== gymnasium $("$venv/bin/python" -c 'import gymnasium, mujoco; print(gymnasium.__version__, "/ mujoco", mujoco.__version__)')" >&2
peer=$("$venv/bin/python" bench/gym_steps.py "$steps")
python3 - "$ours" "$peer" <<'PY'
import json, sys
ours = {r["id"]: r for r in json.loads(sys.argv[1])}
peer = json.loads(sys.argv[2])
pairs = [("cartpole-v0", "CartPole-v1"), ("pendulum-v0", "Pendulum-v1"), ("reacher-v0", "Reacher-v5"),
         ("ant-v0", "Ant-v5"), ("pusher-v0", "Pusher-v5"), ("ball_balance-v0", None)]
print("| ours | steps/s (1 thread) | peer | steps/s (1 thread) | ours ÷ peer | ours, 16 envs on 2 threads |")
print("|---|---:|---|---:|---:|---:|")
for o, p in pairs:
    if o not in ours:
        print(f"| {o} | not registered | {p or '—'} | | | |")
        continue
    r = ours[o]
    if p:
        print(f"| {o} | {r['single']:,.0f} | {p} | {peer[p]:,.0f} | {r['single'] / peer[p]:.2f} | {r['vector_2_threads']:,.0f} |")
    else:
        print(f"| {o} | {r['single']:,.0f} | (no Gymnasium peer) | | | {r['vector_2_threads']:,.0f} |")
PY
