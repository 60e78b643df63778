#!/usr/bin/env bash
# Builds the native kernels (CTest programs) and the N-API addon with AddressSanitizer +
# UndefinedBehaviorSanitizer, then runs the CTest programs and the engine tests on that addon.
#   scripts/sanitize-addon.sh            # everything
#   scripts/sanitize-addon.sh --addon    # skip the CTest half (native/tests/sanitize.sh)
# The addon is built in build-asan/ (never touches build/) and loaded through
# RNN_ANOMALY_ADDON_PATH with libasan preloaded into node.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ "${1:-}" != "--addon" ]; then
  echo "== native kernels + CTest, ASan+UBSan"
  native/tests/sanitize.sh
fi

echo "== addon, ASan+UBSan (build-asan/)"
stage="$root/build-asan"
mkdir -p "$stage"
# node-gyp builds into ./build of its working directory: a staging directory whose binding.gyp and
# native/ point at the real ones keeps the sanitized objects apart from the release addon.
ln -sfn "$root/binding.gyp" "$stage/binding.gyp"
ln -sfn "$root/native" "$stage/native"
printf '{"name":"rnn-anomaly-asan","private":true,"scripts":{"install":"node-gyp configure && node-gyp build -j %s"}}\n' \
  "$(nproc 2>/dev/null || echo 2)" >"$stage/package.json"
sanitize_flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# Through `npm run install` like the release build: npm supplies node-gyp and its nodedir (the
# system headers); plain `npx node-gyp` would try to download them.
(cd "$stage" && CFLAGS="$sanitize_flags" CXXFLAGS="$sanitize_flags" LDFLAGS="-fsanitize=address,undefined" \
  npm run install --silent >/dev/null)
addon="$stage/build/Release/rnnad.node"

echo "== engine tests on the sanitized addon"
libasan="$(g++ -print-file-name=libasan.so)"
libubsan="$(g++ -print-file-name=libubsan.so)"
# Node itself leaks at exit by design, so no leak checking; any real ASan/UBSan report aborts the run.
# allocator_may_return_null: an allocation too large for the machine must stay a bad_alloc
# (ERR_OUT_OF_MEMORY), as without ASan, instead of an ASan abort.
export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_odr_violation=0:allow_user_segv_handler=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export RNN_ANOMALY_ADDON_PATH="$addon"
LD_PRELOAD="$libasan $libubsan" npx vitest run test/engine-*.test.ts test/fuzz-native.test.ts
