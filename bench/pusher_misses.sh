#!/usr/bin/env bash
# How a trained pusher policy misses: rolls it out on episode seeds FIRST..LAST with
# deterministic actions (`rewardsmith rollout`) and prints, per episode, the block's
# start distance to the goal, its final and closest distance, the step it first moved
# and the push direction against the base→block ray — then counts the misses that
# stopped the block just outside the 5 cm success radius (5–9 cm). docs/benchmarks.md
# ("Third pass") used it on seeds 100..139.
#
#   bench/pusher_misses.sh RUN_DIR [FIRST LAST]      # default 100 139
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || [ ! -f "$1/manifest.json" ]; then
  echo "usage: bench/pusher_misses.sh RUN_DIR [FIRST LAST] (RUN_DIR: a pusher run folder)" >&2
  exit 2
fi
run=$1 first=${2:-100} last=${3:-139}
bin=target/release/rewardsmith
[ -x "$bin" ] || cargo build -q --release -p rewardsmith
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((s = first; s <= last; s++)); do
  "$bin" rollout --run "$run" --seed "$s" --out "$out/$s.json" --json >/dev/null
done
python3 - "$out" <<'PY'
import glob, json, math, sys
# Observation layout of pusher-v0: q[3], dq[3], tip xy, block xy, goal xy.
rows, near = [], 0
for f in sorted(glob.glob(f"{sys.argv[1]}/*.json"), key=lambda p: int(p.rsplit("/", 1)[1][:-5])):
    d = json.load(open(f))
    obs = [fr["obs"] for fr in d["frames"]]
    b0, goal = obs[0][8:10], obs[0][10:12]
    dist = [math.dist(o[8:10], goal) for o in obs]
    moved = next((i for i, o in enumerate(obs) if math.dist(o[8:10], b0) > 0.01), None)
    ray = math.atan2(b0[1], b0[0])
    push = math.degrees(math.atan2(goal[1] - b0[1], goal[0] - b0[0]) - ray)
    push = (push + 180) % 360 - 180
    ok = d["fitness"] > 0.5
    near += (not ok) and dist[-1] < 0.09
    print(f"seed {d['seed']:>5} {'hit ' if ok else 'MISS'} start {dist[0]:.3f} m  end {dist[-1]:.3f} m  "
          f"closest {min(dist):.3f} m  first move step {moved}  push vs ray {push:+5.0f}°")
    rows.append(ok)
misses = rows.count(False)
print(f"\n{rows.count(True)}/{len(rows)} hits; {misses} misses, {near} of them ending 5–9 cm from the goal")
PY
