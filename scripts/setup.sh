#!/usr/bin/env bash
# Sets up spacetime-lab on a fresh Debian machine with Node 20 (run as root, or with sudo):
#   1. system packages the tests need (Jupyter for the notebooks, Chromium for the
#      comparison server's browser test, redis-server for the sweep tests), from Debian, and
#      Python's safetensors where pip can reach it;
#   2. the npm dependencies, exactly as locked (npm ci), skipped when already in place;
#   3. the native CPU kernels (node-gyp, offline) when their sources are present: a failed
#      build is a one-line warning, and the project runs on the portable backends;
#   4. better-sqlite3's addon (the comparison server's vote store; npm runs no install
#      scripts here, so it is built offline with node-gyp);
#   5. the tslab Jupyter kernel.
# Safe to re-run: each step checks what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "[setup] Node.js >= 20 is required (found $(node -v))" >&2
  exit 1
fi

# 1. System packages (Debian).
APT_PACKAGES=(jupyter-nbconvert jupyter-client python3-nbconvert python3-ipykernel chromium redis-server)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO=sudo; else
      echo "[setup] need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    fi
  fi
  say "installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python's safetensors, best effort: the tests then also load our checkpoints with the
# reference library (they skip that check, saying why, when it is absent).
if ! /usr/bin/python3 -c 'import safetensors' 2>/dev/null; then
  /usr/bin/python3 -m pip install -q --break-system-packages --no-deps safetensors >/dev/null 2>&1 \
    && say "installed Python safetensors" || say "Python safetensors not installable here (its checks will be skipped)"
fi

# 2. npm dependencies, as locked.
lock_sha=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.spacetime-installed
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sha" ]; then
  say "npm dependencies up to date"
else
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sha" > "$stamp"
fi

# 3. Native kernels (optional: the project falls back to portable backends).
if [ -f kernels/native/binding.gyp ]; then
  if [ -f kernels/native/build/Release/spacetime_native.node ] && [ -z "$(find kernels/native -newer kernels/native/build/Release/spacetime_native.node -type f \( -name '*.cc' -o -name '*.h' -o -name '*.gyp' \) -not -path '*/build/*' | head -1)" ]; then
    say "native kernels up to date"
  else
    say "building native kernels (node-gyp)"
    if ! (npx --no-install node-gyp rebuild --directory kernels/native --nodedir=/usr >/tmp/spacetime-native-build.log 2>&1); then
      echo "[setup] warning: native kernels failed to build (log: /tmp/spacetime-native-build.log); continuing with the portable backends" >&2
    fi
  fi
fi

# 4. better-sqlite3 (npm ci does not run its install script): build its addon offline.
sqlite_addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
if [ -f "$sqlite_addon" ] && [ "$sqlite_addon" -nt "$stamp" ]; then
  say "better-sqlite3 up to date"
else
  say "building better-sqlite3 (node-gyp)"
  if ! (npx --no-install node-gyp rebuild --directory node_modules/better-sqlite3 --nodedir=/usr >/tmp/spacetime-sqlite-build.log 2>&1); then
    echo "[setup] error: better-sqlite3 failed to build (log: /tmp/spacetime-sqlite-build.log)" >&2
    exit 1
  fi
fi

# 5. The tslab kernel for the notebooks.
if ! /usr/bin/jupyter kernelspec list 2>/dev/null | grep -q '^ *tslab '; then
  say "registering the tslab Jupyter kernel"
  node_modules/.bin/tslab install --python=/usr/bin/python3 >/dev/null
fi
say "done"
