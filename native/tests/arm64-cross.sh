#!/usr/bin/env bash
# Cross-compiles the native kernels and test programs for AArch64 (NEON table) and runs the
# CTest suite under qemu-user. Needs the Debian packages g++-aarch64-linux-gnu, qemu-user and
# cmake. Build tree: native/build/arm64 (reused between runs).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/native/build/arm64"

for tool in aarch64-linux-gnu-g++ qemu-aarch64 cmake ctest; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "arm64-cross.sh: $tool not found (apt-get install g++-aarch64-linux-gnu qemu-user cmake)" >&2
    exit 2
  fi
done

jobs="$(nproc 2>/dev/null || echo 2)"
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/native/cmake/aarch64.cmake" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --parallel "$jobs"
ctest --test-dir "$build" --output-on-failure --parallel "$jobs" --timeout 600
