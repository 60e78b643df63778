#!/usr/bin/env bash
# Builds the native kernels and test programs with AddressSanitizer + UndefinedBehaviorSanitizer
# (x86-64 host) and runs the CTest suite. Build tree: native/build/sanitize (reused).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/native/build/sanitize"

jobs="$(nproc 2>/dev/null || echo 2)"
cmake -S "$root" -B "$build" -DRNNAD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --parallel "$jobs"
# Any UBSan report fails the program (-fno-sanitize-recover); ASan fails on errors and leaks.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
ctest --test-dir "$build" --output-on-failure --parallel "$jobs" --timeout 900
