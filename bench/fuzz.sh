#!/usr/bin/env bash
# Fuzzes the reward source screen, the module loader and batch calls (docs/fuzzing.md):
# builds the cargo-fuzz targets in fuzz/ (their own workspace and target folder), runs each
# for a set time, prints per target the executions, CPU seconds, coverage and corpus size,
# and exits 1 if any target crashed (its input is under fuzz/artifacts/<target>/).
# Not run by CI.
#
# Needs: a nightly toolchain, cargo-fuzz and a C++ compiler (libFuzzer is built from source):
#   rustup toolchain install nightly --profile minimal
#   cargo +nightly install cargo-fuzz
#
#   bench/fuzz.sh                 # 300 s per target, all three targets
#   bench/fuzz.sh 60 screen load  # 60 s each, two targets
#
# The first build compiles wasmtime with coverage and AddressSanitizer: expect tens of
# minutes on a small machine (CARGO_BUILD_JOBS limits its cores). The corpus grows in
# fuzz/corpus/<target>/ (git-ignored) from the committed seeds in fuzz/seeds/<target>/;
# crashes found are minimised with `cargo +nightly fuzz tmin <target> <file>` and added to
# the seeds as regression inputs.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(screen load batch)
case "$seconds" in '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;; esac

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz with a nightly toolchain is needed:" >&2
  echo "  rustup toolchain install nightly --profile minimal && cargo +nightly install cargo-fuzz" >&2
  exit 2
fi

# 2 GiB of RSS per process. Per input: 10 s for modules (fuel and the epoch deadline stop
# them within ~2 s); 30 s for sources (a 256 KiB source takes seconds under AddressSanitizer).
# FUZZ_FLAGS adds libFuzzer flags (e.g. FUZZ_FLAGS=-entropic=0: about twice the
# executions per second on the module targets, where scoring features dominates).
# shellcheck disable=SC2206 # FUZZ_FLAGS is a word list
common=(-rss_limit_mb=2048 -print_final_stats=1 "-max_total_time=$seconds" ${FUZZ_FLAGS:-})
declare -A extra=(
  [screen]="-timeout=30 -max_len=16384 -dict=fuzz/dicts/screen.dict"
  [load]="-timeout=10 -max_len=8192 -dict=fuzz/dicts/load.dict"
  [batch]="-timeout=10 -max_len=4096"
)

cargo +nightly fuzz build >&2
# Run the built binaries directly (what `cargo fuzz run` does, without its rebuild check),
# so the CPU time measured is fuzzing only.
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin_dir=fuzz/target/$triple/release
mkdir -p fuzz/logs
log_dir=$(mktemp -d "fuzz/logs/$(date +%Y%m%d-%H%M%S).XXXX")
summary=()
crashed=0
for t in "${targets[@]}"; do
  [ -n "${extra[$t]+x}" ] || { echo "unknown target $t (screen, load, batch)" >&2; exit 2; }
  mkdir -p "fuzz/corpus/$t" "fuzz/seeds/$t" "fuzz/artifacts/$t"
  # The SDK examples seed the screen as they are (not copied into fuzz/seeds).
  [ "$t" != screen ] || cp guest-sdk/examples/*.rs "fuzz/corpus/$t/"
  log="$log_dir/$t.log"
  echo "== $t: ${seconds}s (log: $log)" >&2
  # shellcheck disable=SC2086 # the extra flags are word lists
  if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0} \
    /usr/bin/time -f 'cpu_seconds %U %S wall_seconds %e max_rss_kib %M' -o "$log_dir/$t.time" \
    "$bin_dir/$t" "-artifact_prefix=fuzz/artifacts/$t/" "${common[@]}" ${extra[$t]} \
    "fuzz/corpus/$t" "fuzz/seeds/$t" >"$log" 2>&1; then
    status=ok
  else
    status=CRASH
    crashed=1
    grep -aE '^(==[0-9]+==ERROR|SUMMARY|thread .* panicked|artifact_prefix|Test unit written)' "$log" | head -n 20 >&2 || true
  fi
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$' || echo "?")
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -n 1 || echo "cov: ? ft: ? corp: ?")
  cpu=$(awk '/^cpu_seconds/ {printf "%.0f", $2 + $3}' "$log_dir/$t.time" 2>/dev/null || echo "?")
  files=$(find "fuzz/corpus/$t" -type f | wc -l)
  summary+=("$(printf '%-7s %-6s %10s execs %6s cpu-s  %s  corpus files: %s' "$t" "$status" "$execs" "$cpu" "$cov" "$files")")
done

echo
echo "fuzz summary (${seconds}s per target; logs in $log_dir):"
printf '  %s\n' "${summary[@]}"
exit "$crashed"
