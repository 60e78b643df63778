#!/usr/bin/env bash
# `npm run prebuilds` (not "prebuild", which npm would run before every `npm run build`):
# builds the N-API addon for linux-arm64 (with the aarch64 cross compiler, g++-aarch64-linux-gnu,
# as native/tests/arm64-cross.sh uses) and for linux-x64 (host g++), both glibc, into prebuilds/<platform>-<arch>/rnn-anomaly.napi.glibc.node (prebuildify layout,
# found by node-gyp-build). One binary per platform serves every Node.js with N-API 8.
# The binaries need glibc >= 2.32 and GCC 12's libstdc++ (GLIBCXX_3.4.30), as built on Debian 12.
# Linking libstdc++ statically would not lower that: its archive pulls in glibc 2.36 symbols.
# Where the prebuilt binary does not load, scripts/install.cjs compiles the addon instead.
# x64 is built last so that build/Release is left holding the host's addon.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# npm hands its scripts the node-gyp it bundles; outside npm, take one from PATH.
if [ -n "${npm_config_node_gyp:-}" ]; then node_gyp=(node "$npm_config_node_gyp"); else node_gyp=(node-gyp); fi
jobs="$(nproc 2>/dev/null || echo 2)"
for tool in aarch64-linux-gnu-g++ aarch64-linux-gnu-strip g++ strip; do
  command -v "$tool" >/dev/null || { echo "prebuilds.sh: $tool not found (apt-get install g++ g++-aarch64-linux-gnu)" >&2; exit 2; }
done

build() { # <arch> <strip> [env...]
  local arch="$1" strip="$2"; shift 2
  local out="prebuilds/linux-$arch/rnn-anomaly.napi.glibc.node"
  env "$@" "${node_gyp[@]}" rebuild --arch="$arch" -j "$jobs" --loglevel=warn >/dev/null
  mkdir -p "$(dirname "$out")"
  "$strip" --strip-unneeded -o "$out" build/Release/rnnad.node
  echo "prebuilds.sh: $out ($(stat -c %s "$out") bytes)"
}

rm -rf prebuilds
build arm64 aarch64-linux-gnu-strip CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar
build x64 strip
