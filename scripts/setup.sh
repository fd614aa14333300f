#!/usr/bin/env bash
# Everything the test suite needs beyond cargo, checked and (where this user can) installed,
# saying what it does: Debian packages (bubblewrap; chromium with the Mesa/Vulkan software
# stack that gives it WebGL2 and WebGPU headless), the pinned toolchain with the wasm32
# target, wasm-bindgen-cli at the workspace's pin, the web/ npm packages from the committed
# lockfile, the browser runtime (web/build.sh), and a Python venv (target/py) with pytest for
# the Python package's tests (and Gymnasium's MuJoCo envs, and Ray). Idempotent: a second run only checks.
# Used by scripts/test.sh (the README's test command) and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# --- Debian packages (shared/design/FACTS.md: Debian's chromium, never `playwright install`).
apt_packages=(bubblewrap chromium mesa-vulkan-drivers libvulkan1 libegl1 libegl-mesa0 libgl1-mesa-dri)
command -v npm >/dev/null 2>&1 || apt_packages+=(nodejs npm)
# Debian's python3 makes venvs only with python3-venv (a pyenv or python.org Python has it).
command -v python3 >/dev/null 2>&1 || apt_packages+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_packages+=(python3-venv)
if command -v dpkg >/dev/null 2>&1; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
      echo "setup: missing Debian packages: ${missing[*]}" >&2
      echo "setup: install them with: sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
    echo "== setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
else
  for c in chromium npm; do
    command -v "$c" >/dev/null 2>&1 || {
      echo "setup: not Debian, and \`$c\` is missing: install it (the browser tests need chromium, node and npm)" >&2
      exit 1
    }
  done
fi

# --- The pinned toolchain (rust-toolchain.toml) and the wasm32 target reward programs build
# for. rustup installs a missing toolchain on first use, but adds a target only to a new one.
echo "== setup: toolchain"
toolchain=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy --target wasm32-unknown-unknown
rustc --version

# --- wasm-bindgen-cli must equal the wasm-bindgen crate pinned in the workspace Cargo.toml
# (~5.5 min to build; skipped when the right version is installed). No --locked: its
# lockfile names a crate version the registry lacks (FACTS.md).
wb_version=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
if [ -z "$wb_version" ]; then
  echo "setup: no exact wasm-bindgen pin (wasm-bindgen = \"=X.Y.Z\") in Cargo.toml" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb_version" ]; then
  echo "== setup: installing wasm-bindgen-cli $wb_version (~5 minutes, once)"
  cargo install -q wasm-bindgen-cli --version "$wb_version"
fi

# --- Node tools from the committed lockfile: playwright-core (drives chromium) and
# binaryen's wasm-opt (Debian's binaryen breaks modules).
# (`npm ls` fails when web/node_modules is missing or does not match the lockfile.)
if ! npm ls --prefix web --all >/dev/null 2>&1; then
  echo "== setup: npm ci (web/)"
  npm ci --prefix web --no-audit --no-fund
fi

echo "== setup: browser runtime (web/build.sh)"
bash web/build.sh

# --- Python (3.9+): a venv at target/py with pytest; scripts/test.sh installs the package
# from python/ into it (`pip install ./python`: maturin builds the extension, reusing target/).
echo "== setup: Python venv (target/py)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' || {
  echo "setup: python3 is $(python3 --version 2>&1); the Python package needs 3.9 or later" >&2
  exit 1
}
[ -x target/py/bin/python ] || python3 -m venv target/py
# Gymnasium's MuJoCo envs (mujoco ships its models, ~60 MB) for the bring-your-own-env tests.
# Ray (~70 MB wheel) for the evolve-on-a-cluster tests (python/tests/test_ray.py).
target/py/bin/python -m pip install -q --disable-pip-version-check "pytest>=8,<10" "gymnasium[mujoco]>=1.0,<2" "ray>=2.60,<3"
# The Stable-Baselines3 example's test needs torch (~5.5 GiB, ~1.5 min): only on request
# (CI sets it); without it that one test is skipped and says why.
if [ "${REWARDSMITH_TEST_SB3:-0}" = 1 ]; then
  echo "== setup: stable-baselines3 (REWARDSMITH_TEST_SB3=1; pulls torch, ~5.5 GiB)"
  target/py/bin/python -m pip install -q --disable-pip-version-check "stable-baselines3>=2.9,<3"
fi
