#!/usr/bin/env bash
# Builds the browser runtime into target/web-pkg/: the wasm module, its JS glue and the
# static page. Run from anywhere; needs wasm-bindgen-cli 0.2.130 (the crate pins
# wasm-bindgen =0.2.130, and the two must match). wasm-opt is used only from npm's
# `binaryen` in web/node_modules (Debian's binaryen produces broken modules).
# Prints the module's raw and gzip sizes at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)  # the workspace pin
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "error: wasm-bindgen-cli $want is needed, found '${have:-none}'." >&2
  echo "       cargo install wasm-bindgen-cli --version $want" >&2
  exit 1
fi

# Separate target dir: never waits on the native build's lock.
export CARGO_TARGET_DIR=target/web
cargo build --profile web --target wasm32-unknown-unknown -p rewardsmith-web

# Assemble in a fresh folder and swap it in at the end, so a concurrent run (tests build
# too) never sees or deletes a half-written package.
dest=target/web-pkg
out=$(mktemp -d target/web-pkg.tmp.XXXXXX)
trap 'rm -rf "$out"' EXIT
# The `name` section (function names for stack traces, ~1 MB raw, ~270 KiB gzip) and the
# producers section are dropped: a panic in the page still says its message, and the demo
# fits 1.5 MB gzip without wasm-opt (docs/benchmarks.md, "Demo size").
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$out" \
  target/web/wasm32-unknown-unknown/web/rewardsmith_web.wasm

wasm="$out/rewardsmith_web_bg.wasm"
# wasm-opt -Oz (npm binaryen) saved ~14 % gzip (1740 -> 1503 KiB, with the name section) but takes 6+ minutes on
# 2 cores, so it is opt-in: WASM_OPT=1 web/build.sh for a demo you publish. The tests and
# CI build without it; the -Oz module was checked to replay bit-identically too.
if [ "${WASM_OPT:-0}" = 1 ]; then
  if [ ! -x web/node_modules/.bin/wasm-opt ]; then
    echo "error: WASM_OPT=1 needs web/node_modules/.bin/wasm-opt: npm ci --prefix web" >&2
    exit 1
  fi
  web/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$wasm" -o "$wasm.opt"
  mv "$wasm.opt" "$wasm"
fi

cp web/static/* "$out/"
chmod 755 "$out"
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
rm -rf "$dest"
mv "$out" "$dest"
echo "built $dest: rewardsmith_web_bg.wasm $((raw / 1024)) KiB raw, $((gz / 1024)) KiB gzip"
