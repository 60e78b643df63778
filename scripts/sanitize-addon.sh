#!/usr/bin/env bash
# Builds the native kernels (CTest programs) and the N-API addon with AddressSanitizer +
# UndefinedBehaviorSanitizer at -O1, then runs the CTest programs, the engine tests on that addon
# and a short run of the native fuzzer (each case in a child process, also on that addon).
#   scripts/sanitize-addon.sh            # everything (.ci/run runs this)
#   scripts/sanitize-addon.sh --addon    # skip the CTest half (native/tests/sanitize.sh)
#   RNNAD_SANITIZE_FUZZ_CASES=10000      # fuzz cases (default 10000)
# The addon is built in build-asan/ (never touches build/) and loaded through
# RNN_ANOMALY_ADDON_PATH with libasan preloaded into node. Exits non-zero on any sanitizer report,
# failed test or fuzz crash.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
started=$SECONDS
stage_start=$SECONDS
stage_done() { echo "-- $1: $((SECONDS - stage_start)) s"; stage_start=$SECONDS; }

if [ "${1:-}" != "--addon" ]; then
  echo "== native kernels + CTest, ASan+UBSan (-O1)"
  native/tests/sanitize.sh
  stage_done "CTest under ASan+UBSan"
fi

echo "== addon, ASan+UBSan, -O1 (build-asan/)"
stage="$root/build-asan"
mkdir -p "$stage"
# node-gyp builds into ./build of its working directory: a staging directory whose binding.gyp and
# native/ point at the real ones keeps the sanitized objects apart from the release addon.
ln -sfn "$root/binding.gyp" "$stage/binding.gyp"
ln -sfn "$root/native" "$stage/native"
printf '{"name":"rnn-anomaly-asan","private":true,"scripts":{"install":"node-gyp configure && node-gyp build -j %s"}}\n' \
  "$(nproc 2>/dev/null || echo 2)" >"$stage/package.json"
# The environment's flags come after binding.gyp's in node-gyp's compile lines, so -O1 wins over -O3.
sanitize_flags="-O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# Through `npm run install` like the release build: npm supplies node-gyp and its nodedir (the
# system headers); plain `npx node-gyp` would try to download them.
(cd "$stage" && CFLAGS="$sanitize_flags" CXXFLAGS="$sanitize_flags" LDFLAGS="-fsanitize=address,undefined" \
  npm run install --silent >/dev/null)
addon="$stage/build/Release/rnnad.node"
stage_done "addon build"

libasan="$(g++ -print-file-name=libasan.so)"
libubsan="$(g++ -print-file-name=libubsan.so)"
# Node itself leaks at exit by design, so no leak checking; any real ASan/UBSan report aborts the run.
# allocator_may_return_null: an allocation too large for the machine must stay a bad_alloc
# (ERR_OUT_OF_MEMORY), as without ASan, instead of an ASan abort.
export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_odr_violation=0:allow_user_segv_handler=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export RNN_ANOMALY_ADDON_PATH="$addon"
export LD_PRELOAD="$libasan $libubsan"

echo "== engine tests on the sanitized addon"
# Left out, each for the reason printed (they test what ASan itself changes, not the addon's code):
declare -A left_out=(
  [test/engine-leak.test.ts]="asserts resident-memory bounds, and ASan's shadow memory and quarantine hold freed blocks by design"
)
engine_tests=()
for file in test/engine-*.test.ts; do
  if [ -n "${left_out[$file]:-}" ]; then
    echo "left out: $file: ${left_out[$file]}"
  else
    engine_tests+=("$file")
  fi
done
echo "running ${#engine_tests[@]} engine test files, ${#left_out[@]} left out"
npx vitest run "${engine_tests[@]}"
stage_done "engine tests"

fuzz_cases="${RNNAD_SANITIZE_FUZZ_CASES:-10000}"
echo "== native fuzzer, $fuzz_cases cases on the sanitized addon"
npx tsx scripts/fuzz-native.ts --cases "$fuzz_cases" --seed 11 --batch 500 --parallel 2
stage_done "fuzz"
echo "== sanitizer step passed in $((SECONDS - started)) s"
